"""Drift: bounds of a millésime computed from the previous one of the same table."""

from __future__ import annotations

import duckdb
import pytest

from observatory.quality.batches import NUMERIC_SUFFIX
from observatory.quality.drift import describe_drift, plan_drift
from observatory.quality.suites import ExpectationSpec


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.t as select * from (values "
        "(2021, '01', '10,5'), (2021, '02', '20'), (2022, '01', '11'), (2024, '03', '1')) "
        "as v(millesime, dep, pop)"
    )
    return con


ROWS = ExpectationSpec(
    "drift_rows", "expect_table_row_count_to_be_between", {}, drift="rows", tolerance=0.5
)
SUM = ExpectationSpec(
    "drift_sum_pop",
    "expect_column_sum_to_be_between",
    {"column": "pop"},
    drift="sum",
    tolerance=0.1,
)
KEYS = ExpectationSpec(
    "drift_keys_dep",
    "expect_column_distinct_values_to_contain_set",
    {"column": "dep"},
    drift="keys",
)


def test_nothing_to_compare_with_on_the_first_millesime_or_a_whole_table(con):
    assert plan_drift(con, "raw.t", ROWS, 2021) is None
    assert plan_drift(con, "raw.t", ROWS, None) is None


def test_bounds_come_from_the_previous_millesime_present(con):
    assert plan_drift(con, "raw.t", ROWS, 2022) == ({"min_value": 1, "max_value": 3}, 2, 2021)
    kwargs, before, previous = plan_drift(con, "raw.t", SUM, 2024)  # 2023 is absent
    assert previous == 2022 and before == 11
    assert kwargs["column"] == "pop" + NUMERIC_SUFFIX  # the total of the column read as numbers
    assert kwargs["min_value"] == pytest.approx(9.9) and kwargs["max_value"] == pytest.approx(12.1)
    kwargs, before, previous = plan_drift(con, "raw.t", KEYS, 2022)
    assert kwargs == {"column": "dep", "value_set": ["01", "02"]} and previous == 2021


def test_messages_say_what_the_previous_millesime_had():
    message, count, sample, observed = describe_drift(
        KEYS, {"value_set": ["01", "02", "03"]}, ["01"], ["01", "02", "03"], 2021
    )
    assert message == "2 value(s) present in millésime 2021 are missing: 02, 03"
    assert (count, sample, observed) == (2, ["02", "03"], 1)
    message, *_ = describe_drift(ROWS, {"min_value": 1, "max_value": 3}, 7, 2, 2021)
    assert message == "7 rows against 2 in millésime 2021 (allowed 1 to 3)"
    message, *_ = describe_drift(SUM, {"min_value": 9.9, "max_value": 12.1}, 30.5, 11, 2022)
    assert message == "total 30.5 against 11 in millésime 2022 (allowed 9.9 to 12.1)"
