"""Run validation suites with Great Expectations Core on DuckDB tables, and keep the results.

GX runs on pandas frames read from DuckDB (its SQL datasource silently fails every expectation on
DuckDB, see ../shared/reference/stack_notes.md); only the columns a suite needs are read, and a
raw table is validated one millésime at a time so a result names the edition that broke.
Drift expectations get their bounds from the previous millésime of the same table, computed in
SQL when the suite runs. Every result goes to `meta.validation_results`, and each run gets a
readable HTML report written from that table.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.expectations import ExpectationError, ExpectationSpec, Suite
from observatory.settings import Settings
from observatory.warehouse import quote_identifier, table_columns, table_exists

SAMPLE_SIZE = 5
RESULTS_TABLE = "meta.validation_results"
LARGE_BATCH_ROWS = 500_000
"""Above this many rows, uniqueness is counted by DuckDB rather than in a pandas frame."""
UNIQUE_EXPECTATIONS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
ROWS = "__lignes"
"""Row count of each distinct value in a frame of distinct values."""
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


@dataclass
class Outcome:
    """One expectation evaluated on one batch (one millésime of a raw table, or a whole table)."""

    dataset: str
    table: str
    millesime: int | None
    check_name: str
    expectation: str
    column: str
    severity: str
    success: bool
    message: str
    unexpected_count: int | None = None
    sample: list[Any] = field(default_factory=list)
    observed: Any = None
    engine: str = "great_expectations"
    fingerprint: str | None = None

    @property
    def blocking_failure(self) -> bool:
        return not self.success and self.severity == "error"


def _outcome(
    suite: Suite,
    spec: ExpectationSpec,
    millesime: int | None,
    success: bool,
    message: str,
    *details: Any,
    **named: Any,
) -> Outcome:
    """An outcome of one expectation of a suite on one batch."""
    return Outcome(
        suite.dataset,
        suite.table,
        millesime,
        spec.name,
        spec.expectation,
        spec.column,
        spec.severity,
        success,
        message,
        *details,
        **named,
    )


# --- Great Expectations, imported lazily ----------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _batch_definition() -> Any:
    """One ephemeral GX context per process, with a pandas datasource fed a frame per batch."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame under HASH_THRESHOLD bytes (an md5 of pandas' row hashes, a
    # batch marker nothing here reads), twice per validation: 7 of the 17 s of the national raw
    # suites. A threshold of 0 skips it; results are the same.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("observatory")
    return source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("batch")


_GX_LOCK = threading.Lock()
"""Great Expectations is not thread-safe (its context, datasource and metric caches are shared):
suites run in two threads (see run_suites), so only one validation at a time."""

_WARM_UP: list[threading.Thread] = []


def warm_up_in_background() -> None:
    """Import Great Expectations (seconds) in a thread once new data is being loaded, so the
    suites that will run on it do not wait; a refresh that loads nothing never imports it."""
    if not _WARM_UP:
        thread = threading.Thread(target=_batch_definition, name="gx-import", daemon=True)
        _WARM_UP.append(thread)
        thread.start()


def wait_for_warm_up() -> None:
    """Join the import thread (a daemon thread importing at interpreter exit can crash it)."""
    for thread in _WARM_UP:
        thread.join()


def expectation_class(name: str) -> type:
    """The GX class of a snake-case expectation type (`expect_column_values_to_be_between`)."""
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in name.split("_"))
    found = getattr(gxe, class_name, None)
    if not isinstance(found, type):
        raise ExpectationError(f"{name}: not a Great Expectations expectation")
    return found


def _row_condition(where: Mapping[str, Any], where_not: Mapping[str, Any]) -> Any:
    """`where: {niveau: commune}` as a GX Condition (string conditions are deprecated in GX 1.9)."""
    from great_expectations.expectations.row_conditions import Column

    conditions = []
    for column, value in where.items():
        values = value if isinstance(value, list) else None
        conditions.append(Column(column).is_in(values) if values else Column(column) == value)
    for column, value in where_not.items():
        values = value if isinstance(value, list) else None
        conditions.append(Column(column).is_not_in(values) if values else Column(column) != value)
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


def gx_expectation(spec: ExpectationSpec, kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    where, where_not = kwargs.pop("where", None) or {}, kwargs.pop("where_not", None) or {}
    if where or where_not:
        kwargs["row_condition"] = _row_condition(where, where_not)
    try:
        return expectation_class(spec.expectation)(**kwargs, meta={"check_name": spec.name})
    except ExpectationError:
        raise
    except Exception as exc:  # pydantic's ValidationError from GX: wrong argument names/types
        detail = " ".join(line.strip() for line in str(exc).strip().splitlines()[:3])
        raise ExpectationError(f"{spec.name}: {spec.expectation}({kwargs}): {detail}") from exc


def _validate(
    frame: Any, expectations: list[tuple[ExpectationSpec, dict[str, Any]]], complete: bool = False
) -> dict:
    """Run expectations on one frame; check name -> GX result (`complete`: with the index of
    every unexpected row, to weigh them)."""
    with _GX_LOCK:
        return _validate_locked(frame, expectations, complete)


def _validate_locked(
    frame: Any, expectations: list[tuple[ExpectationSpec, dict[str, Any]]], complete: bool
) -> dict:
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name="observatory", expectations=[gx_expectation(s, k) for s, k in expectations]
    )
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():
        # pandas warns that a regex with groups is not str.extract: GX only tests matches.
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular")
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE" if complete else "SUMMARY",
                "partial_unexpected_count": SAMPLE_SIZE,
            },
        )
    return {r.expectation_config.meta["check_name"]: r for r in result.results}


# --- reading batches --------------------------------------------------------------------------


NUMERIC_SUFFIX = " (nombre)"
"""A text column read as a number for drift totals, beside the text column itself."""


def _frame(
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
    where = "" if millesime is None else f" where millesime = {int(millesime)}"
    return con.execute(f"select {', '.join(select) or 'null as _'} from {table}{where}").df()


def _previous(con: duckdb.DuckDBPyConnection, table: str, millesime: int) -> int | None:
    row = con.execute(
        f"select max(millesime) from {table} where millesime < ?", [millesime]
    ).fetchall()[0]
    return None if row[0] is None else int(row[0])


def _drift_kwargs(
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


# --- running a suite --------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _describe(
    spec: ExpectationSpec, result: Any, kwargs: dict[str, Any], before: Any, previous: int | None
) -> tuple[str, int | None, list[Any], Any]:
    """What went wrong, in words: (message, unexpected count, sample, observed value)."""
    details = result.result or {}
    observed = _jsonable(details.get("observed_value"))
    count = details.get("unexpected_count")
    sample = _jsonable(details.get("partial_unexpected_list") or [])
    exception = (result.exception_info or {}) if hasattr(result, "exception_info") else {}
    if exception.get("raised_exception"):
        text = str(exception.get("exception_message") or "the expectation raised an error")
        return f"could not be evaluated: {text.splitlines()[0]}", None, [], None
    if spec.drift == "keys":
        missing = sorted(set(kwargs["value_set"]) - set(observed or []))
        return (
            f"{len(missing)} value(s) present in millésime {previous} are missing: "
            f"{', '.join(map(str, missing[:SAMPLE_SIZE]))}",
            len(missing),
            missing[:SAMPLE_SIZE],
            len(observed or []),
        )
    if spec.drift in ("rows", "sum"):
        what = "rows" if spec.drift == "rows" else f"total {observed}"
        shown = observed if spec.drift == "rows" else ""
        return (
            f"{shown} {what} against {before} in millésime {previous} (allowed "
            f"{kwargs['min_value']:g} to {kwargs['max_value']:g})".strip(),
            None,
            [],
            observed,
        )
    if spec.expectation == "expect_table_columns_to_match_set":
        missing = sorted(set(kwargs["column_set"]) - set(observed or []))
        return f"missing column(s): {', '.join(missing)}", len(missing), missing, observed
    if count is not None:
        total = details.get("element_count")
        examples = ", ".join(repr(v) for v in sample[:SAMPLE_SIZE])
        return (
            f"{count} of {total} row(s) fail {spec.expectation}"
            + (f" (e.g. {examples})" if examples else ""),
            int(count),
            sample,
            observed,
        )
    return f"observed {observed}", None, [], observed


def _table_version(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]
) -> str | None:
    """What the pipeline built a table from: a model's fingerprint (its SQL and inputs, in
    meta.modeles), or `ingestions` for a raw table (its rows carry their ingestion_id)."""
    if table_exists(con, "meta.modeles"):
        row = con.execute(
            "select fingerprint from meta.modeles where table_name = ?", [table]
        ).fetchall()
        if row:
            return f"model {row[0][0]}"
    return "ingestions" if "ingestion_id" in columns else None


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
            _outcome(
                suite,
                s,
                None,
                False,
                f"{suite.dataset}: {suite.table} does not exist: build it first",
                engine="not evaluated",
            )
            for s in suite.expectations
        ]
    version = _table_version(con, suite.table, columns) if trust_versions else None
    stored = stored_results(con, suite.table)
    schema = [(s, dict(s.kwargs), None, None) for s in suite.expectations if _is_schema(s)]
    outcomes = _evaluate_cached(
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
        batches = [
            int(r[0])
            for r in con.execute(
                f"select distinct millesime from {suite.table} order by 1"
            ).fetchall()
        ]
    for millesime in batches:
        outcomes.extend(_run_batch(con, suite, columns, millesime, version, stored))
    reported = {o.check_name for o in outcomes}
    for spec in suite.expectations:
        if spec.name not in reported:  # drift on the first millésime, or an empty table
            why = "no previous millésime to compare with" if spec.drift else "no rows to check"
            outcomes.append(
                _outcome(
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


Planned = tuple[ExpectationSpec, dict[str, Any], Any, int | None]


def _run_batch(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    columns: list[str],
    millesime: int | None,
    version: str | None = None,
    stored: Stored | None = None,
) -> list[Outcome]:
    """The row-level expectations of one batch, in one GX validation on one frame."""
    planned: list[Planned] = []
    for spec in suite.expectations:
        if _is_schema(spec):
            continue
        kwargs, before, previous = dict(spec.kwargs), None, None
        if spec.drift:
            if millesime is None:
                continue
            previous = _previous(con, suite.table, millesime)
            if previous is None:
                continue
            kwargs, before = _drift_kwargs(con, suite.table, spec, previous)
            if spec.drift == "sum":
                kwargs["column"] = spec.kwargs["column"] + NUMERIC_SUFFIX
        planned.append((spec, kwargs, before, previous))
    if not planned:
        return []
    outcomes: list[Outcome] = []
    scans: dict[str, tuple] = {}
    by_columns: dict[tuple[str, ...], list[Planned]] = {}
    rest: list[Planned] = []
    for item in planned:
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
        content = _content_hash(con, suite.table, group_columns, millesime, version, scans)
        if content.startswith("0:") and millesime is None:
            continue  # an empty table: nothing to check
        outcomes.extend(
            _evaluate_cached(
                con,
                suite,
                lambda c=group_columns: _distinct_frame(con, suite.table, c, millesime),
                items,
                millesime,
                content,
                stored,
            )
        )
    unique = [item for item in rest if item[0].expectation in UNIQUE_EXPECTATIONS]
    if unique:
        rows = con.execute(
            f"select count(*) from {suite.table}"
            + ("" if millesime is None else f" where millesime = {int(millesime)}")
        ).fetchall()[0][0]
        if rows > LARGE_BATCH_ROWS:
            # Uniqueness is the one expectation that needs every row at once: on a large batch
            # DuckDB counts the duplicates (same verdict and count) instead of a pandas frame.
            rest = [item for item in rest if item not in unique]
            for spec, kwargs, *_ in unique:
                keys = list(spec.kwargs.get("column_list") or [spec.kwargs["column"]])
                content = _content_hash(con, suite.table, keys, millesime, version, scans)
                fingerprint = _fingerprint(spec, kwargs, content)
                known = cached_results(con, suite.table, millesime, [fingerprint], stored)
                if fingerprint in known:
                    outcomes.append(
                        _stored_outcome(suite, spec, millesime, fingerprint, known[fingerprint])
                    )
                    continue
                outcome = _duplicates(con, suite, spec, millesime, int(rows))
                outcome.fingerprint = fingerprint
                outcomes.append(outcome)
    if rest:
        used = {c for spec, *_ in rest if spec.drift != "sum" for c in spec.columns_used()}
        numeric = sorted({spec.kwargs["column"] for spec, *_ in rest if spec.drift == "sum"})
        selected = sorted(used & set(columns))
        content = _content_hash(con, suite.table, [*selected, *numeric], millesime, version, scans)
        if not (content.startswith("0:") and millesime is None):
            outcomes.extend(
                _evaluate_cached(
                    con,
                    suite,
                    lambda: _frame(con, suite.table, selected, numeric, millesime),
                    rest,
                    millesime,
                    content,
                    stored,
                )
            )
    order = {spec.name: i for i, (spec, *_) in enumerate(planned)}
    return sorted(outcomes, key=lambda o: order[o.check_name])


def _duplicates(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    spec: ExpectationSpec,
    millesime: int | None,
    rows: int,
) -> Outcome:
    """A uniqueness expectation evaluated by DuckDB: rows sharing their key with another row."""
    keys = list(spec.kwargs.get("column_list") or [spec.kwargs["column"]])
    select = ", ".join(quote_identifier(k) for k in keys)
    where = "" if millesime is None else f" where millesime = {int(millesime)}"
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
            dict(zip(keys, map(_jsonable, r[:-1]), strict=True))
            for r in con.execute(f"{duplicates} limit {SAMPLE_SIZE}").fetchall()
        ]
    where_text = suite.dataset + (f" {millesime}" if millesime is not None else "")
    message = f"{where_text}, column {spec.column}: {spec.name}: " + (
        "ok" if not count else f"{count} of {rows} row(s) share their key (e.g. {sample[:2]})"
    )
    return _outcome(
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


def _distinct_frame(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], millesime: int | None
) -> Any:
    """The distinct combinations of the columns in one batch, with their row counts (`ROWS`)."""
    select = ", ".join(quote_identifier(c) for c in columns)
    where = "" if millesime is None else f" where millesime = {int(millesime)}"
    return con.execute(f"select {select}, count(*) as {ROWS} from {table}{where} group by all").df()


def _content_hash(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    millesime: int | None,
    version: str | None = None,
    scans: dict[str, tuple] | None = None,
) -> str:
    """Rows and an order-independent hash of the columns a batch is checked on (one scan).
    With a table version (see run_suite) the hash is of the ingestion ids, or none at all for
    a model, and the columns are named instead. `scans`: results of this batch's scans by
    query, so that the same scan (with a version it does not depend on the columns) runs once
    per batch, not once per group of expectations."""
    where = "" if millesime is None else f" where millesime = {int(millesime)}"
    values = ", ".join(quote_identifier(c) for c in columns) or "1"
    if version == "ingestions":
        values = "ingestion_id"
    elif version is not None:
        values = "null"
    query = f"select count(*), coalesce(sum(hash({values})), 0)::varchar from {table}{where}"
    if scans is not None and query in scans:
        row = scans[query]
    else:
        row = con.execute(query).fetchall()[0]
        if scans is not None:
            scans[query] = row
    named = "" if version is None else f":{version}:{','.join(columns)}"
    return f"{row[0]}:{row[1]}{named}"


def _fingerprint(spec: ExpectationSpec, kwargs: dict[str, Any], content: str) -> str:
    """What a result depends on: the expectation, its arguments (drift bounds included), and the
    content of the batch. Equal fingerprints give equal results."""
    text = json.dumps(
        [spec.name, spec.expectation, spec.severity, _jsonable(kwargs), content], sort_keys=True
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


Stored = dict[tuple[int | None, str], tuple]
"""Stored results of one table by (millésime, fingerprint), see stored_results."""


def stored_results(con: duckdb.DuckDBPyConnection, table: str) -> Stored:
    """The latest stored result of every fingerprint of one table, all its batches: read once
    per suite, where a refresh would otherwise query the results table once per group of
    expectations of each batch (some 200 queries of 8 ms in a national no-op)."""
    if not table_exists(con, RESULTS_TABLE):
        return {}
    rows = con.execute(
        f"""
        select millesime, fingerprint, success, unexpected_count, unexpected_sample,
            observed_value, message, run_id
        from {RESULTS_TABLE}
        where table_name = ? and fingerprint is not null
        qualify row_number() over (partition by millesime, fingerprint
                                   order by checked_at desc) = 1
        """,
        [table],
    ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def cached_results(
    con: duckdb.DuckDBPyConnection,
    table: str,
    millesime: int | None,
    fingerprints: list[str],
    stored: Stored | None = None,
) -> dict[str, tuple]:
    """The latest stored result of each fingerprint (this table and batch), if any, from
    `stored` when the suite read its table's results already."""
    if stored is None:
        stored = stored_results(con, table) if fingerprints else {}
    return {f: stored[(millesime, f)] for f in fingerprints if (millesime, f) in stored}


def _stored_outcome(
    suite: Suite, spec: ExpectationSpec, millesime: int | None, fingerprint: str, stored: tuple
) -> Outcome:
    """A result found in meta.validation_results under the same fingerprint."""
    success, count, sample, observed, message, run_id = stored
    return _outcome(
        suite,
        spec,
        millesime,
        bool(success),
        message,
        count,
        json.loads(sample) if sample else [],
        json.loads(observed) if observed else None,
        engine=f"unchanged since {run_id}",
        fingerprint=fingerprint,
    )


def _evaluate_cached(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    frame: Callable[[], Any],
    planned: list[Planned],
    millesime: int | None,
    content: str,
    stored: Stored | None = None,
) -> list[Outcome]:
    """Reuse the stored result of every expectation whose fingerprint is unchanged (a no-op
    refresh runs no Great Expectations at all); evaluate the others on the batch's frame."""
    if not planned:
        return []
    prints = [_fingerprint(spec, kwargs, content) for spec, kwargs, _, _ in planned]
    known = cached_results(con, suite.table, millesime, prints, stored)
    outcomes: list[Outcome] = []
    missing = [(item, fp) for item, fp in zip(planned, prints, strict=True) if fp not in known]
    for (spec, *_), fp in zip(planned, prints, strict=True):
        if fp in known:
            outcomes.append(_stored_outcome(suite, spec, millesime, fp, known[fp]))
    if missing:
        evaluated = _evaluate(suite, frame(), [item for item, _ in missing], millesime)
        for outcome, (_, fp) in zip(evaluated, missing, strict=True):
            outcome.fingerprint = fp
        outcomes.extend(evaluated)
    order = {spec.name: i for i, (spec, *_) in enumerate(planned)}
    return sorted(outcomes, key=lambda o: order[o.check_name])


def _evaluate(
    suite: Suite, frame: Any, planned: list[Planned], millesime: int | None
) -> list[Outcome]:
    """One GX validation of the planned expectations on the frame. A frame of distinct values
    carries their row counts in `ROWS` (see _run_batch): unexpected counts are weighed by them."""
    if not planned:
        return []
    weights = frame.pop(ROWS).to_numpy() if ROWS in frame.columns else None
    results = _validate(
        frame, [(spec, kwargs) for spec, kwargs, _, _ in planned], complete=weights is not None
    )
    outcomes = []
    for spec, kwargs, before, previous in planned:
        result = results[spec.name]
        message, count, sample, observed = _describe(spec, result, kwargs, before, previous)
        if weights is not None and count is not None:
            rows = [int(i) for i in (result.result or {}).get("unexpected_index_list") or []]
            count = int(weights[rows].sum()) if rows else 0
            examples = ", ".join(repr(v) for v in sample[:SAMPLE_SIZE])
            message = f"{count} of {int(weights.sum())} row(s) fail {spec.expectation}" + (
                f" (e.g. {examples})" if examples else ""
            )
        where = suite.dataset + (f" {millesime}" if millesime is not None else "")
        column = f", column {spec.column}" if spec.column else ""
        outcomes.append(
            _outcome(
                suite,
                spec,
                millesime,
                bool(result.success),
                f"{where}{column}: {spec.name}: " + ("ok" if result.success else message),
                count,
                sample if not result.success else [],
                observed,
            )
        )
    return outcomes


# --- results in the warehouse, and the HTML report --------------------------------------------


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    if table_exists(con, RESULTS_TABLE):
        # an older warehouse may lack the column; nothing else to do (no catalog write)
        con.execute(f"alter table {RESULTS_TABLE} add column if not exists fingerprint varchar")
        return
    con.execute(
        f"""
        create table if not exists {RESULTS_TABLE} (
            run_id varchar, checked_at timestamp, dataset varchar, table_name varchar,
            millesime integer, check_name varchar, expectation varchar, column_name varchar,
            severity varchar, success boolean, unexpected_count bigint,
            unexpected_sample varchar, observed_value varchar, message varchar, engine varchar,
            fingerprint varchar
        )
        """
    )
    con.execute(
        f"comment on table {RESULTS_TABLE} is 'Every validation result of every run: one row "
        "per run x table x millésime x expectation. Grain: run_id x table_name x millesime x "
        "check_name.'"
    )


def record(con: duckdb.DuckDBPyConnection, run_id: str, outcomes: Iterable[Outcome]) -> None:
    ensure_results_table(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        [
            run_id,
            now,
            o.dataset,
            o.table,
            o.millesime,
            o.check_name,
            o.expectation,
            o.column,
            o.severity,
            o.success,
            o.unexpected_count,
            json.dumps(_jsonable(o.sample), ensure_ascii=False),
            _bounded_json(o.observed),
            o.message,
            o.engine,
            o.fingerprint,
        ]
        for o in outcomes
    ]
    # One statement per 500 results: executemany runs one insert per row, which cost a no-op
    # refresh of France 1.4 s for its 600 results.
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(" + ", ".join(["?"] * len(row)) + ")" for row in chunk])
        con.execute(
            f"insert into {RESULTS_TABLE} values {values}",
            [value for row in chunk for value in row],
        )


def _bounded_json(value: Any, limit: int = 2000) -> str:
    """JSON of an observed value, replaced by a JSON string of its start when too long."""
    text = json.dumps(_jsonable(value), ensure_ascii=False)
    return text if len(text) <= limit else json.dumps(text[:limit] + "…", ensure_ascii=False)


def report_path(settings: Settings, run_id: str) -> Path:
    return settings.warehouse_dir / "validation" / f"{run_id}.html"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2733}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #d9dee4;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}.ok{color:#1a7f37}.fail{color:#b42318;font-weight:600}
.warn{color:#b54708;font-weight:600}.summary span{margin-right:1.5rem}
code{font-size:.85rem}
"""


def write_report(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> Path:
    """The run's results as one self-contained HTML page (failures first)."""
    rows = con.execute(
        f"""
        select dataset, millesime, check_name, expectation, column_name, severity, success,
            unexpected_count, unexpected_sample, message, engine, checked_at
        from {RESULTS_TABLE} where run_id = ?
        order by success, severity, dataset, millesime nulls first, check_name
        """,
        [run_id],
    ).fetchall()
    failed = sum(1 for r in rows if not r[6] and r[5] == "error")
    warned = sum(1 for r in rows if not r[6] and r[5] == "warn")
    body = []
    for (
        dataset,
        millesime,
        check,
        expectation,
        column,
        severity,
        success,
        count,
        sample,
        message,
        engine,
        _,
    ) in rows:
        status = (
            ("ok", "passed")
            if success
            else (("fail", "FAILED") if severity == "error" else ("warn", "WARNING"))
        )
        cells = [
            dataset,
            "" if millesime is None else str(millesime),
            check,
            f"<code>{html.escape(expectation)}</code>",
            column or "",
            severity,
            f'<span class="{status[0]}">{status[1]}</span>',
            "" if count is None else str(count),
            html.escape(sample if sample not in ("[]", "null") else ""),
            html.escape(message),
            engine,
        ]
        body.append(
            "<tr>"
            + "".join(
                f"<td>{c}</td>" if i in (3, 6, 8, 9) else f"<td>{html.escape(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    page = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Validation {html.escape(run_id)}</title>
<style>{_STYLE}</style></head><body>
<h1>Validation report</h1>
<p>Run <code>{html.escape(run_id)}</code>, {len(rows)} results, written
{datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}. Blocking failures stop publication; the
previous published edition stays.</p>
<p class="summary"><span class="ok">{len(rows) - failed - warned} passed</span>
<span class="fail">{failed} failed (blocking)</span><span class="warn">{warned} warnings</span></p>
<table><thead><tr><th>dataset / table</th><th>millésime</th><th>check</th><th>expectation</th>
<th>column</th><th>severity</th><th>result</th><th>unexpected</th><th>sample</th><th>message</th>
<th>engine</th></tr></thead><tbody>
{"".join(body)}
</tbody></table></body></html>
"""
    path = report_path(settings, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(path)
    return path
