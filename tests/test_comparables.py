"""Comparable territories: INSEE's grille communale de densité read from a workbook laid out as
published, the profile (density class of the median inhabitant, size band) and the group of a
sample territory recomputed from the raw sample files, and the group's quartiles recomputed in
Python from its members' values."""

from __future__ import annotations

import csv
import io
import statistics
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pytest
from python_calamine import CalamineWorkbook

from observatory.formats.densite import CLASSES, grille_sheet
from observatory.formats.xlsx import write as write_xlsx
from observatory.sample.geography import geography
from tests.test_cli import failing_ingest, run, warehouse_rows

SAMPLE = Path(__file__).resolve().parents[1] / "assets" / "sample"
GRID_2024 = SAMPLE / "insee_grille_densite" / "2024" / "grille_densite_7_niveaux_2024.xlsx"
POPULATIONS_2023 = SAMPLE / "insee_populations_reference" / "2023" / "ensemble.zip"
TARGET_COG = 2026


# --- the raw sample files, read without the pipeline --------------------------------------------


def grid_rows(path: Path) -> list[dict[str, str]]:
    """The grid's rows as dicts, the header found on row 5 as INSEE publishes it."""
    workbook = CalamineWorkbook.from_path(str(path))
    cells = workbook.get_sheet_by_index(0).to_python()
    workbook.close()
    header = [str(c) for c in cells[4]]
    assert header[:4] == ["CODGEO", "LIBGEO", "DENS", "LIBDENS"]

    def text(value: object) -> str:
        return str(int(value)) if isinstance(value, float) else str(value)

    return [
        {h: text(v) for h, v in zip(header, row, strict=False)}
        for row in cells[5:]
        if any(v not in ("", None) for v in row)
    ]


def populations_2023() -> dict[str, int]:
    """PMUN of the populations de référence 2023 per commune of the target COG (arrondissements
    folded into their city, absorbed communes into the commune they joined)."""
    with zipfile.ZipFile(POPULATIONS_2023) as archive:
        text = archive.read("donnees_communes.csv").decode("utf-8")
    geo = geography(TARGET_COG)
    parents = {c.code: c.parent for c in geo.communes if c.parent}
    totals: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        code = geo.code_of(parents.get(row["COM"], row["COM"]))
        totals[code] = totals.get(code, 0) + int(row["PMUN"])
    return totals


def classes_2024() -> dict[str, int]:
    """Density class per commune of the target COG: a merged commune takes the class holding
    the largest population among its parts (the rule of docs/territoires_comparables.md)."""
    geo = geography(TARGET_COG)
    by_class: dict[str, dict[int, int]] = {}
    for row in grid_rows(GRID_2024):
        target = geo.code_of(row["CODGEO"])
        parts = by_class.setdefault(target, {})
        parts[int(row["DENS"])] = parts.get(int(row["DENS"]), 0) + int(row["PMUN21"])
    return {code: max(parts, key=lambda k: (parts[k], -k)) for code, parts in by_class.items()}


# --- the grid as read by the pipeline ------------------------------------------------------------


def write_grid(path: Path, rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(path, [grille_sheet(2024, 2021, rows, "Source : Insee, test")])
    return path


def test_sample_grid_is_laid_out_as_published() -> None:
    rows = grid_rows(GRID_2024)
    assert len(rows) == len([c for c in geography(2024).communes if c.typecom == "COM"])
    assert {r["LIBDENS"] for r in rows} <= set(CLASSES.values())
    assert all(CLASSES[int(r["DENS"])] == r["LIBDENS"] for r in rows)


def test_grid_workbook_is_parsed_into_the_raw_table(capsys, tmp_path) -> None:
    rows: list[list[object]] = [
        ["01001", "L'Abergement-Clémenciat", 6, CLASSES[6], 859],
        ["2A004", "Ajaccio", 2, CLASSES[2], 71361],
        ["75056", "Paris", 1, CLASSES[1], 2133111],
    ]
    path = write_grid(tmp_path / "grille_densite_7_niveaux_2024.xlsx", rows)
    home = tmp_path / "home"
    code, _, err = run(
        capsys, home, "ingest", "insee_grille_densite", "--file", str(path), "--millesime", "2024"
    )
    assert code == 0, err
    found = warehouse_rows(
        home,
        "select codgeo, libgeo, dens, libdens, pmun, source_row from raw.insee__grille_densite "
        "where millesime = 2024 order by codgeo",
    )
    # header on row 5: the first commune is on row 6 of the sheet
    expected = sorted(
        (str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), n)
        for n, r in enumerate(rows, start=6)
    )
    assert [tuple(r) for r in found] == expected


@pytest.fixture
def grid_home(capsys, tmp_path) -> Path:
    """A home holding one good grid (a failed ingestion must leave it as it was)."""
    good = write_grid(
        tmp_path / "good" / "grille_densite_7_niveaux_2024.xlsx",
        [["01001", "Abergement", 6, CLASSES[6], 859]],
    )
    home = tmp_path / "home"
    code, _, err = run(
        capsys, home, "ingest", "insee_grille_densite", "--file", str(good), "--millesime", "2024"
    )
    assert code == 0, err
    return home


def test_a_missing_density_column_is_named(capsys, tmp_path, grid_home) -> None:
    path = write_grid(
        tmp_path / "grille_densite_7_niveaux_2024.xlsx", [["01001", "Abergement", 6, "x", 859]]
    )
    # the same workbook with the DENS header renamed
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(
        b"<t>DENS</t>", b"<t>CLASSE</t>"
    )
    broken = tmp_path / "broken" / "grille_densite_7_niveaux_2024.xlsx"
    broken.parent.mkdir()
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    err = failing_ingest(capsys, grid_home, broken, "insee_grille_densite", "2024")
    assert "insee_grille_densite" in err and "grille_densite_7_niveaux_2024.xlsx" in err
    assert "required column(s) missing: dens" in err and "CLASSE" in err


def test_a_density_class_out_of_range_is_named_with_its_row(capsys, tmp_path, grid_home):
    rows: list[list[object]] = [
        ["01001", "Abergement", 6, CLASSES[6], 859],
        ["01002", "Abergement-de-Varey", 9, "?", 260],
    ]
    path = write_grid(tmp_path / "grille_densite_7_niveaux_2024.xlsx", rows)
    err = failing_ingest(capsys, grid_home, path, "insee_grille_densite", "2024")
    assert "grille_densite_7_niveaux_2024.xlsx" in err
    assert "column dens does not match ^[1-7]$" in err and "'9'" in err


# --- profiles and groups of the sample -----------------------------------------------------------


def test_commune_classes_follow_the_grid_and_the_merger_rule(published) -> None:
    expected = classes_2024()
    found = dict(
        published.execute(
            "select code_territoire, classe_densite from marts.territoires__profils "
            "where niveau = 'commune'"
        ).fetchall()
    )
    assert found == expected
    # 01924 absorbed 01926, which had absorbed 01925: a bourg (5) and two dispersed villages
    # (6) more populous together, so the commune is dispersed
    parts = {r["CODGEO"]: r["DENS"] for r in grid_rows(GRID_2024)}
    assert (parts["01924"], parts["01925"], parts["01926"]) == ("5", "6", "6")
    assert found["01924"] == 6


def test_median_inhabitant_class_of_larger_territories(published) -> None:
    classes = classes_2024()
    populations = populations_2023()
    members = published.execute(
        "select niveau, code_territoire, list(code_commune) from marts.territoires__communes "
        "where niveau in ('epci', 'departement', 'bv2022') group by all"
    ).fetchall()
    found = {
        (n, c): (cls, maj)
        for n, c, cls, maj in published.execute(
            "select niveau, code_territoire, classe_densite, classe_densite_majoritaire "
            "from marts.territoires__profils"
        ).fetchall()
    }
    assert len(members) >= 10
    for niveau, code, communes in members:
        weights: dict[int, int] = {}
        for commune in communes:
            weights[classes[commune]] = weights.get(classes[commune], 0) + populations[commune]
        total, running, median = sum(weights.values()), 0, None
        for cls in sorted(weights):
            running += weights[cls]
            if median is None and 2 * running >= total:
                median = cls
        majority = max(weights, key=lambda k: (weights[k], -k))
        assert found[niveau, code] == (median, majority), (niveau, code, weights)
    # the Ain: its median inhabitant lives in a bourg rural though more live in dispersed
    # communes than in any other class
    assert found["departement", "01"] == (5, 6)


def group_of(published, niveau: str, code: str) -> tuple[str, str, list[str]]:
    code_groupe, libelle = published.execute(
        "select code_groupe, libelle_groupe from marts.territoires__profils "
        "where niveau = ? and code_territoire = ?",
        [niveau, code],
    ).fetchone()
    members = [
        r[0]
        for r in published.execute(
            "select code_territoire from marts.territoires__profils where code_groupe = ? "
            "order by 1",
            [code_groupe],
        ).fetchall()
    ]
    return code_groupe, libelle, members


def test_the_comparable_group_of_a_sample_commune(published) -> None:
    code_groupe, libelle, members = group_of(published, "commune", "01906")
    assert libelle == "Communes rurales à habitat dispersé de 500 à 2 000 habitants"
    classes, populations = classes_2024(), populations_2023()
    expected = sorted(
        c for c, k in classes.items() if k == 6 and 500 <= populations.get(c, -1) < 2000
    )
    assert members == expected
    assert len(members) >= 5
    counts = published.execute(
        "select distinct nb_territoires_groupe from marts.territoires__profils "
        "where code_groupe = ?",
        [code_groupe],
    ).fetchall()
    assert counts == [(len(members),)]


def type7(values: list[float], q: float) -> float:
    return float(np.percentile(values, q * 100, method="linear"))


@pytest.mark.parametrize(
    ("indicateur", "source"),
    [
        # a distance: the members' values from services__acces
        (
            "services_distance:CR01",
            "select code_territoire, distance_km from marts.services__acces "
            "where niveau = 'commune' and millesime = ? and code_regroupement = 'CR01'",
        ),
        # a density: a member without any facility of the gamme counts 0
        (
            "services_densite:gamme:proximite",
            "select gam.code_territoire, coalesce(den.pour_10000_hab, 0) "
            "from marts.services__gammes as gam left join marts.services__densite as den "
            "on den.niveau = gam.niveau and den.code_territoire = gam.code_territoire "
            "and den.millesime = gam.millesime and den.type_agregat = 'gamme' "
            "and den.code_agregat = 'proximite' "
            "where gam.niveau = 'commune' and gam.millesime = ? and gam.gamme = 'proximite'",
        ),
    ],
)
def test_group_median_and_quartiles_recomputed_from_members(published, indicateur, source):
    _, _, members = group_of(published, "commune", "01906")
    millesime = published.execute(
        "select max(millesime) from marts.territoires__comparaisons where indicateur = ?",
        [indicateur],
    ).fetchone()[0]
    values = {c: float(v) for c, v in published.execute(source, [millesime]).fetchall()}
    group = sorted(values[c] for c in members)
    assert len(group) == len(members)
    rows = published.execute(
        "select code_territoire, valeur, nb_territoires_groupe, premier_quartile, mediane, "
        "troisieme_quartile, percentile, position, sens from marts.territoires__comparaisons "
        "where niveau = 'commune' and indicateur = ? and millesime = ? "
        "and code_territoire in (select unnest(?))",
        [indicateur, millesime, members],
    ).fetchall()
    assert sorted(r[0] for r in rows) == members
    q1, median, q3 = type7(group, 0.25), statistics.median(group), type7(group, 0.75)
    for code, valeur, n, first, med, third, percentile, position, sens in rows:
        assert valeur == pytest.approx(values[code])
        assert n == len(members)
        assert (first, med, third) == pytest.approx((q1, median, q3))
        below = sum(1 for v in group if v < valeur)
        assert percentile == pytest.approx(below / (len(group) - 1))
        worse = valeur * sens < min(q1 * sens, q3 * sens)
        better = valeur * sens > max(q1 * sens, q3 * sens)
        assert position == ("defavorable" if worse else "favorable" if better else "intermediaire")


def test_france_has_no_group_and_small_groups_no_quartile_verdict(published) -> None:
    assert published.execute(
        "select code_groupe, libelle_groupe from marts.territoires__profils where niveau = 'france'"
    ).fetchall() == [(None, None)]
    assert not published.execute(
        "select 1 from marts.territoires__comparaisons where niveau = 'france'"
    ).fetchall()
    assert not published.execute(
        "select 1 from marts.territoires__comparaisons "
        "where position is not null and (nb_territoires_groupe < 4 or sens = 0)"
    ).fetchall()


def test_diagnostic_lists_the_worst_quartile_ranked_by_population(published) -> None:
    from observatory.analysis.queries import run_query

    keys = ("cle", "rang", "role", "niveau", "code_territoire")
    refs = [
        dict(zip(keys, values, strict=True))
        for values in (
            (0, 0, "territoire", "commune", "01906"),
            (0, 1, "departement", "departement", "01"),
            (1, 0, "territoire", "france", "FR"),
        )
    ]
    rows = run_query(published, "profil_diagnostic", profil_refs=refs, diagnostic_max=None)
    assert {r[0] for r in rows} == {0}  # France has no comparables
    latest = dict(
        published.execute(
            "select famille, max(millesime) from marts.territoires__comparaisons group by 1"
        ).fetchall()
    )
    expected = {
        (position, indicateur)
        for position, indicateur in published.execute(
            "select position, indicateur from marts.territoires__comparaisons "
            "where niveau = 'commune' and code_territoire = '01906' "
            "and position in ('defavorable', 'favorable') and millesime = "
            "case famille " + " ".join(f"when '{f}' then {m}" for f, m in latest.items()) + " end"
        ).fetchall()
    }
    assert {(r[1], r[3]) for r in rows} == expected
    worst = [r for r in rows if r[1] == "defavorable"]
    assert worst, "the sample commune should have at least one indicator in its worst quartile"
    assert [r[2] for r in worst] == list(range(1, len(worst) + 1))
    concerned = [r[15] for r in worst]
    assert concerned == sorted(concerned, reverse=True)
    limited = run_query(published, "profil_diagnostic", profil_refs=refs, diagnostic_max=2)
    assert len([r for r in limited if r[1] == "defavorable"]) == min(2, len(worst))


def test_quarantine_of_the_grid_is_empty_on_the_sample(warehouse: duckdb.DuckDBPyConnection):
    quarantined = warehouse.execute("select count(*) from quarantine.insee__grille_densite")
    assert quarantined.fetchone() == (0,)
    placed, rows = warehouse.execute(
        "select count(code_commune), count(*) from intermediate.int_densite__placement"
    ).fetchone()
    assert placed == rows > 0
