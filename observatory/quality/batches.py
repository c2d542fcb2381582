"""A table's batches, read from DuckDB: what a suite validates, and what identifies it.

A raw table is validated one millésime at a time, so that a result names the edition that broke;
a model's table is one batch. Only the columns a group of expectations needs are read: as stored,
as distinct values weighted by their row counts (a value-by-value expectation gives the same
verdict on them), or counted by DuckDB (uniqueness of a batch too large for a pandas frame).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from observatory.quality.outcomes import SAMPLE_SIZE, Outcome, jsonable, suite_outcome
from observatory.quality.suites import ExpectationSpec, Suite
from observatory.warehouse import model_state, quote_identifier

NUMERIC_SUFFIX = " (nombre)"
"""A text column read as a number for drift totals, beside the text column itself."""
ROWS = "__lignes"
"""Row count of each distinct value in a frame of distinct values."""


def batch_filter(millesime: int | None) -> str:
    """The WHERE clause of one batch: one millésime, or the whole table."""
    return "" if millesime is None else f" where millesime = {int(millesime)}"


def batch_millesimes(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    """The millésimes of a table, oldest first: its batches when validated one at a time."""
    rows = con.execute(f"select distinct millesime from {table} order by 1").fetchall()
    return [int(r[0]) for r in rows]


def batch_rows(con: duckdb.DuckDBPyConnection, table: str, millesime: int | None) -> int:
    return int(
        con.execute(f"select count(*) from {table}{batch_filter(millesime)}").fetchall()[0][0]
    )


def read_batch(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    numeric: Sequence[str],
    millesime: int | None,
) -> Any:
    """One batch as a pandas frame: the columns as stored, plus `<column> (nombre)` for the
    columns whose totals are compared (raw columns are text)."""
    select = [quote_identifier(c) for c in columns] + [
        f"try_cast(replace({quote_identifier(c)}::varchar, ',', '.') as double) as "
        f"{quote_identifier(c + NUMERIC_SUFFIX)}"
        for c in numeric
    ]
    return con.execute(
        f"select {', '.join(select) or 'null as _'} from {table}{batch_filter(millesime)}"
    ).df()


def read_distinct(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], millesime: int | None
) -> Any:
    """The distinct combinations of the columns in one batch, with their row counts (`ROWS`)."""
    select = ", ".join(quote_identifier(c) for c in columns)
    return con.execute(
        f"select {select}, count(*) as {ROWS} from {table}{batch_filter(millesime)} group by all"
    ).df()


def table_version(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> str | None:
    """What the pipeline built a table from: a model's fingerprint (its SQL and inputs, in
    meta.modeles), or `ingestions` for a raw table (its rows carry their ingestion_id)."""
    fingerprint = model_state(con, table)
    if fingerprint is not None:
        return f"model {fingerprint}"
    return "ingestions" if "ingestion_id" in columns else None


def content_hash(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    millesime: int | None,
    version: str | None = None,
    scans: dict[str, tuple] | None = None,
) -> str:
    """Rows and an order-independent hash of the columns a batch is checked on (one scan).
    With a table version (see runner.run_suite) the hash is of the ingestion ids, or none at
    all for a model, and the columns are named instead. `scans`: results of this batch's scans
    by query, so that the same scan (with a version it does not depend on the columns) runs
    once per batch, not once per group of expectations."""
    values = ", ".join(quote_identifier(c) for c in columns) or "1"
    if version == "ingestions":
        values = "ingestion_id"
    elif version is not None:
        values = "null"
    query = (
        f"select count(*), coalesce(sum(hash({values})), 0)::varchar "
        f"from {table}{batch_filter(millesime)}"
    )
    if scans is not None and query in scans:
        row = scans[query]
    else:
        row = con.execute(query).fetchall()[0]
        if scans is not None:
            scans[query] = row
    named = "" if version is None else f":{version}:{','.join(columns)}"
    return f"{row[0]}:{row[1]}{named}"


def uniqueness_keys(spec: ExpectationSpec) -> list[str]:
    """The columns a uniqueness expectation says are unique together."""
    return list(spec.kwargs.get("column_list") or [spec.kwargs["column"]])


def count_duplicates(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    spec: ExpectationSpec,
    millesime: int | None,
    rows: int,
) -> Outcome:
    """A uniqueness expectation evaluated by DuckDB: rows sharing their key with another row."""
    keys = uniqueness_keys(spec)
    select = ", ".join(quote_identifier(k) for k in keys)
    where = batch_filter(millesime)
    # Rows with equal keys have equal hashes: no shared hash proves there is no duplicate, and
    # grouping on one 64-bit hash is cheaper than on the key columns. Only when hashes collide
    # are the keys themselves grouped, for the exact count and a sample.
    hashed = (
        f"select count(*) as n from {suite.table}{where} group by hash({select}) "
        "having count(*) > 1"
    )
    count = int(con.execute(f"select coalesce(sum(n), 0) from ({hashed})").fetchall()[0][0])
    sample = []
    if count:
        duplicates = (
            f"select {select}, count(*) as n from {suite.table}{where} group by all "
            "having count(*) > 1"
        )
        count = int(con.execute(f"select coalesce(sum(n), 0) from ({duplicates})").fetchall()[0][0])
        sample = [
            dict(zip(keys, map(jsonable, r[:-1]), strict=True))
            for r in con.execute(f"{duplicates} limit {SAMPLE_SIZE}").fetchall()
        ]
    problem = f"{count} of {rows} row(s) share their key (e.g. {sample[:2]})"
    return _counted(suite, spec, millesime, rows, count, problem, sample)


def count_nulls(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    spec: ExpectationSpec,
    millesime: int | None,
    rows: int,
) -> Outcome:
    """A non-null expectation evaluated by DuckDB: the rows whose value is empty."""
    empty = f"{quote_identifier(str(spec.kwargs['column']))} is null"
    where = batch_filter(millesime)
    query = f"select count(*) from {suite.table}{where} {'and' if where else 'where'} {empty}"
    count = int(con.execute(query).fetchall()[0][0])
    problem = f"{count} of {rows} row(s) are empty"
    return _counted(suite, spec, millesime, rows, count, problem, [None] * min(count, SAMPLE_SIZE))


def _counted(
    suite: Suite,
    spec: ExpectationSpec,
    millesime: int | None,
    rows: int,
    count: int,
    problem: str,
    sample: list[Any],
) -> Outcome:
    """The outcome of an expectation DuckDB counted: `count` offending rows of `rows`."""
    where_text = suite.dataset + (f" {millesime}" if millesime is not None else "")
    message = f"{where_text}, column {spec.column}: {spec.name}: " + (problem if count else "ok")
    return suite_outcome(
        suite,
        spec,
        millesime,
        count == 0,
        message,
        count,
        sample,
        None,
        engine=f"duckdb (batch of {rows} rows)",
    )
