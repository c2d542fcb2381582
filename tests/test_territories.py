"""Territories and population on the bundled sample, and the custom-territory file's errors."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from observatory.catalog import load_catalog
from observatory.ingest.territoires import CustomTerritoriesError, read_rows, validate
from tests.conftest import REPOSITORY, build, make_settings

SAMPLE = REPOSITORY / "assets" / "sample"


def sample_populations(year: int) -> dict[str, int]:
    """PMUN per published code of a sample populations file (read from the zip here)."""
    with zipfile.ZipFile(SAMPLE / "insee_populations_reference" / str(year) / "ensemble.zip") as z:
        text = z.read("donnees_communes.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    if year <= 2020:  # COM is the name: the code is the département's 2 characters + CODCOM
        return {r["CODDEP"][:2] + r["CODCOM"]: int(r["PMUN"]) for r in rows}
    return {r["COM"]: int(r["PMUN"]) for r in rows}


def test_every_level_is_populated_including_the_custom_one(published):
    levels = dict(
        published.execute("select niveau, count(*) from marts.territoires group by 1").fetchall()
    )
    assert set(levels) == {"commune", "epci", "bv2022", "departement", "region", "france", "pays"}
    assert all(count > 0 for count in levels.values())
    population_levels = {
        r[0] for r in published.execute("select distinct niveau from marts.population").fetchall()
    }
    assert population_levels == set(levels)


def test_merged_codes_are_summed_into_their_2026_commune(published):
    """2019 file (COG 2021): 01924, 01925 and 01926 are three communes; 01925 merged into 01926
    in 2025, which merged into 01924 in 2026: all three land on 01924. Likewise 01929 + 01930
    (commune nouvelle 2025), and the three arrondissements on their city 69901."""
    pmun = sample_populations(2019)
    found = dict(
        published.execute(
            "select code_territoire, population_municipale from marts.population "
            "where niveau = 'commune' and millesime = 2019 "
            "and code_territoire in ('01924', '01929', '69901')"
        ).fetchall()
    )
    assert found == {
        "01924": pmun["01924"] + pmun["01925"] + pmun["01926"],
        "01929": pmun["01929"] + pmun["01930"],
        "69901": pmun["69981"] + pmun["69982"] + pmun["69983"],
    }
    gone = published.execute(
        "select count(*) from marts.territoires where code_territoire in "
        "('01925', '01926', '01930', '69981')"
    ).fetchall()
    assert gone == [(0,)]


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023])
def test_france_is_the_files_total_in_every_header_layout(published, year):
    expected = sum(sample_populations(year).values())
    found = published.execute(
        "select population_municipale, nb_communes from marts.population "
        "where niveau = 'france' and millesime = ?",
        [year],
    ).fetchall()
    assert found == [(expected, 31)]  # 31 communes in COG 2026 whatever the file's geography


def test_custom_level_sums_its_member_communes(published):
    with (SAMPLE / "territoires_personnalises.csv").open(encoding="utf-8", newline="") as handle:
        members = [
            r["code_commune"] for r in csv.DictReader(handle) if r["code_territoire"] == "PAYS-SUD"
        ]
    communes = dict(
        published.execute(
            "select code_territoire, population_municipale from marts.population "
            "where niveau = 'commune' and millesime = 2023"
        ).fetchall()
    )
    pays = published.execute(
        "select population_municipale from marts.population where niveau = 'pays' "
        "and code_territoire = 'PAYS-SUD' and millesime = 2023"
    ).fetchall()
    assert pays == [(sum(communes[c] for c in members),)]


def test_demand_columns_are_plausible(published):
    rows = published.execute(
        "select niveau, code_territoire, part_75_ans_et_plus, population_standardisee, "
        "population_municipale from marts.population where millesime = 2021"
    ).fetchall()
    shares = [r[2] for r in rows]
    assert all(0 < s < 1 for s in shares)
    france = next(r for r in rows if r[0] == "france")
    # Standardisation preserves the total population (weights are relative to the mean).
    assert france[3] == pytest.approx(france[4], rel=1e-6)
    # 01930 was the oldest commune (22 % aged 75+) and the city the youngest: the commune
    # nouvelle Deux-Rives weighs more than its headcount, the city less.
    by_code = {r[1]: r for r in rows if r[0] == "commune"}
    assert by_code["01929"][3] > by_code["01929"][4]
    assert by_code["69901"][3] < by_code["69901"][4]


def test_share_aged_75_is_computed_from_the_census_file(published):
    """Département 2A's share of 75+ in the RP 2021 file, summed over its IRIS here."""
    archive = SAMPLE / "insee_population_ages/2021/base-ic-evol-struct-pop-2021_csv.zip"
    with zipfile.ZipFile(archive) as z:
        text = z.read("base-ic-evol-struct-pop-2021.CSV").decode("latin-1")
    rows = [
        r for r in csv.DictReader(io.StringIO(text), delimiter=";") if r["COM"].startswith("2A")
    ]
    expected = sum(float(r["P21_POP75P"]) for r in rows) / sum(float(r["P21_POP"]) for r in rows)
    found = published.execute(
        "select part_75_ans_et_plus from marts.population where niveau = 'departement' "
        "and code_territoire = '2A' and millesime = 2021"
    ).fetchall()
    assert found[0][0] == pytest.approx(expected, abs=1e-6)


# --- the custom territories file ------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "territoires.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_communes_are_listed_with_their_lines(tmp_path):
    path = write(
        tmp_path,
        "code_commune,code_territoire,libelle,niveau\n"
        "01901,P1,Pays 1,pays\n01999,P1,Pays 1,pays\n1902,P1,Pays 1,pays\n",
    )
    with pytest.raises(CustomTerritoriesError) as info:
        validate(read_rows(path), {"01901", "01902"}, 2026, path)
    message = str(info.value)
    assert "2 commune code(s) not in COG 2026" in message
    assert "01999 (line 3)" in message and "1902 (line 4)" in message
    assert str(path) in message


def test_other_mistakes_are_reported_together(tmp_path):
    path = write(
        tmp_path,
        "Code commune;Code territoire;Libellé;Niveau\n"
        "01901;P1;Pays 1;Pays\n01901;P2;Pays 2;Pays\n"
        "01902;P1;Autre nom;Pays\n01902;X;Y;epci\n",
    )
    rows = read_rows(path)  # `;`, headers with accents and capitals: read leniently
    assert [r.niveau for r in rows] == ["pays", "pays", "pays", "epci"]
    with pytest.raises(CustomTerritoriesError) as info:
        validate(rows, {"01901", "01902"}, 2026, path)
    message = str(info.value)
    assert "line 3: commune 01901 is already in level 'pays' (line 2)" in message
    assert "line 4: territory P1 is named 'Autre nom' here and 'Pays 1' on line 2" in message
    assert "line 5: niveau 'epci' is a built-in level" in message


def test_missing_columns(tmp_path):
    path = write(tmp_path, "code_commune,territoire\n01901,P1\n")
    with pytest.raises(CustomTerritoriesError, match=r"missing column.*code_territoire"):
        read_rows(path)


def test_a_build_with_a_bad_file_fails_clearly_and_publishes_nothing(tmp_path):
    bad = write(
        tmp_path, "code_commune,code_territoire,libelle,niveau\n01901,P,P,pays\n01925,P,P,pays\n"
    )  # 01925 merged into 01926 in 2025: not a 2026 code
    settings = make_settings(tmp_path / "home", OBSERVATORY_CUSTOM_TERRITORIES=str(bad))
    summary = build(
        settings,
        ('+key:"raw/utilisateur__territoires_personnalises" or key:"published/observatory"'),
    )
    assert not summary.success
    assert "01925 (line 3)" in summary.failure and "COG 2026" in summary.failure
    assert not settings.published_path.exists()


def test_target_cog_is_a_setting(tmp_path):
    """With COG 2025 as target, 01926 still exists (it merged into 01924 only in 2026)."""
    settings = make_settings(
        tmp_path / "home",
        OBSERVATORY_COG_MILLESIME="2025",
        OBSERVATORY_CUSTOM_TERRITORIES=str(
            write(tmp_path, "code_commune,code_territoire,libelle,niveau\n01926,P,P,pays\n")
        ),
    )
    summary = build(settings, '+key:"marts/territoires" or key:"published/observatory"')
    assert summary.success, summary.failure
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        communes = {
            r[0]
            for r in con.execute(
                "select code_territoire from marts.territoires where niveau = 'commune'"
            ).fetchall()
        }
    finally:
        con.close()
    catalog = load_catalog(settings.catalog_dir)
    assert "01926" in communes and "01925" not in communes
    assert catalog.get("insee_cog_communes").has_millesime(2025)
