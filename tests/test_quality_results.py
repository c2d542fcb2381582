"""The results store: every outcome recorded in meta.validation_results."""

from __future__ import annotations

import duckdb

from observatory.quality.outcomes import suite_outcome
from observatory.quality.results import record
from observatory.quality.suites import model_suite
from tests.conftest import model_header


def test_results_are_recorded_whole_across_statements():
    """record writes results in statements of 500: all 1,201 of them arrive, each with its own
    values (a batch without millésime and a check without count included)."""
    suite = model_suite(
        "marts.t",
        model_header(
            "marts.t",
            "expect: column_values_to_be_between {column: a, min_value: 0, max_value: 10}",
        ),
        "dbt_like_sql/marts/t.sql",
    )
    assert suite is not None
    spec = suite.expectations[0]
    outcomes = [
        suite_outcome(
            suite,
            spec,
            None if i % 100 == 0 else 2020 + i % 4,
            i % 3 != 0,
            f"result {i}",
            None if i == 600 else i,
            [{"a": i}],
            None,
        )
        for i in range(1201)
    ]
    con = duckdb.connect()
    con.execute("create schema meta")
    record(con, "run-1", outcomes)
    rows = con.execute(
        "select message, millesime, success, unexpected_count, unexpected_sample "
        "from meta.validation_results where run_id = 'run-1' order by unexpected_count nulls first"
    ).fetchall()
    assert len(rows) == 1201
    assert len({r[0] for r in rows}) == 1201
    assert sum(r[1] is None for r in rows) == 13  # 0, 100, ..., 1200
    assert rows[0][0] == "result 600" and rows[0][3] is None
    assert rows[-1] == ("result 1200", None, False, 1200, '[{"a": 1200}]')
    assert sum(1 for r in rows if r[2]) == 800
