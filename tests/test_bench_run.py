"""Smoke test of the benchmark script at scale 0.001: it measures, it reports, it stays offline.

The builds themselves are not run here (each is a whole pipeline run, covered by the build
tests); the floor, the pandas baseline, the stage grouping and the report are.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from bench.generate import generate
from bench.run import (
    Measure,
    ScaleResult,
    baseline,
    floor,
    render,
    speed_probe,
    stage_times,
    write_floor,
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "catalog"
    generate(out, 0.001, 1, log=lambda _m: None)
    return out


def test_floor_reads_every_input_once(inputs):
    measure, rows, megabytes = floor(inputs)
    files = [p for p in (inputs / "sample").rglob("*") if p.is_file() and p.suffix != ".csv"]
    files += [p for p in (inputs / "sample").rglob("*.csv") if p.parent != inputs / "sample"]
    assert megabytes == pytest.approx(sum(p.stat().st_size for p in files) / 1e6, rel=1e-6)
    # The BPE 2024 zip alone: its data rows, counted here with the csv module.
    zipped = next((inputs / "sample" / "insee_bpe" / "2024").glob("*.zip"))
    with zipfile.ZipFile(zipped) as archive:
        member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        text = archive.read(member).decode("utf-8")
    bpe_rows = sum(1 for _ in csv.reader(io.StringIO(text), delimiter=";")) - 1
    assert rows > bpe_rows > 0 and measure.seconds > 0


def test_baseline_answers_the_density_and_nearest_questions(inputs):
    times = baseline(inputs, subset=20)
    assert set(times) == {"density_per_epci_s", "nearest_subset_communes", "nearest_extrapolated_s"}
    assert times["nearest_subset_communes"] == 20
    assert times["nearest_extrapolated_s"] >= 0


def test_stages_group_the_steps_and_the_report_has_a_row_per_scale():
    steps = {
        "raw__insee__bpe": 2.0,
        "raw__ans__annuaire_sante": 1.0,
        "gx_raw__insee__bpe": 0.5,
        "marts__population_codes_connus__population": 0.25,
        "sql_models": 4.0,
        "published__observatory": 1.5,
    }
    stages = stage_times(steps)
    assert stages == {"ingestion": 3.0, "checks": 0.75, "models": 4.0, "publication": 1.5}
    result = ScaleResult(0.001, communes=35, input_mb=4.0, input_rows=1000)
    result.floor = Measure(2.0)
    result.build = Measure(12.0, peak_rss_mb=500, stages=stages)
    page = render([result], "<!-- notes -->\nNotes.", (2.25, 2.5))
    row = next(line for line in page.splitlines() if line.startswith("| 0.001 |"))
    assert "| 12.0 s | 6.0 |" in row and "500 MB" in row
    assert "2.25 s before the run, 2.50 s after it" in page
    assert page.rstrip().endswith("Notes.")


def test_write_floor_writes_every_stored_table_again_and_leaves_nothing_behind(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    for schema in ("raw", "marts", "meta"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table raw.insee__bpe as select range as id, 'x' || range as nom from range(3000)"
    )
    con.execute('create table raw."odd ""name""" as select range as id from range(250)')
    con.execute("create table marts.population as select range as id from range(1200)")
    con.execute("create table meta.ingestions as select range as id from range(40)")
    con.close()

    layers = write_floor(warehouse)

    assert {name: rows for name, (_, rows) in layers.items()} == {
        "raw": 3250,
        "staging": 0,
        "intermediate": 0,
        "marts": 1200,
    }
    assert layers["raw"][0] > 0 and layers["marts"][0] > 0
    assert layers["staging"][0] == 0  # no table, nothing timed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from raw.insee__bpe").fetchall() == [(3000,)]
    con.close()


def test_the_report_bounds_a_build_by_what_it_reads_stores_and_publishes():
    """floor 2 + raw 1 + marts 0.5 + publication 1.5 = 5 s, 2.5 times the floor; a scale
    whose writes were not measured (a failed build) has no row."""
    measured = ScaleResult(0.01, communes=350, input_mb=20.0, input_rows=10_000)
    measured.floor = Measure(2.0)
    measured.build = Measure(20.0, stages={"ingestion": 5.0, "publication": 1.5})
    measured.writes = {
        "raw": (1.0, 3_000_000),
        "staging": (0.25, 1_000_000),
        "intermediate": (0.5, 2_500_000),
        "marts": (0.5, 1_200_000),
    }
    failed = ScaleResult(0.1)
    failed.floor = Measure(4.0)
    failed.build = Measure(3.0, ok=False, detail="boom")
    page = render([measured, failed], "<!-- notes -->")
    rows = [
        line for line in page.split("What storing costs", 1)[1].splitlines() if line[:2] == "| "
    ]
    assert rows[0].startswith("| scale | floor (reading) | raw |")
    assert rows[1] == (
        "| 0.01 | 2.0 s | 1.0 s (3.0 M rows) | 0.8 s (3.5 M rows) | 0.5 s (1.2 M rows) "
        "| 1.5 s | 5.0 s | 2.5 |"
    )
    assert len(rows) == 2


def test_the_speed_probe_grows_with_its_work():
    """The probe times real work: ten times the rows take longer (best of three each, so a
    scheduling hiccup on the small one does not decide)."""
    small = min(speed_probe(2_000_000) for _ in range(3))
    large = min(speed_probe(20_000_000) for _ in range(3))
    assert 0 < small < large
