"""Territories and population on the REAL official files in ../shared/data/real.

COG 2026, its movements, the DGCL 2026 EPCI workbook and every populations de référence edition
2019-2023 are ingested by hand (`observatory ingest --file`) and built in local mode. Every
expected figure is computed here from the raw files with the csv module and openpyxl, never
from the pipeline's tables.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from tests.conftest import REAL, ingest_and_build, make_settings

SOURCES = REAL / "datagouv_decoupage_administratif_sources"
EDITIONS = (2019, 2020, 2021, 2022, 2023)
ISLANDS_WITHOUT_EPCI = {"22016", "29083", "29155", "85113"}

pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/data/real is absent")


def population_file(year: int) -> Path:
    return SOURCES / f"insee_pop_legales_{year}_communes.csv"


def file_totals(year: int) -> tuple[int, int, dict[str, int]]:
    """(rows, PMUN over the file, PMUN per département) straight from the published file."""
    with population_file(year).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    departement = "CODDEP" if "CODDEP" in rows[0] else "DEP"
    per_dep: dict[str, int] = defaultdict(int)
    for row in rows:
        per_dep[row[departement]] += int(row["PMUN"])
    return len(rows), sum(per_dep.values()), dict(per_dep)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("real_home")
    files = [
        ("insee_cog_communes", "cog2026_communes.csv", 2026),
        ("insee_cog_mouvements", "cog2026_mouvements_communes.csv", 2026),
        ("insee_cog_departements", "cog2026_departements.csv", 2026),
        ("insee_cog_regions", "cog2026_regions.csv", 2026),
        ("dgcl_epci_composition", "dgcl_epcicom2026.xlsx", 2026),
    ]
    files += [("insee_populations_reference", population_file(y).name, y) for y in EDITIONS]
    work = ingest_and_build(home, [(d, SOURCES / name, y) for d, name, y in files])
    con = duckdb.connect(
        str(make_settings(home, OBSERVATORY_SOURCE="local").published_path), read_only=True
    )
    yield con, work
    con.close()
    work.close()


@pytest.mark.parametrize("year", EDITIONS)
def test_france_total_is_the_files_pmun_and_nothing_is_quarantined(real_build, year):
    con, work = real_build
    rows, total, _ = file_totals(year)
    france = con.execute(
        "select population_municipale from marts.population "
        "where niveau = 'france' and millesime = ?",
        [year],
    ).fetchall()
    assert france == [(total,)]
    quarantined = work.execute(
        "select count(*) from quarantine.insee__populations_reference where millesime = ?", [year]
    ).fetchall()
    assert quarantined == [(0,)]
    placed = work.execute(
        "select count(*) from intermediate.int_population__placement "
        "where millesime = ? and code_commune is not null",
        [year],
    ).fetchall()
    assert placed == [(rows,)]


@pytest.mark.parametrize("year", EDITIONS)
def test_departement_totals_are_the_files_own_sums(real_build, year):
    con, _ = real_build
    _, _, per_dep = file_totals(year)
    found = dict(
        con.execute(
            "select code_territoire, population_municipale from marts.population "
            "where niveau = 'departement' and millesime = ?",
            [year],
        ).fetchall()
    )
    assert found == per_dep


def test_the_2023_anchor_and_the_creuse(real_build):
    """Published anchors: France (excluding Mayotte) 68,094,280 in 2023 (Melodi), and the
    Creuse 115,702 in 2021 (INSEE's LEGAL_POP_NUTS3, also in ../shared)."""
    con, _ = real_build
    rows = dict(
        con.execute(
            "select niveau || ':' || code_territoire || ':' || millesime, population_municipale "
            "from marts.population where (niveau = 'france' and millesime = 2023) "
            "or (niveau = 'departement' and code_territoire = '23' and millesime = 2021)"
        ).fetchall()
    )
    assert rows == {"france:FR:2023": 68_094_280, "departement:23:2021": 115_702}


def test_old_codes_are_followed_to_their_2026_commune(real_build):
    """Every 2019 code absent from COG 2026 lands on one 2026 commune, whose 2019 population is
    the sum of the codes that merged into it (computed from the movements file here)."""
    _, work = real_build
    with (SOURCES / "cog2026_communes.csv").open(encoding="utf-8", newline="") as handle:
        current = {r["COM"] for r in csv.DictReader(handle) if r["TYPECOM"] == "COM"}
    with (SOURCES / "cog2026_mouvements_communes.csv").open(encoding="utf-8", newline="") as h:
        edges = [
            r
            for r in csv.DictReader(h)
            if r["TYPECOM_AV"] == "COM"
            and r["TYPECOM_AP"] == "COM"
            and r["COM_AV"] != r["COM_AP"]
            and r["MOD"] in {"31", "32", "33", "34", "41", "50"}
        ]
    edges.sort(key=lambda r: r["DATE_EFF"])

    def follow(code: str) -> str:
        date = "2021-01-01"  # the 2019 file is in the COG of 2021
        for edge in edges:
            if edge["COM_AV"] == code and edge["DATE_EFF"] > date:
                code, date = edge["COM_AP"], edge["DATE_EFF"]
        return code

    with population_file(2019).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    expected: Counter[str] = Counter()
    moved = 0
    for row in rows:
        if row["COM"] in current:
            continue
        target = follow(row["COM"])
        if target in current:
            moved += 1
            expected[target] += int(row["PMUN"])
    assert moved > 50  # the 2019 file predates many communes nouvelles
    placed = dict(
        work.execute(
            "select code_commune, sum(population_municipale) from "
            "intermediate.int_population__placement where millesime = 2019 "
            "and methode = 'mouvements' group by 1"
        ).fetchall()
    )
    assert placed == dict(expected)


def test_every_2026_commune_is_in_exactly_one_epci_but_the_islands(real_build):
    con, _ = real_build
    workbook = load_workbook(SOURCES / "dgcl_epcicom2026.xlsx", read_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    insee, siren = header.index("insee"), header.index("siren")
    members = [(str(row[insee]), str(row[siren])) for row in rows if row[insee]]
    workbook.close()
    membership = Counter(code for code, _ in members)
    with (SOURCES / "cog2026_communes.csv").open(encoding="utf-8", newline="") as handle:
        communes = {r["COM"] for r in csv.DictReader(handle) if r["TYPECOM"] == "COM"}
    outside = communes - set(membership)
    assert outside == ISLANDS_WITHOUT_EPCI
    assert set(membership.values()) == {1}
    found = dict(
        con.execute(
            "select tc.code_commune, count(*) from marts.territoires__communes as tc "
            "where tc.niveau = 'epci' group by 1"
        ).fetchall()
    )
    assert set(found) == communes - ISLANDS_WITHOUT_EPCI
    assert set(found.values()) == {1}
    epcis = con.execute("select count(*) from marts.territoires where niveau = 'epci'").fetchall()
    assert epcis == [(len({epci for _, epci in members}),)]
