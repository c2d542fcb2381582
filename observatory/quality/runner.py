"""Run a validation suite on a DuckDB table: its batches planned, read, evaluated or reused.

Table-level (schema) expectations run once per table, the others on every batch. Value-by-value
expectations run on distinct values weighted by their row counts; uniqueness on a large batch is
counted by DuckDB; drift expectations get their bounds from the previous millésime. The suites
of a layer run two at a time (run_suites), with Great Expectations one validation at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import duckdb

from observatory.quality.batches import (
    batch_millesimes,
    batch_rows,
    content_hash,
    count_duplicates,
    count_nulls,
    read_batch,
    read_distinct,
    table_version,
    uniqueness_keys,
)
from observatory.quality.drift import plan_drift
from observatory.quality.evaluate import (
    Planned,
    evaluate_cached,
    in_planned_order,
    stored_maker,
)
from observatory.quality.outcomes import Outcome, suite_outcome
from observatory.quality.results import (
    Stored,
    cached_results,
    result_fingerprint,
    reused_outcome,
    stored_results,
)
from observatory.quality.suites import ExpectationSpec, Suite
from observatory.warehouse import table_columns

LARGE_BATCH_ROWS = 100_000
"""Above this many rows, uniqueness and emptiness are counted by DuckDB rather than in a pandas
frame (same verdict and count). Since every layer checks its grain, the staging and intermediate
tables of a regional build (a few hundred thousand rows) are past it too (docs/benchmarks.md)."""
UNIQUE_EXPECTATIONS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
NOT_NULL = "expect_column_values_to_not_be_null"
MAP_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
    }
)
"""Expectations that judge each value on its own (with its row's condition columns): the same
verdict on distinct values as on every row."""
SCHEMA_EXPECTATIONS = (
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_column_to_exist",
    "expect_table_column_count_to_equal",
)


def run_suite(
    con: duckdb.DuckDBPyConnection, suite: Suite, *, trust_versions: bool = False
) -> list[Outcome]:
    """Every expectation of the suite: table-level ones once, the others on every batch.

    `trust_versions` (a build, where only the pipeline wrote the tables): a batch is identified
    by what it was built from (model fingerprint, ingestion ids) instead of a hash of its
    values, so a refresh that changed nothing reads almost nothing. `observatory validate`
    hashes the values: it audits the warehouse as it is, hand edits included."""
    columns = table_columns(con, suite.table)
    if not columns:
        return [
            suite_outcome(
                suite,
                s,
                None,
                False,
                f"{suite.dataset}: {suite.table} does not exist: build it first",
                engine="not evaluated",
            )
            for s in suite.expectations
        ]
    version = table_version(con, suite.table, columns) if trust_versions else None
    stored = stored_results(con, suite.table)
    schema = [(s, dict(s.kwargs), None, None) for s in suite.expectations if _is_schema(s)]
    outcomes = evaluate_cached(
        con,
        suite,
        lambda: con.execute(f"select * from {suite.table} limit 0").df(),
        schema,
        None,
        content=",".join(columns),
        stored=stored,
    )
    batches: list[int | None] = [None]
    if suite.by_millesime:
        batches = [*batch_millesimes(con, suite.table)]
    for millesime in batches:
        outcomes.extend(_run_batch(con, suite, columns, millesime, version, stored))
    reported = {o.check_name for o in outcomes}
    for spec in suite.expectations:
        if spec.name not in reported:  # drift on the first millésime, or an empty table
            why = "no previous millésime to compare with" if spec.drift else "no rows to check"
            outcomes.append(
                suite_outcome(
                    suite,
                    spec,
                    None,
                    True,
                    f"{suite.dataset}: {spec.name}: {why}",
                    engine="not evaluated",
                )
            )
    return outcomes


def run_suites(
    con: duckdb.DuckDBPyConnection, suites: Sequence[Suite], *, trust_versions: bool = False
) -> Iterator[tuple[Suite, list[Outcome]]]:
    """run_suite on each suite, two at a time, results in the suites' order. Most of a suite's
    time is either DuckDB (batches read, uniqueness counted: the GIL is released) or Great
    Expectations (Python, one validation at a time): while one suite is in GX, the next one
    reads its batches. Each thread queries through its own cursor."""

    def one(suite: Suite) -> list[Outcome]:
        cursor = con.cursor()
        try:
            return run_suite(cursor, suite, trust_versions=trust_versions)
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="suite") as pool:
        futures = [pool.submit(one, suite) for suite in suites]
        try:
            for suite, future in zip(suites, futures, strict=True):
                yield suite, future.result()
        finally:
            for future in futures:
                future.cancel()


def _is_schema(spec: ExpectationSpec) -> bool:
    return spec.expectation in SCHEMA_EXPECTATIONS


def _plan_batch(
    con: duckdb.DuckDBPyConnection, suite: Suite, millesime: int | None
) -> list[Planned]:
    """The row-level expectations of the suite on one batch, with their arguments for it."""
    planned: list[Planned] = []
    for spec in suite.expectations:
        if _is_schema(spec):
            continue
        if not spec.drift:
            planned.append((spec, dict(spec.kwargs), None, None))
            continue
        drift = plan_drift(con, suite.table, spec, millesime)
        if drift is not None:
            kwargs, before, previous = drift
            planned.append((spec, kwargs, before, previous))
    return planned


def _run_batch(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    columns: list[str],
    millesime: int | None,
    version: str | None = None,
    stored: Stored | None = None,
) -> list[Outcome]:
    """The row-level expectations of one batch: value-by-value ones grouped by the columns they
    read, uniqueness, and the rest in one GX validation on one frame."""
    planned = _plan_batch(con, suite, millesime)
    if not planned:
        return []
    outcomes: list[Outcome] = []
    scans: dict[str, tuple] = {}
    counted = [item for item in planned if _countable(item[0])]
    if counted:
        rows = batch_rows(con, suite.table, millesime)
        if rows > LARGE_BATCH_ROWS:
            # Uniqueness needs every row at once, and a key column's distinct values are nearly
            # as many as its rows: on a large batch DuckDB counts the duplicates and the empty
            # values (same verdict and count) instead of a pandas frame.
            planned_here = [item for item in planned if item not in counted]
            outcomes.extend(_counted(con, suite, counted, millesime, rows, version, scans, stored))
        else:
            planned_here = planned
    else:
        planned_here = planned
    by_columns: dict[tuple[str, ...], list[Planned]] = {}
    rest: list[Planned] = []
    for item in planned_here:
        spec = item[0]
        if spec.expectation in MAP_EXPECTATIONS and not spec.drift:
            key = tuple(sorted(spec.columns_used() & set(columns)))
            by_columns.setdefault(key, []).append(item)
        else:
            rest.append(item)
    # A value-by-value expectation gives the same verdict on a column's distinct values (with
    # their row counts as weights) as on every row: a code column of 2.8 M facilities has some
    # 35,000 distinct values, which is what Great Expectations then reads.
    for group_columns, items in by_columns.items():
        content = content_hash(con, suite.table, group_columns, millesime, version, scans)
        if content.startswith("0:") and millesime is None:
            continue  # an empty table: nothing to check
        outcomes.extend(
            evaluate_cached(
                con,
                suite,
                lambda c=group_columns: read_distinct(con, suite.table, c, millesime),
                items,
                millesime,
                content,
                stored,
            )
        )
    if rest:
        used = {c for spec, *_ in rest if spec.drift != "sum" for c in spec.columns_used()}
        numeric = sorted({spec.kwargs["column"] for spec, *_ in rest if spec.drift == "sum"})
        selected = sorted(used & set(columns))
        content = content_hash(con, suite.table, [*selected, *numeric], millesime, version, scans)
        if not (content.startswith("0:") and millesime is None):
            outcomes.extend(
                evaluate_cached(
                    con,
                    suite,
                    lambda: read_batch(con, suite.table, selected, numeric, millesime),
                    rest,
                    millesime,
                    content,
                    stored,
                )
            )
    return in_planned_order(outcomes, planned)


def _countable(spec: ExpectationSpec) -> bool:
    """Uniqueness, and emptiness on all rows: what DuckDB counts on a large batch."""
    if spec.expectation in UNIQUE_EXPECTATIONS:
        return True
    conditional = any(spec.kwargs.get(k) for k in ("where", "where_not", "mostly"))
    return spec.expectation == NOT_NULL and not conditional


def _counted(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    counted: list[Planned],
    millesime: int | None,
    rows: int,
    version: str | None,
    scans: dict[str, tuple],
    stored: Stored | None,
) -> list[Outcome]:
    """Uniqueness and emptiness of a large batch counted by DuckDB, or reused from the store."""
    outcomes = []
    for spec, kwargs, *_ in counted:
        unique = spec.expectation in UNIQUE_EXPECTATIONS
        keys = uniqueness_keys(spec) if unique else [str(spec.kwargs["column"])]
        content = content_hash(con, suite.table, keys, millesime, version, scans)
        fingerprint = result_fingerprint(spec, kwargs, content)
        known = cached_results(con, suite.table, millesime, [fingerprint], stored)
        if fingerprint in known:
            maker = stored_maker(suite, spec, millesime)
            outcomes.append(reused_outcome(known[fingerprint], fingerprint, maker))
            continue
        count = count_duplicates if unique else count_nulls
        outcome = count(con, suite, spec, millesime, rows)
        outcome.fingerprint = fingerprint
        outcomes.append(outcome)
    return outcomes
