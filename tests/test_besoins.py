"""Services against their target populations (marts.services__besoins).

On the bundled sample, places and facilities per 1,000 people of the target population are
recomputed here from the raw files: CAPACITE summed over the BPE file's rows (INDIC_CAPA 1), the
age bands summed over the census file's IRIS rows of the census year at or before the BPE
edition. The distance weighted by the target population is recomputed from the commune rows of
the published marts. On the REAL BPE 2018 education file of the Creuse (../shared/data/real),
the collèges counted per territory are recomputed from NB_EQUIP; the real BPE 2025 rows quoted
in ../shared/reference/formats.md give CAPACITE only where INDIC_CAPA says it is filled.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from observatory.quality.sql_checks import load_sql_check
from tests.conftest import REAL, REPOSITORY, copy_of_sample, ingest_and_build, make_settings

SAMPLE = REPOSITORY / "assets" / "sample"

BANDS = {"D502": ("0002",), "D401": ("80P",), "C201": ("1117",)}
"""The census fine bands of each service's target population, as issue 21 states them
(crèches 0-2, nursing homes 80+, collèges 11-17): written here, not read from the seed."""


def bpe_rows(millesime: int) -> list[dict[str, str]]:
    """The raw sample BPE file of an edition, every value as text (2025 is Parquet)."""
    folder = SAMPLE / "insee_bpe" / str(millesime)
    parquet = sorted(folder.glob("*.parquet"))
    if parquet:
        con = duckdb.connect()
        try:
            relation = con.execute("select * from read_parquet(?)", [str(parquet[0])])
            names = [d[0] for d in relation.description]
            return [
                {n: "" if v is None else str(v) for n, v in zip(names, row, strict=True)}
                for row in relation.fetchall()
            ]
        finally:
            con.close()
    (archive_path,) = folder.glob("*.zip")
    with zipfile.ZipFile(archive_path) as archive:
        (member,) = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        text = archive.read(member).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def census_year(millesime: int) -> int:
    """The latest census of the sample at or before the BPE edition (else the earliest)."""
    years = sorted(int(p.name) for p in (SAMPLE / "insee_population_ages").iterdir())
    before = [y for y in years if y <= millesime]
    return before[-1] if before else years[0]


def census_by_departement(year: int, bands: tuple[str, ...]) -> dict[str, float]:
    """The population of the bands per département, summed over the census file's IRIS."""
    (archive_path,) = (SAMPLE / "insee_population_ages" / str(year)).glob("*.zip")
    with zipfile.ZipFile(archive_path) as archive:
        (member,) = [
            n for n in archive.namelist() if not n.lower().startswith("meta") and "csv" in n.lower()
        ]
        text = archive.read(member).decode("latin-1")
    totals: dict[str, float] = defaultdict(float)
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        for band in bands:
            totals[row["COM"][:2]] += float(row[f"P{year % 100:02d}_POP{band}"])
    return dict(totals)


def besoins(published, millesime: int, service: str, niveau: str = "departement") -> dict:
    rows = published.execute(
        "select code_territoire, population_cible, millesime_recensement, population, "
        "nb_equipements, equipements_pour_1000, places, places_pour_1000 "
        "from marts.services__besoins where niveau = ? and millesime = ? "
        "and code_regroupement = ?",
        [niveau, millesime, service],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("millesime", [2023, 2024, 2025])
@pytest.mark.parametrize("service", ["D502", "D401"])
def test_places_per_1000_equal_capacite_sums_over_census_target_populations(
    published, millesime, service
):
    """Crèche and nursing-home places per 1,000 children under 3 / people aged 80+, per
    département: CAPACITE of the BPE file over the census file's fine bands."""
    places: Counter[str] = Counter()
    facilities: Counter[str] = Counter()
    for row in bpe_rows(millesime):
        if row["TYPEQU"] == service:
            facilities[row["DEPCOM"][:2]] += 1
            if row["INDIC_CAPA"] == "1":
                places[row["DEPCOM"][:2]] += int(row["CAPACITE"])
    assert sum(places.values()) > 0  # the sample gives these types a capacity
    year = census_year(millesime)
    population = census_by_departement(year, BANDS[service])
    found = besoins(published, millesime, service)
    assert set(found) == set(population)
    for dep, (_, recensement, pop, nb, _, nb_places, per_1000) in found.items():
        assert recensement == year
        assert pop == pytest.approx(population[dep], abs=0.01)
        assert nb == facilities[dep]
        assert nb_places == places[dep]
        assert per_1000 == pytest.approx(1000 * places[dep] / population[dep], abs=1e-4)


@pytest.mark.parametrize("millesime", [2023, 2025])
def test_colleges_per_1000_aged_11_to_17(published, millesime):
    facilities = Counter(r["DEPCOM"][:2] for r in bpe_rows(millesime) if r["TYPEQU"] == "C201")
    population = census_by_departement(census_year(millesime), BANDS["C201"])
    found = besoins(published, millesime, "C201")
    for dep, (cible, _, _, nb, per_1000, _, _) in found.items():
        assert cible == "11-17"
        assert nb == facilities[dep]
        assert per_1000 == pytest.approx(1000 * facilities[dep] / population[dep], abs=1e-4)
    assert sum(nb for _, _, _, nb, *_ in found.values()) == sum(facilities.values()) > 0


def test_target_groups_of_the_issue(published):
    """Crèches for the under-3s, écoles for 3-10 (maternelles, primaires and élémentaires
    together), collèges 11-17, nursing homes 80+, GPs all ages."""
    found = dict(
        published.execute(
            "select distinct code_regroupement, population_cible from marts.services__besoins "
            "where millesime = 2025 and code_regroupement in ('D502', 'CR01', 'C201', 'D401', "
            "'D265')"
        ).fetchall()
    )
    assert found == {
        "D502": "0-2",
        "CR01": "3-10",
        "C201": "11-17",
        "D401": "80+",
        "D265": "tous",
    }


def test_every_territory_has_a_row_zero_facilities_included(published):
    territories = set(
        published.execute("select niveau, code_territoire from marts.territoires").fetchall()
    )
    rows = published.execute(
        "select niveau, code_territoire, nb_equipements, equipements_pour_1000 "
        "from marts.services__besoins where millesime = 2025 and code_regroupement = 'D502'"
    ).fetchall()
    assert {(n, c) for n, c, _, _ in rows} == territories
    zeros = [r for r in rows if r[2] == 0]
    assert zeros and all(r[3] == 0 for r in zeros if r[3] is not None)


@pytest.mark.parametrize("service", ["D502", "D401", "C201", "B207"])
def test_distance_weighted_by_the_target_population(published, service):
    """Per EPCI and département: the commune distances of marts.services__acces weighted by
    the communes' target populations of marts.population__cibles, and the shares beyond 10 and
    20 km, recomputed here."""
    millesime = 2025
    cible, year = published.execute(
        "select distinct population_cible, millesime_recensement from marts.services__besoins "
        "where millesime = ? and code_regroupement = ?",
        [millesime, service],
    ).fetchone()
    distance = dict(
        published.execute(
            "select code_territoire, distance_km from marts.services__acces "
            "where niveau = 'commune' and millesime = ? and code_regroupement = ?",
            [millesime, service],
        ).fetchall()
    )
    weight = {
        code: float(p)
        for code, p in published.execute(
            "select code_territoire, population from marts.population__cibles "
            "where niveau = 'commune' and millesime = ? and population_cible = ?",
            [year, cible],
        ).fetchall()
    }
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for niveau, code, commune in published.execute(
        "select niveau, code_territoire, code_commune from marts.territoires__communes "
        "where niveau in ('epci', 'departement')"
    ).fetchall():
        members[niveau, code].append(commune)
    found = {
        (r[0], r[1]): r[2:]
        for r in published.execute(
            "select niveau, code_territoire, distance_km, part_cible_plus_10_km, "
            "part_cible_plus_20_km from marts.services__besoins "
            "where niveau in ('epci', 'departement') and millesime = ? and code_regroupement = ?",
            [millesime, service],
        ).fetchall()
    }
    checked = 0
    for key, communes in members.items():
        located = [c for c in communes if c in distance]
        total = sum(weight.get(c, 0.0) for c in located)
        if not total:
            continue
        mean = sum(distance[c] * weight.get(c, 0.0) for c in located) / total
        beyond_10 = sum(weight.get(c, 0.0) for c in located if distance[c] > 10) / total
        beyond_20 = sum(weight.get(c, 0.0) for c in located if distance[c] > 20) / total
        assert found[key][0] == pytest.approx(mean, abs=2e-3), key
        assert found[key][1] == pytest.approx(beyond_10, abs=1e-5), key
        assert found[key][2] == pytest.approx(beyond_20, abs=1e-5), key
        checked += 1
    assert checked >= 5


def test_the_coherence_check_catches_lost_places_and_inverted_shares(sample_build, tmp_path):
    """dbt_like_sql/tests/services_besoins_coherents.sql on a copy of the sample warehouse:
    silent as built, it names the rows changed here."""
    home = copy_of_sample(sample_build, tmp_path / "home")
    check = load_sql_check(REPOSITORY / "dbt_like_sql" / "tests" / "services_besoins_coherents.sql")
    con = duckdb.connect(str(make_settings(home).warehouse_path))
    try:
        assert con.execute(check.sql).fetchall() == []
        con.execute(
            "update marts.services__besoins set places = places - 1 "
            "where niveau = 'france' and millesime = 2025 and code_regroupement = 'D502'"
        )
        con.execute(
            "update marts.services__besoins set part_cible_plus_20_km = 1 "
            "where niveau = 'epci' and millesime = 2024 and code_regroupement = 'D401' "
            "and part_cible_plus_10_km < 1"
        )
        found = {(r[0], r[2], r[3]) for r in con.execute(check.sql).fetchall()}
    finally:
        con.close()
        shutil.rmtree(home, ignore_errors=True)
    assert ("france", 2025, "D502") in found
    assert any(key[0] == "epci" and key[1:] == (2024, "D401") for key in found)


# --- the real BPE 2018 education file of the Creuse -------------------------------------------

COG = REAL / "datagouv_decoupage_administratif_sources"
GRAVIER = REAL / "insee_bpe_jgravier_2009_2013_2018"


def real_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def creuse(tmp_path_factory: pytest.TempPathFactory):
    if not GRAVIER.is_dir():
        pytest.skip("../shared/data/real is absent")
    home = tmp_path_factory.mktemp("real_besoins")
    con = ingest_and_build(
        home,
        [
            ("insee_cog_communes", COG / "cog2026_communes.csv", 2026),
            ("insee_cog_mouvements", COG / "cog2026_mouvements_communes.csv", 2026),
            ("insee_bpe", GRAVIER / "bpe18_enseignement_dep23.csv", 2018),
        ],
    )
    yield con
    con.close()


def test_real_creuse_colleges_counted_from_nb_equip(creuse):
    """Collèges (C201) of the Creuse in 2018, per département and per commune whose code no
    merger since 2018 touched, summed from the file's NB_EQUIP."""
    rows = real_rows(GRAVIER / "bpe18_enseignement_dep23.csv")
    expected: Counter[str] = Counter()
    for row in rows:
        if row["TYPEQU"] == "C201":
            expected[row["DEPCOM"]] += int(row["NB_EQUIP"])
    assert sum(expected.values()) > 10
    touched = set()  # communes of any movement after 1 January 2018 (mergers, renames...)
    with (COG / "cog2026_mouvements_communes.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["DATE_EFF"] > "2018-01-01":
                touched.update((row["COM_AV"], row["COM_AP"]))
    found = dict(
        creuse.execute(
            "select code_territoire, nb_equipements from marts.services__besoins "
            "where millesime = 2018 and code_regroupement = 'C201' and niveau = 'commune' "
            "and nb_equipements > 0"
        ).fetchall()
    )
    unchanged = {c: n for c, n in expected.items() if c not in touched}
    assert unchanged
    assert {c: found.get(c) for c in unchanged} == unchanged
    departement = creuse.execute(
        "select nb_equipements, population, equipements_pour_1000 from marts.services__besoins "
        "where millesime = 2018 and code_regroupement = 'C201' and niveau = 'departement' "
        "and code_territoire = '23'"
    ).fetchone()
    # no census ingested: facilities are counted, the ratio to a target population is not
    assert departement == (sum(expected.values()), None, None)


# --- the real BPE 2025 rows quoted in formats.md -------------------------------------------------

FORMATS = REPOSITORY.parent / "shared" / "reference" / "formats.md"


def real_bpe_lines() -> tuple[str, list[str]]:
    """The BPE 2025 header and the real rows of formats.md §1.1 (one école with a capacity)."""
    lines = FORMATS.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith('"AN";"APET";"NOMRS"'))
    return header, [line for line in lines if line.startswith('"2025";')]


@pytest.mark.skipif(not FORMATS.is_file(), reason="../shared/reference is absent")
def test_real_capacities_are_kept_only_where_indic_capa_is_1(tmp_path):
    """The real rows ingested by hand as a current-format CSV: the école primaire's 29 is
    staged, the empty CAPACITE of the other rows (INDIC_CAPA 0) is unknown, not 0, and so is a
    value flagged INDIC_CAPA 0 (a copy of the école made up here)."""
    from observatory.cli import main
    from observatory.models.header import statement

    header, lines = real_bpe_lines()
    assert len(lines) == 8
    (ecole,) = [line for line in lines if "BORICAUD" in line]
    assert ';29;"1";' in ecole
    # made up here: the same école flagged "not filled" with a value left in CAPACITE
    lines.append(ecole.replace("BORICAUD", "BORICAUD BIS").replace(';29;"1";', ';29;"0";'))
    archive = tmp_path / "BPE24.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("BPE24.csv", "\n".join([header, *lines]) + "\n")
    home = tmp_path / "home"
    argv = ["--home", str(home), "--source", "local", "ingest", "insee_bpe"]
    assert main([*argv, "--file", str(archive), "--millesime", "2024"]) == 0
    expected = {
        row["TYPEQU"] + row["NOMRS"]: int(row["CAPACITE"]) if row["INDIC_CAPA"] == "1" else None
        for row in csv.DictReader(io.StringIO("\n".join([header, *lines])), delimiter=";")
    }
    assert sorted(v for v in expected.values() if v is not None) == [29]
    model = REPOSITORY / "dbt_like_sql" / "staging" / "stg_insee__bpe.sql"
    con = duckdb.connect(str(make_settings(home, OBSERVATORY_SOURCE="local").warehouse_path))
    try:
        staged = con.execute(
            f"select typequ || nom, capacite from ({statement(model.read_text('utf-8'))})"
        ).fetchall()
    finally:
        con.close()
    assert dict(staged) == expected
