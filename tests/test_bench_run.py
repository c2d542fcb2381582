"""Smoke test of the benchmark script at scale 0.001: it measures, it reports, it stays offline.

The builds themselves are not run here (each is a whole pipeline run, covered by the build
tests); the floor, the pandas baseline, the stage grouping and the report are.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from bench.generate import generate
from bench.run import Measure, ScaleResult, baseline, floor, render, speed_probe, stage_times


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


def test_the_speed_probe_grows_with_its_work():
    """The probe times real work: ten times the rows take longer (best of three each, so a
    scheduling hiccup on the small one does not decide)."""
    small = min(speed_probe(2_000_000) for _ in range(3))
    large = min(speed_probe(20_000_000) for _ in range(3))
    assert 0 < small < large
