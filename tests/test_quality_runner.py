"""Suites run on DuckDB tables: batches, reuse of stored results, uniqueness counted by DuckDB,
two suites at a time with one Great Expectations validation at a time."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import duckdb

from observatory.catalog import load_catalog
from observatory.quality import gx, runner
from observatory.quality.outcomes import Outcome
from observatory.quality.results import record
from observatory.quality.suites import catalog_suites, model_suite
from observatory.warehouse import VALIDATION_RESULTS as RESULTS_TABLE
from tests.conftest import REPOSITORY, CountingConnection, model_header


def test_uniqueness_of_a_large_batch_counted_by_duckdb(monkeypatch):
    """On a large batch DuckDB counts the rows sharing their key (a hash first, the keys only
    when hashes collide): every duplicated row is counted, with examples; distinct keys pass."""
    monkeypatch.setattr(runner, "LARGE_BATCH_ROWS", 10)
    suite = model_suite(
        "marts.series",
        model_header("marts.series", "grain: one row per code_territoire x millesime"),
        "dbt_like_sql/marts/series.sql",
    )
    assert suite is not None
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.series as select lpad(i::varchar, 5, '0') as code_territoire, "
        "2021 + i % 3 as millesime from range(3000) as t(i)"
    )

    def uniqueness() -> Outcome:
        outcomes = runner.run_suite(con, suite)
        (unique,) = [o for o in outcomes if o.check_name == "grain_unique"]
        return unique

    clean = uniqueness()
    assert clean.success and clean.unexpected_count == 0
    assert clean.engine == "duckdb (batch of 3000 rows)"
    # Row 7 (2022) twice more and row 8 (2023) once more: 3 + 2 rows share their key.
    con.execute("insert into marts.series values ('00007', 2022), ('00007', 2022), ('00008', 2023)")
    broken = uniqueness()
    assert not broken.success and broken.unexpected_count == 5
    assert sorted(broken.sample, key=str) == [
        {"code_territoire": "00007", "millesime": 2022},
        {"code_territoire": "00008", "millesime": 2023},
    ]
    assert "5 of 3003 row(s) share their key" in broken.message


def test_suites_run_two_at_a_time_with_one_validation_at_a_time(warehouse, monkeypatch):
    """run_suites gives what run_suite gives suite by suite, in the same order, while two suites
    run at once and Great Expectations (not thread-safe) validates one frame at a time."""
    import threading
    import time

    suites = catalog_suites(load_catalog(REPOSITORY / "assets"))
    # Batches identified by their values: most of the build's stored results (identified by
    # ingestion) do not apply, so validations run.
    sequential = [runner.run_suite(warehouse, s) for s in suites]

    inside, most, calls, threads = 0, 0, 0, set()
    counter = threading.Lock()
    real = gx._validate_locked

    def watched(*args, **kwargs):
        nonlocal inside, most, calls
        with counter:
            calls += 1
            inside += 1
            most = max(most, inside)
            threads.add(threading.current_thread().name)
        try:
            time.sleep(0.01)  # widen the window in which an unguarded second call would enter
            return real(*args, **kwargs)
        finally:
            with counter:
                inside -= 1

    monkeypatch.setattr(gx, "_validate_locked", watched)
    together = list(runner.run_suites(warehouse, suites))

    def essentials(outcomes: list[Outcome]) -> list[tuple]:
        return [
            (o.table, o.millesime, o.check_name, o.success, o.unexpected_count, o.message)
            for o in outcomes
        ]

    assert [s.table for s, _ in together] == [s.table for s in suites]
    assert [essentials(o) for _, o in together] == [essentials(o) for o in sequential]
    assert sum(len(o) for o in sequential) > 100
    assert calls > 10 and most == 1
    assert len(threads) == 2 and all(name.startswith("suite") for name in threads)


def _suite_of_three_expectations():
    """The suite of a raw table `raw.mesures` (columns a, b, c): three value-by-value
    expectations, each its own group of columns, checked per millésime as a catalog suite is."""
    suite = model_suite(
        "raw.mesures",
        model_header(
            "raw.mesures",
            "expect: column_values_to_be_between {column: a, min_value: 0, max_value: 10}",
            "expect: column_values_to_not_be_null {column: b}",
            "expect: column_values_to_match_regex {column: c, regex: '^[0-9]+$'}",
        ),
        "dbt_like_sql/raw/mesures.sql",
    )
    assert suite is not None
    return dataclasses.replace(suite, by_millesime=True)


def test_a_batch_identified_by_its_ingestions_is_scanned_once():
    """In a build a batch is identified by its ingestion ids, whatever columns an expectation
    reads: one scan per batch, however many groups of expectations it has."""
    suite = _suite_of_three_expectations()
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.mesures as select i % 11 as a, i as b, i::varchar as c, "
        "2023 + i % 2 as millesime, 'id-' || (i % 2) as ingestion_id from range(100) as t(i)"
    )

    counting = CountingConnection(con, "sum(hash(")  # the scans that identify a batch
    outcomes = runner.run_suite(counting, suite, trust_versions=True)  # type: ignore[arg-type]
    assert len(outcomes) == 6 and all(o.success for o in outcomes)  # 3 expectations x 2
    batches = sorted({o.millesime for o in outcomes if o.millesime is not None})
    assert batches == [2023, 2024]
    assert len(counting.queries) == len(batches)
    assert all("hash(ingestion_id)" in q for q in counting.queries)


def test_a_suite_reads_its_stored_results_once_for_all_its_batches():
    """A refresh finds every result stored under the same fingerprints: the suite reads the
    results table once, whatever its batches and groups of expectations, and reuses them all."""
    suite = _suite_of_three_expectations()
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create schema meta")
    con.execute(
        "create table raw.mesures as select i % 11 as a, i as b, i::varchar as c, "
        "2022 + i % 3 as millesime, 'id-' || (i % 3) as ingestion_id from range(90) as t(i)"
    )
    first = runner.run_suite(con, suite, trust_versions=True)
    record(con, "run-1", first)

    counting = CountingConnection(con, RESULTS_TABLE)  # reads of the stored results
    again = runner.run_suite(counting, suite, trust_versions=True)  # type: ignore[arg-type]
    assert len(again) == len(first) == 9  # 3 expectations x 3 millésimes
    assert all(o.engine == "unchanged since run-1" for o in again)
    assert [(o.millesime, o.check_name, o.success) for o in again] == [
        (o.millesime, o.check_name, o.success) for o in first
    ]
    assert len(counting.queries) == 1


def test_running_suites_and_writing_results_needs_no_dagster():
    """The engine side of validation imports no Dagster (its wiring is in observatory/defs)."""
    import subprocess
    import sys

    modules = ["runner", "report", "results", "gx", "batches", "drift", "evaluate", "outcomes"]
    code = (
        "import sys\n"
        + "".join(f"import observatory.quality.{m}\n" for m in modules)
        + "print('dagster' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_gx_warm_up_thread_starts_only_after_sqlalchemy_is_imported_in_the_caller() -> None:
    """GX and Dagster's run storage both import SQLAlchemy, whose modules import each other:
    imported by two threads at once, one got a partially initialised sqlalchemy.orm.exc and a
    build step failed (CI, once). In a fresh interpreter, the warm-up thread must find them
    imported already when it starts."""
    script = """
import sys, threading
from observatory.quality import gx
shared = gx.SHARED_WITH_DAGSTER
before = [m for m in shared if m in sys.modules]
at_start = []
threading.Thread.start = lambda self: at_start.append([m in sys.modules for m in shared])
gx.warm_up_in_background()
gx.warm_up_in_background()
import sqlalchemy.orm.exc
print(before, at_start, hasattr(sqlalchemy.orm.exc, "UnmappedClassError"))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["[]", "[[True,", "True]]", "True"], result.stdout
