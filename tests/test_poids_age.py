"""The GP consumption weights by age (seed `poids_recours_mg_age`) and the standardised demand of
the GP accessibility: the seed is a partition of ages with relative weights, the model reads it,
and a commune's standardised population follows from the census file and the seed's weights."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile

import duckdb
import pytest

from tests.conftest import REPOSITORY

SEED = REPOSITORY / "dbt_like_sql" / "seeds" / "poids_recours_mg_age.csv"
CHECK = REPOSITORY / "dbt_like_sql" / "tests" / "poids_age_tranches_contigues.sql"
SAMPLE = REPOSITORY / "assets" / "sample"
CENSUS_BANDS = {  # census column suffix of each band the model reads
    "0-14": "POP0014",
    "15-29": "POP1529",
    "30-44": "POP3044",
    "45-59": "POP4559",
    "60-74": "POP6074",
    "75+": "POP75P",
}


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def weights() -> dict[str, float]:
    return {r["tranche_age"]: float(r["poids_recours"]) for r in seed_rows()}


def census_rows(year: int) -> list[dict[str, str]]:
    archive = (
        SAMPLE / "insee_population_ages" / str(year) / (f"base-ic-evol-struct-pop-{year}_csv.zip")
    )
    with zipfile.ZipFile(archive) as z:
        text = z.read(f"base-ic-evol-struct-pop-{year}.CSV").decode("latin-1")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_seed_bands_partition_ages_with_positive_weights() -> None:
    rows = sorted(seed_rows(), key=lambda r: int(r["age_min"]))
    assert {r["tranche_age"] for r in rows} == set(CENSUS_BANDS)
    assert len(rows) == len(CENSUS_BANDS)
    assert int(rows[0]["age_min"]) == 0
    for before, after in itertools.pairwise(rows):
        assert before["age_max"] != "", before
        assert int(after["age_min"]) == int(before["age_max"]) + 1, (before, after)
    assert rows[-1]["age_max"] == ""  # the last band is open
    for row in rows:
        assert float(row["poids_recours"]) > 0
        assert row["statut"] in {"publie", "derive", "illustratif"}
        # a weight that claims a publication names it
        assert row["statut"] == "illustratif" or row["source"].strip()


def test_weights_are_relative_to_the_all_ages_mean() -> None:
    """Weighted by the sample's census population (every IRIS of RP 2021), the weights average
    about 1: they are relative consumptions, not consultations per person (about 4 a year)."""
    rows = census_rows(2021)
    w = weights()
    by_band = {
        band: sum(float(r[f"P21_{suffix}"]) for r in rows) for band, suffix in CENSUS_BANDS.items()
    }
    mean = sum(by_band[b] * w[b] for b in by_band) / sum(by_band.values())
    assert mean == pytest.approx(1, abs=0.15)


def test_model_reads_the_seed(warehouse) -> None:
    found = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select tranche_age, age_min, age_max, cast(poids_recours as double), statut, source "
            "from intermediate.int_population__poids_age"
        ).fetchall()
    }
    expected = {
        r["tranche_age"]: (
            int(r["age_min"]),
            int(r["age_max"]) if r["age_max"] else None,
            pytest.approx(float(r["poids_recours"]), abs=5e-4),
            r["statut"],
            r["source"] or None,
        )
        for r in seed_rows()
    }
    assert found == expected


def test_standardised_population_follows_the_census_and_the_seed(published) -> None:
    """For two communes of one millésime the normalising mean cancels out: the ratio of their
    factors (standardised / municipal population) is the ratio of their weighted age structures,
    recomputed here from the RP 2021 IRIS rows and the seed's weights. Millésime 2021 of the
    populations de référence uses the census of the same year."""
    w = weights()

    def factor(code: str) -> float:
        rows = [r for r in census_rows(2021) if r["COM"] == code]
        assert rows, code
        weighted = sum(
            float(r[f"P21_{suffix}"]) * w[band]
            for r in rows
            for band, suffix in CENSUS_BANDS.items()
        )
        return weighted / sum(float(r["P21_POP"]) for r in rows)

    found = dict(
        (code, standardised / municipal)
        for code, standardised, municipal in published.execute(
            "select code_territoire, population_standardisee, population_municipale "
            "from marts.population where niveau = 'commune' and millesime = 2021 "
            "and code_territoire in ('2A901', '2A902', '01901')"
        ).fetchall()
    )
    assert set(found) == {"2A901", "2A902", "01901"}
    for code in ("2A902", "01901"):
        assert found[code] / found["2A901"] == pytest.approx(
            factor(code) / factor("2A901"), rel=1e-5
        )


def check_rows(table: list[tuple[str, int, int | None, float, str, str | None]]) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_population__poids_age (tranche_age varchar, "
            "age_min integer, age_max integer, poids_recours decimal(6, 3), statut varchar, "
            "source varchar)"
        )
        con.executemany(
            "insert into intermediate.int_population__poids_age values (?, ?, ?, ?, ?, ?)", table
        )
        return con.execute(CHECK.read_text(encoding="utf-8")).fetchall()
    finally:
        con.close()


GOOD = [
    ("0-14", 0, 14, 0.9, "illustratif", None),
    ("15-29", 15, 29, 0.7, "illustratif", None),
    ("30-44", 30, 44, 0.8, "illustratif", None),
    ("45-59", 45, 59, 0.95, "publie", "DREES, 2012"),
    ("60-74", 60, 74, 1.25, "derive", "CNAM, 2020"),
    ("75+", 75, None, 1.85, "illustratif", None),
]


@pytest.mark.parametrize(
    ("change", "band"),
    [
        ({1: ("15-29", 16, 29, 0.7, "illustratif", None)}, "15-29"),  # a gap at 15
        ({2: ("30-44", 29, 44, 0.8, "illustratif", None)}, "30-44"),  # an overlap at 29
        ({5: ("75+", 75, 99, 1.85, "illustratif", None)}, "75+"),  # no open band
        ({0: ("0-14", 0, 14, 0.0, "illustratif", None)}, "0-14"),  # a null weight
        ({3: ("45-59", 45, 59, 0.95, "publie", None)}, "45-59"),  # published without a source
        ({4: ("60-74", 60, 74, 1.25, "estime", "x")}, "60-74"),  # unknown statut
    ],
)
def test_the_check_lists_a_broken_table(change: dict[int, tuple], band: str) -> None:
    assert check_rows(GOOD) == []
    broken = [change.get(i, row) for i, row in enumerate(GOOD)]
    assert band in {row[0] for row in check_rows(broken)}


def test_the_check_lists_a_missing_census_band() -> None:
    rows = check_rows(GOOD[:-1])
    assert ("75+", "tranche du recensement absente ou en double") in rows
