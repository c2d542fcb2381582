"""Territories a user defines (a "pays", a health territory, a project area) from a CSV file.

The file (setting OBSERVATORY_CUSTOM_TERRITORIES) lists `code_commune, code_territoire, libelle,
niveau`: each level it names becomes a level of every table, next to commune, EPCI, bassin de vie,
département, région and France. It is checked against the target COG before anything is built
on it: an unknown commune code, a commune listed twice in one level, a territory with two names
or a level named like a built-in one is an error that lists every offending line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from observatory.catalog import Catalog, normalise_header
from observatory.settings import Settings
from observatory.warehouse import table_exists, writer

TABLE = "raw.utilisateur__territoires_personnalises"
BUILT_IN_LEVELS = ("commune", "epci", "bv2022", "departement", "region", "france")
COLUMNS = ("code_commune", "code_territoire", "libelle", "niveau")
SAMPLE_FILE = "territoires_personnalises.csv"
MAX_LISTED = 20


class CustomTerritoriesError(ValueError):
    """The custom territories file cannot be used; the message lists the offending lines."""


@dataclass(frozen=True)
class Row:
    line: int
    code_commune: str
    code_territoire: str
    libelle: str
    niveau: str


def custom_file(settings: Settings) -> Path | None:
    """The configured file; in sample mode, the sample's own file when none is configured."""
    if settings.custom_territories is not None:
        return settings.custom_territories
    if settings.source == "sample":
        bundled = settings.catalog_dir / "sample" / SAMPLE_FILE
        return bundled if bundled.is_file() else None
    return None


def read_rows(path: Path) -> list[Row]:
    """Parse the file (`,` or `;`, UTF-8 with or without BOM; headers matched leniently)."""
    if not path.is_file():
        raise CustomTerritoriesError(f"custom territories: {path}: file not found")
    text = path.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = [normalise_header(h) for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CustomTerritoriesError(
            f"custom territories: {path}: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(COLUMNS)}, found {', '.join(header) or '(nothing)'}"
        )
    index = {c: header.index(c) for c in COLUMNS}
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = {c: (values[i].strip() if i < len(values) else "") for c, i in index.items()}
        rows.append(
            Row(
                line,
                cells["code_commune"],
                cells["code_territoire"],
                cells["libelle"],
                normalise_header(cells["niveau"]),
            )
        )
    return rows


def _listed(problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")


def validate(rows: list[Row], communes: set[str], cog: int, path: Path) -> None:
    """Every problem at once, with its line, so the user fixes the file in one pass."""
    problems = []
    for row in rows:
        if not row.niveau:
            problems.append(f"line {row.line}: empty niveau")
        elif row.niveau in BUILT_IN_LEVELS:
            problems.append(f"line {row.line}: niveau {row.niveau!r} is a built-in level")
        if not row.code_territoire:
            problems.append(f"line {row.line}: empty code_territoire")
    unknown = [
        f"{r.code_commune or '(empty)'} (line {r.line})"
        for r in rows
        if r.code_commune not in communes
    ]
    if unknown:
        problems.append(f"{len(unknown)} commune code(s) not in COG {cog}: {_listed(unknown)}")
    seen: dict[tuple[str, str], Row] = {}
    names: dict[tuple[str, str], Row] = {}
    for row in rows:
        first = seen.setdefault((row.niveau, row.code_commune), row)
        if first is not row:
            problems.append(
                f"line {row.line}: commune {row.code_commune} is already in level "
                f"{row.niveau!r} (line {first.line})"
            )
        named = names.setdefault((row.niveau, row.code_territoire), row)
        if named.libelle != row.libelle:
            problems.append(
                f"line {row.line}: territory {row.code_territoire} is named "
                f"{row.libelle!r} here and {named.libelle!r} on line {named.line}"
            )
    if problems:
        raise CustomTerritoriesError(f"custom territories: {path}: {_listed(problems)}")


def target_communes(con: duckdb.DuckDBPyConnection, cog: int) -> set[str]:
    if not table_exists(con, "raw.insee__cog_communes"):
        return set()
    return {
        r[0]
        for r in con.execute(
            "select com from raw.insee__cog_communes where typecom = 'COM' and millesime = ?", [cog]
        ).fetchall()
    }


def create_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"create or replace table {TABLE} (niveau varchar, code_territoire varchar, "
        "libelle varchar, code_commune varchar, source_row bigint, fichier varchar)"
    )


def load(settings: Settings, catalog: Catalog) -> tuple[Path | None, int]:
    """Validate and load the file into its raw table (empty when no file is configured)."""
    path = custom_file(settings)
    rows = read_rows(path) if path else []
    cog = catalog.target_cog(settings.cog_millesime)
    with writer(settings) as con:
        if rows:
            validate(rows, target_communes(con, cog), cog, path)  # type: ignore[arg-type]
        con.execute("begin transaction")
        try:
            create_table(con)
            if rows:
                # One insert from a frame: executemany runs one statement per row, too slow for
                # the 15,000 rows of a national file.
                frame = pd.DataFrame(
                    [
                        (r.niveau, r.code_territoire, r.libelle, r.code_commune, r.line, str(path))
                        for r in rows
                    ],
                    columns=["niveau", "code_territoire", "libelle", "code_commune", "line", "f"],
                )
                con.register("_observatory_custom", frame)
                try:
                    con.execute(f"insert into {TABLE} select * from _observatory_custom")
                finally:
                    con.unregister("_observatory_custom")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return path, len(rows)
