"""Drift: each millésime of a raw table compared with the previous one of the same table.

A drift expectation (`drift:` in a catalog entry, see suites.py) has no fixed bounds: they are
computed in SQL from the previous millésime when the suite runs (row count, a column's total, the
set of a column's values), and the message says what the previous millésime had.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from observatory.quality.batches import NUMERIC_SUFFIX
from observatory.quality.outcomes import SAMPLE_SIZE
from observatory.quality.suites import ExpectationSpec
from observatory.warehouse import quote_identifier


def previous_millesime(con: duckdb.DuckDBPyConnection, table: str, millesime: int) -> int | None:
    row = con.execute(
        f"select max(millesime) from {table} where millesime < ?", [millesime]
    ).fetchall()[0]
    return None if row[0] is None else int(row[0])


def drift_bounds(
    con: duckdb.DuckDBPyConnection, table: str, spec: ExpectationSpec, previous: int
) -> tuple[dict[str, Any], Any]:
    """Bounds for this millésime from the previous one; also what the previous one had."""
    if spec.drift == "rows":
        count = con.execute(
            f"select count(*) from {table} where millesime = ?", [previous]
        ).fetchall()[0][0]
        allowed = max(spec.tolerance * count, spec.slack)
        return {
            "min_value": max(0, math.floor(count - allowed)),
            "max_value": math.ceil(count + allowed),
        }, int(count)
    column = quote_identifier(spec.kwargs["column"])
    if spec.drift == "sum":
        total = con.execute(
            f"select coalesce(sum(try_cast(replace({column}, ',', '.') as double)), 0) "
            f"from {table} where millesime = ?",
            [previous],
        ).fetchall()[0][0]
        allowed = abs(total) * spec.tolerance
        return {**spec.kwargs, "min_value": total - allowed, "max_value": total + allowed}, total
    values = [
        r[0]
        for r in con.execute(
            f"select distinct {column} from {table} where millesime = ? and {column} is not null "
            "order by 1",
            [previous],
        ).fetchall()
    ]
    return {**spec.kwargs, "value_set": values}, values


def plan_drift(
    con: duckdb.DuckDBPyConnection, table: str, spec: ExpectationSpec, millesime: int | None
) -> tuple[dict[str, Any], Any, int] | None:
    """A drift expectation's arguments for one batch, what the previous millésime had, and
    which one it was; None when there is nothing to compare with (the first millésime, or a
    table not validated by millésime). A total is checked on the column read as a number."""
    if millesime is None:
        return None
    previous = previous_millesime(con, table, millesime)
    if previous is None:
        return None
    kwargs, before = drift_bounds(con, table, spec, previous)
    if spec.drift == "sum":
        kwargs["column"] = spec.kwargs["column"] + NUMERIC_SUFFIX
    return kwargs, before, previous


def describe_drift(
    spec: ExpectationSpec, kwargs: dict[str, Any], observed: Any, before: Any, previous: int | None
) -> tuple[str, int | None, list[Any], Any]:
    """What a drift expectation found, in words: (message, unexpected count, sample, observed)."""
    if spec.drift == "keys":
        missing = sorted(set(kwargs["value_set"]) - set(observed or []))
        return (
            f"{len(missing)} value(s) present in millésime {previous} are missing: "
            f"{', '.join(map(str, missing[:SAMPLE_SIZE]))}",
            len(missing),
            missing[:SAMPLE_SIZE],
            len(observed or []),
        )
    what = "rows" if spec.drift == "rows" else f"total {observed}"
    shown = observed if spec.drift == "rows" else ""
    return (
        f"{shown} {what} against {before} in millésime {previous} (allowed "
        f"{kwargs['min_value']:g} to {kwargs['max_value']:g})".strip(),
        None,
        [],
        observed,
    )
