"""Sample copies of the BPE (Base permanente des équipements) and of its reference files.

Layouts follow ../shared/reference/formats.md §1: BPE 2025 (`BPE25.parquet`, the 95 columns of
the 2025 header, text except counts and coordinates), BPE 2024 and 2023 (`BPE24.zip`,
`BPE23.zip`: one `;` CSV of 89 and 74 columns, every text field double-quoted, empty ones
included, numbers unquoted and empty when missing), BPE 2021 (`bpe21_ensemble_xy_csv.zip`: the
old 24-column format, unquoted, latin-1, CRLF, Lambert coordinates only, with its `varmod`
file); `TYPEQU_2025.csv` and `BPE_gammes_equipements_2025.xlsx`.

Which facilities there are is observatory.sample.bpe_plan's; the columns of each one in an
edition, observatory.sample.bpe_records'. This module only orders them into each edition's
official files.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from observatory.formats.archive import zip_bytes
from observatory.formats.bpe import (
    COLUMNS_2021,
    COLUMNS_2023,
    COLUMNS_2024,
    COLUMNS_2025,
    NUMERIC_COLUMNS,
    gammes_sheet,
    quoted_csv,
    sql_type,
)
from observatory.formats.bpe_seeds import GammeEntry
from observatory.formats.delimited import Cell, csv_bytes
from observatory.formats.xlsx import to_bytes as xlsx_bytes
from observatory.sample.bpe_concepts import (
    CONCEPTS,
    HORS_GAMME,
    INTERMEDIAIRE,
    REGROUPEMENT_LABELS,
    SEEDS,
    SUPERIEURE,
    BpeSampleError,
)
from observatory.sample.bpe_plan import check_concepts, facility_plan
from observatory.sample.bpe_records import facility_record
from observatory.sample.geography import DEPARTEMENTS

_EMPTY_TEXT = frozenset(("CNOMRS", "NUMVOIE", "INDREP", "TYPVOIE", "LIBVOIE", "CADR", "SIRET"))

# --- the rows of each edition ---------------------------------------------------------------------


def _current_rows(millesime: int, columns: Sequence[str]) -> list[list[Cell]]:
    """The facilities of an edition of the current format, sorted by commune and type."""
    check_concepts()
    rows = []
    for facility in facility_plan():
        if millesime not in facility.editions:
            continue
        if CONCEPTS[facility.concept].code(millesime) is None and not facility.typequ:
            continue  # the type does not exist in this edition
        record = facility_record(facility, millesime)
        row = []
        for column in columns:
            if column in record:
                row.append(record[column])
            elif column in NUMERIC_COLUMNS:
                row.append(None)
            else:
                row.append("" if column in _EMPTY_TEXT else "_Z")
        rows.append((str(record["DEPCOM"]), str(record["TYPEQU"]), facility.ident, row))
    return [row for *_, row in sorted(rows, key=lambda r: r[:3])]


def _parquet(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """Typed Parquet written by DuckDB (text, INTEGER counts and metres, DOUBLE degrees)."""

    definition = ", ".join(f'"{c}" {sql_type(c)}' for c in columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bpe.parquet"
        con = duckdb.connect()
        try:
            con.execute("set threads = 1")
            con.execute(f"create table bpe ({definition})")
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(f"insert into bpe values ({placeholders})", [list(r) for r in rows])
            con.execute(f"copy (select * from bpe) to '{path}' (format parquet)")
        finally:
            con.close()
        return path.read_bytes()


_QUALITE_2021 = {"B": "Bonne", "A": "Acceptable", "M": "Mauvaise"}


def _old_rows() -> list[list[Cell]]:
    """bpe21_ensemble_xy.csv: the 2021 facilities in the old 24-column format."""
    check_concepts()
    rows = []
    for facility in facility_plan():
        typequ = CONCEPTS[facility.concept].code(2021)
        if 2021 not in facility.editions or typequ is None:
            continue
        record = facility_record(facility, 2021)
        iris = str(record["DCIRIS"])
        record.update(
            BV2012=record["BV2022"],
            DCIRIS=iris[:5] if iris.endswith("0000") else f"{iris[:5]}_{iris[5:]}",
            QUALITE_XY=_QUALITE_2021[str(record["QUALITE_XY"])],
            ZFU="CSZ",
            **{f"QUALI_{z}": "_Z" for z in ("QP", "QVA", "ZFU", "ZUS")},
        )
        rows.append(
            (str(record["DEPCOM"]), typequ, facility.ident, [record[c] for c in COLUMNS_2021])
        )
    return [row for *_, row in sorted(rows, key=lambda r: r[:3])]


def _sentence(label: str) -> str:
    """`BOULANGERIE-PÂTISSERIE` -> `Boulangerie-pâtisserie` (the old varmod files' case)."""
    text = label[0] + label[1:].lower() if label.isupper() else label
    return text.replace("’", "'")


def _varmod_2021(codes: Iterable[str]) -> list[list[Cell]]:
    seed = SEEDS.typequ
    codes = sorted(set(codes))
    rows: list[list[Cell]] = [
        ["AN", "2021", "Année de la base"],
        ["DCIRIS", "", "Département, Commune et IRIS d'implantation de l'équipement"],
    ]
    rows += [["DEP", d.code, d.name] for d in sorted(DEPARTEMENTS, key=lambda d: d.code)]
    rows.append(["DEPCOM", "", "Département et Commune d'implantation de l'équipement"])
    for dom in sorted({c[0] for c in codes}):
        first = next(c for c in codes if c[0] == dom)
        rows.append(["DOM", dom, _sentence(seed[first]["libelle_dom"])])
    for value, label in _QUALITE_2021.items():
        rows.append(
            ["QUALITE_XY", label, f"Qualité de la géolocalisation : {label.lower()} ({value})"]
        )
    regions = sorted({d.region for d in DEPARTEMENTS})
    rows += [["REG", r, next(d.name for d in DEPARTEMENTS if d.region == r)] for r in regions]
    for sdom in sorted({c[:2] for c in codes}):
        first = next(c for c in codes if c[:2] == sdom)
        rows.append(["SDOM", sdom, _sentence(seed[first]["libelle_sdom"])])
    rows += [["TYPEQU", c, _sentence(seed[c]["libelle"])] for c in codes]
    return rows


# --- the writers ----------------------------------------------------------------------------------


def bpe(millesime: int) -> bytes:
    """The detailed BPE file of an edition, packaged as INSEE publishes it."""
    if millesime == 2025:
        return _parquet(COLUMNS_2025, _current_rows(2025, COLUMNS_2025))
    if millesime in (2023, 2024):
        columns = COLUMNS_2024 if millesime == 2024 else COLUMNS_2023
        member = f"BPE{millesime % 100}.csv"
        return zip_bytes([(member, quoted_csv(columns, _current_rows(millesime, columns)))])
    if millesime == 2021:
        rows = _old_rows()
        data = csv_bytes(COLUMNS_2021, rows, separator=";", crlf=True, encoding="latin-1")
        codes = [str(r[COLUMNS_2021.index("TYPEQU")]) for r in rows]
        varmod = csv_bytes(
            ["VARIABLE", "MODALITE", "MODLIBELLE"],
            _varmod_2021(codes),
            separator=";",
            crlf=True,
            encoding="latin-1",
        )
        return zip_bytes(
            [("bpe21_ensemble_xy.csv", data), ("varmod_bpe21_ensemble_xy.csv", varmod)]
        )
    raise BpeSampleError(f"no BPE sample layout for millésime {millesime}")


def codes_used(millesime: int) -> list[str]:
    """The TYPEQU of the facilities of an edition (those of the awkward cases included)."""
    codes = set()
    for facility in facility_plan():
        code = facility.typequ or CONCEPTS[facility.concept].code(millesime)
        if millesime in facility.editions and code:
            codes.add(code)
    return sorted(codes)


def bpe_nomenclature(millesime: int, used: Iterable[str] | None = None) -> bytes:
    """`TYPEQU_2025.csv`: the codes the seed evidences for the edition, plus those the BPE uses
    (by default the sample's, except the deliberately unknown B999), with the seed's labels."""
    return SEEDS.nomenclature_csv(millesime, codes_used(millesime) if used is None else used)


def gammes_rows(millesime: int) -> list[list[Cell]]:
    """One row per member type: the seed's 26 proximité regroupements, then the sample's
    intermédiaire, supérieure and hors-gamme types."""
    entries: list[GammeEntry] = SEEDS.proximite_entries()
    for gamme, keys in (
        ("intermediaire", INTERMEDIAIRE),
        ("superieure", SUPERIEURE),
        ("hors", HORS_GAMME),
    ):
        for key in keys:
            code = CONCEPTS[key].code(millesime)
            assert code is not None
            entries.append((code, REGROUPEMENT_LABELS[key], code, gamme))
    return SEEDS.gamme_rows(entries)


def bpe_gammes(millesime: int) -> bytes:
    """`BPE_gammes_equipements_YYYY.xlsx`: one sheet, three title rows, then the header."""
    return xlsx_bytes([gammes_sheet(millesime, gammes_rows(millesime))])
