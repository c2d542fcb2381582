"""Target populations: the census fine age bands, the seed populations_cibles, the mart
marts.population__cibles and its checks.

Expected figures are recomputed here from the bundled sample's census files (csv module) and
the seed's CSV, never taken from the pipeline's own tables; the mart's territory rows are
compared with sums over its commune rows.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections import defaultdict

import duckdb
import pytest
import yaml

from observatory.quality.sql_checks import load_sql_check
from tests.conftest import REPOSITORY, copy_of_sample, make_settings

SAMPLE = REPOSITORY / "assets" / "sample" / "insee_population_ages"
SEEDS = REPOSITORY / "dbt_like_sql" / "seeds"
CHECKS = REPOSITORY / "dbt_like_sql" / "tests"
CENSUS_YEARS = (2020, 2021, 2022)
FINE = ("0002", "0305", "0610", "1117", "1824", "2539", "4054", "5564", "6579", "80P")
FINE_BOUNDS = {  # census column suffix -> (first age, last age or None when open)
    "0002": (0, 2),
    "0305": (3, 5),
    "0610": (6, 10),
    "1117": (11, 17),
    "1824": (18, 24),
    "2539": (25, 39),
    "4054": (40, 54),
    "5564": (55, 64),
    "6579": (65, 79),
    "80P": (80, None),
}
FINE_CODE = {b: f"{lo}-{hi}" if hi is not None else f"{lo}+" for b, (lo, hi) in FINE_BOUNDS.items()}
GROUP = re.compile(r"^(?:(\d+)-(\d+)|(\d+)\+|tous)$")


def census_rows(year: int) -> list[dict[str, str]]:
    """The IRIS rows of the sample's census file of `year`, as written (text)."""
    archive = SAMPLE / str(year) / f"base-ic-evol-struct-pop-{year}_csv.zip"
    with zipfile.ZipFile(archive) as z:
        text = z.read(f"base-ic-evol-struct-pop-{year}.CSV").decode("latin-1")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def bounds(group: str) -> tuple[int, int | None]:
    """'0-17' -> (0, 17); '80+' -> (80, None); 'tous' -> (0, None)."""
    match = GROUP.match(group)
    assert match, group
    if group == "tous":
        return 0, None
    if match.group(3):
        return int(match.group(3)), None
    return int(match.group(1)), int(match.group(2))


def bands_of(group: str) -> list[str]:
    """The fine bands a group covers."""
    low, high = bounds(group)
    return [
        band
        for band, (first, last) in FINE_BOUNDS.items()
        if first >= low and (high is None or (last is not None and last <= high))
    ]


def seed_rows() -> list[dict[str, str]]:
    text = (SEEDS / "populations_cibles.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


# --- the census files of the sample --------------------------------------------------------


@pytest.mark.parametrize("year", CENSUS_YEARS)
def test_sample_fine_bands_add_up_and_agree_with_the_wide_bands(year):
    """Every IRIS: the ten fine bands sum to P..POP, and they nest with the wide bands (0-10 is
    within 0-14, within 0-17; 75+ within 65+, within 60+; 80+ within 75+)."""
    rows = census_rows(year)
    assert rows
    p = f"P{year % 100:02d}_"
    for row in rows:
        value = {k[len(p) :]: float(v) for k, v in row.items() if k.startswith(p)}
        total = value["POP"]
        assert sum(value[f"POP{b}"] for b in FINE) == pytest.approx(total, abs=1e-6), row["IRIS"]
        assert all(value[f"POP{b}"] >= 0 for b in FINE)
        under_11 = value["POP0002"] + value["POP0305"] + value["POP0610"]
        under_18 = under_11 + value["POP1117"]
        assert under_11 <= value["POP0014"] + 1e-9 <= under_18 + 2e-9
        over_65 = value["POP6579"] + value["POP80P"]
        assert value["POP80P"] <= value["POP75P"] + 1e-9
        assert value["POP75P"] <= over_65 + 1e-9 <= value["POP6074"] + value["POP75P"] + 2e-9


# --- the mart --------------------------------------------------------------------------------


def test_france_target_populations_are_the_census_file_sums(published, warehouse):
    """France's population of each group = the group's fine bands summed over the raw file
    (nothing of the sample's census is quarantined), `tous` = P..POP summed."""
    quarantined = warehouse.execute("select count(*) from quarantine.insee__population_ages")
    assert quarantined.fetchall() == [(0,)]
    groups = {r[0] for r in published.execute(
        "select distinct population_cible from marts.population__cibles"
    ).fetchall()}  # fmt: skip
    assert {"0-2", "3-5", "6-10", "11-17", "65-79", "80+", "0-17", "65+", "tous"} <= groups
    for year in CENSUS_YEARS:
        rows = census_rows(year)
        p = f"P{year % 100:02d}_"
        found = dict(
            published.execute(
                "select population_cible, population from marts.population__cibles "
                "where niveau = 'france' and millesime = ?",
                [year],
            ).fetchall()
        )
        assert set(found) == groups
        for group in groups:
            columns = ["POP"] if group == "tous" else [f"POP{b}" for b in bands_of(group)]
            expected = sum(float(r[p + c]) for r in rows for c in columns)
            assert found[group] == pytest.approx(expected, abs=1e-3), (year, group)


def test_every_territory_is_the_sum_of_its_communes(published):
    """Each territory (EPCI, bassin de vie, département, région, France, custom level) holds,
    for each year and group, the sum of its member communes' rows."""
    members = published.execute(
        "select niveau, code_territoire, code_commune from marts.territoires__communes "
        "where niveau <> 'commune'"
    ).fetchall()
    communes = defaultdict(dict)
    for code, year, group, population in published.execute(
        "select code_territoire, millesime, population_cible, population "
        "from marts.population__cibles where niveau = 'commune'"
    ).fetchall():
        communes[(year, group)][code] = population
    expected: dict[tuple, float] = defaultdict(float)
    counted: dict[tuple, int] = defaultdict(int)
    for niveau, territoire, commune in members:
        for (year, group), values in communes.items():
            if commune in values:
                expected[(niveau, territoire, year, group)] += values[commune]
                counted[(niveau, territoire, year, group)] += 1
    found = {
        (n, t, y, g): (pop, nb)
        for n, t, y, g, pop, nb in published.execute(
            "select niveau, code_territoire, millesime, population_cible, population, "
            "nb_communes from marts.population__cibles where niveau <> 'commune'"
        ).fetchall()
    }
    assert set(found) == set(expected)
    assert {k[0] for k in found} >= {"epci", "bv2022", "departement", "region", "france"}
    assert len({k[0] for k in found}) == 6  # and the sample's custom level
    for key, value in expected.items():
        assert found[key][0] == pytest.approx(value, abs=1e-6), key
        assert found[key][1] == counted[key], key


def test_groups_are_sums_of_fine_bands_and_shares_of_the_population(published):
    rows = published.execute(
        "select niveau, code_territoire, millesime, population_cible, population, "
        "part_population, tranche_fine from marts.population__cibles"
    ).fetchall()
    by_key = defaultdict(dict)
    for niveau, code, year, group, population, share, fine in rows:
        by_key[(niveau, code, year)][group] = (population, share, fine)
    for key, groups in by_key.items():
        assert {g for g, v in groups.items() if v[2]} == set(FINE_CODE.values()), key
        total = groups["tous"][0]
        for group, (population, share, _) in groups.items():
            if group != "tous":
                covered = [groups[FINE_CODE[b]][0] for b in bands_of(group)]
                assert population == pytest.approx(sum(covered), abs=1e-6), (key, group)
            assert share == pytest.approx(population / total, abs=1e-6)


# --- the seed --------------------------------------------------------------------------------


def test_seed_parses_and_names_known_types_and_groups():
    text = (SEEDS / "populations_cibles.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].split(";") == [
        "typequ",
        "libelle",
        "population_cible",
        "sources",
        "justification",
    ]
    assert all(line.count(";") == 4 for line in lines), "a field holds a ';'"
    rows = seed_rows()
    codes = [r["typequ"] for r in rows]
    assert len(codes) == len(set(codes))
    assert codes.count("*") == 1
    default = next(r for r in rows if r["typequ"] == "*")
    assert default["population_cible"] == "tous"
    with (SEEDS / "bpe_typequ.csv").open(encoding="utf-8") as handle:
        nomenclature = {r["typequ"] for r in csv.DictReader(handle, delimiter=";")}
    assert set(codes) - {"*"} <= nomenclature
    firsts = {first for first, _ in FINE_BOUNDS.values()}
    lasts = {last for _, last in FINE_BOUNDS.values() if last is not None}
    described = yaml.safe_load((SEEDS / "seeds.yaml").read_text(encoding="utf-8"))
    description = described["populations_cibles"]["description"]
    for row in rows:
        low, high = bounds(row["population_cible"])
        assert low in firsts and (high is None or high in lasts), row
        assert row["justification"].strip(), row
        for source in row["sources"].split("+"):
            assert f"{source} =" in description, (row["typequ"], source)
    # the choices
    target = {r["typequ"]: r["population_cible"] for r in rows}
    assert target["D502"] == "0-2" and target["C107"] == "3-5" and target["C109"] == "6-10"
    assert target["C201"] == target["C301"] == "11-17"
    assert target["D401"] == "80+" and target["D272"] == "0-17"


def test_every_type_of_every_edition_gets_the_seeds_target(warehouse):
    """int_bpe__populations_cibles: the seed's row for the type, else for its series code,
    else the default; recomputed here from the seed file."""
    target = {r["typequ"]: r["population_cible"] for r in seed_rows()}
    series = warehouse.execute(
        "select millesime, typequ, code_serie from intermediate.int_bpe__series"
    ).fetchall()
    found = {
        (y, t): (g, rule)
        for y, t, g, rule in warehouse.execute(
            "select millesime, typequ, population_cible, regle "
            "from intermediate.int_bpe__populations_cibles"
        ).fetchall()
    }
    assert set(found) == {(y, t) for y, t, _ in series}
    for year, typequ, serie in series:
        expected = target.get(typequ) or target.get(serie) or target["*"]
        assert found[(year, typequ)][0] == expected, (year, typequ)
    rules = {rule for _, rule in found.values()}
    assert {"typequ", "defaut"} <= rules
    assert found[(2021, "D210")][0] == "0-17"


def test_every_service_gets_the_group_of_its_types(warehouse):
    """int_bpe__regroupements_cibles: the one target of its types' series codes (seed file),
    else the group spanning them when it exists, else tous; an école (maternelle 3-5, primaire
    3-10, élémentaire 6-10) serves 3-10."""
    target = {r["typequ"]: r["population_cible"] for r in seed_rows()}
    members: dict[tuple, set[str]] = defaultdict(set)
    for year, code, serie in warehouse.execute(
        "select millesime, code_regroupement, code_serie from intermediate.int_bpe__regroupements"
    ).fetchall():
        members[(year, code)].add(target.get(serie, target["*"]))
    groups = {
        bounds(g): g
        for (g,) in warehouse.execute(
            "select population_cible from intermediate.int_population__tranches_cibles"
        ).fetchall()
    }
    found = {
        (y, c): (g, n)
        for y, c, g, n in warehouse.execute(
            "select millesime, code_regroupement, population_cible, nb_populations_types "
            "from intermediate.int_bpe__regroupements_cibles"
        ).fetchall()
    }
    assert set(found) == set(members)
    for key, targets in members.items():
        if len(targets) == 1:
            expected = next(iter(targets))
        else:
            spans = [bounds(g) for g in targets]
            highs = [h for _, h in spans]
            span = (min(low for low, _ in spans), None if None in highs else max(highs))
            expected = groups.get(span, "tous")
        assert found[key] == (expected, len(targets)), key
    ecoles = {g for (y, c), (g, n) in found.items() if n == 3}
    assert ecoles == {"3-10"}


# --- the checks catch what they guard ---------------------------------------------------------


@pytest.fixture
def changed_warehouse(sample_build, tmp_path) -> duckdb.DuckDBPyConnection:
    """A writable copy of the sample's working warehouse."""
    home = copy_of_sample(sample_build, tmp_path / "home")
    con = duckdb.connect(str(make_settings(home).warehouse_path))
    yield con
    con.close()
    shutil.rmtree(home, ignore_errors=True)


def offending(con: duckdb.DuckDBPyConnection, check: str) -> list[tuple]:
    return con.execute(load_sql_check(CHECKS / f"{check}.sql").sql).fetchall()


def test_the_sum_check_catches_a_band_that_does_not_add_up(changed_warehouse):
    con = changed_warehouse
    assert offending(con, "population_cibles_somme_recensement") == []
    con.execute(
        "update marts.population__cibles set population = population + 2 "
        "where niveau = 'epci' and population_cible = '0-2' and millesime = 2021 "
        "and code_territoire = (select min(code_territoire) from marts.population__cibles "
        "where niveau = 'epci')"
    )
    rows = offending(con, "population_cibles_somme_recensement")
    assert len(rows) == 1
    assert rows[0][0] == "epci" and rows[0][2] == 2021
    assert rows[0][4] - rows[0][5] == pytest.approx(2, abs=1e-3)


def test_the_seed_check_catches_a_group_that_is_not_made_of_fine_bands(changed_warehouse):
    con = changed_warehouse
    assert offending(con, "populations_cibles_seed_valide") == []
    con.execute(
        "insert into seeds.populations_cibles values "
        "('C201', 'COLLÈGE', '11-14', 'AUCUNE', 'x'), ('Z999', 'inconnu', 'tous', 'AUCUNE', 'x')"
    )
    con.execute(
        "create or replace table intermediate.int_population__tranches_cibles as "
        "select * from intermediate.int_population__tranches_cibles union all "
        "select '11-14', 'de 11 à 14 ans', 11, 14, false, true"
    )
    problems = {(r[0], r[2]) for r in offending(con, "populations_cibles_seed_valide")}
    assert ("C201", "type présent plusieurs fois") in problems
    assert ("C201", "population cible illisible ou hors des bornes des tranches fines") in problems
    assert ("Z999", "code absent de la nomenclature BPE") in problems


# --- the one real row of the census file --------------------------------------------------------

FORMATS = REPOSITORY.parent / "shared" / "reference" / "formats.md"


def real_census_lines() -> tuple[str, str]:
    """Header and first data row of the real RP 2020 IRIS file, as quoted in formats.md §3.1."""
    text = FORMATS.read_text(encoding="utf-8")
    start = text.index("**Header + first data row of the RP 2020 file**")
    header, row = text[start:].split("```")[1].strip().splitlines()
    return header, row


@pytest.mark.skipif(not FORMATS.is_file(), reason="../shared/reference is absent")
def test_the_real_rp2020_row_is_read_with_its_fine_bands(tmp_path):
    """The real 76-column header: every fine band is matched by the catalog's patterns and
    staged, each to the value of the file, and they add up to the IRIS's P20_POP."""
    from observatory.cli import main
    from observatory.models.header import statement

    header, line = real_census_lines()
    archive = tmp_path / "base-ic-evol-struct-pop-2020_csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("base-ic-evol-struct-pop-2020.CSV", f"{header}\r\n{line}\r\n")
    home = tmp_path / "home"
    argv = ["--home", str(home), "--source", "local", "ingest", "insee_population_ages"]
    assert main([*argv, "--file", str(archive), "--millesime", "2020"]) == 0
    row = next(csv.DictReader(io.StringIO(f"{header}\n{line}\n"), delimiter=";"))
    model = REPOSITORY / "dbt_like_sql" / "staging" / "stg_insee__population_ages.sql"
    con = duckdb.connect(str(make_settings(home, OBSERVATORY_SOURCE="local").warehouse_path))
    try:
        cursor = con.execute(f"select * from ({statement(model.read_text(encoding='utf-8'))})")
        names = [d[0] for d in cursor.description]
        staged = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    assert len(staged) == 1 and staged[0]["code_iris"] == row["IRIS"] == "010010000"
    fine = 0.0
    for band, (low, high) in FINE_BOUNDS.items():
        column = f"population_{low}_{high}" if high is not None else f"population_{low}_plus"
        assert float(staged[0][column]) == pytest.approx(float(row[f"P20_POP{band}"]), abs=1e-6)
        fine += float(staged[0][column])
    assert float(staged[0]["population"]) == 806
    assert fine == pytest.approx(806, abs=1e-5)
