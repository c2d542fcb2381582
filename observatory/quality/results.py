"""The results store, `meta.validation_results`: every result of every run, and the result cache.

Each result is kept with a fingerprint of what it depends on (the expectation, its arguments,
the content of the batch). A later run that finds the same fingerprint reuses the stored result
instead of evaluating again, so a refresh that changed nothing runs no Great Expectations at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb

from observatory.quality.outcomes import Outcome, jsonable
from observatory.quality.suites import ExpectationSpec
from observatory.state import json_fingerprint
from observatory.warehouse import latest_validation_results, record_validation_results

Stored = dict[tuple[int | None, str], tuple]
"""Stored results of one table by (millésime, fingerprint), see stored_results."""


def record(con: duckdb.DuckDBPyConnection, run_id: str, outcomes: Iterable[Outcome]) -> None:
    """Append the outcomes of a run to the results table."""
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
            json.dumps(jsonable(o.sample), ensure_ascii=False),
            _bounded_json(o.observed),
            o.message,
            o.engine,
            o.fingerprint,
        ]
        for o in outcomes
    ]
    record_validation_results(con, rows)


def _bounded_json(value: Any, limit: int = 2000) -> str:
    """JSON of an observed value, replaced by a JSON string of its start when too long."""
    text = json.dumps(jsonable(value), ensure_ascii=False)
    return text if len(text) <= limit else json.dumps(text[:limit] + "…", ensure_ascii=False)


def result_fingerprint(spec: ExpectationSpec, kwargs: dict[str, Any], content: str) -> str:
    """What a result depends on: the expectation, its arguments (drift bounds included), and the
    content of the batch. Equal fingerprints give equal results."""
    return json_fingerprint(spec.name, spec.expectation, spec.severity, jsonable(kwargs), content)


def stored_results(con: duckdb.DuckDBPyConnection, table: str) -> Stored:
    """The latest stored result of every fingerprint of one table, all its batches: read once
    per suite, where a refresh would otherwise query the results table once per group of
    expectations of each batch."""
    rows = latest_validation_results(con, table)
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


def reused_outcome(stored: tuple, fingerprint: str, outcome: Callable[..., Outcome]) -> Outcome:
    """A result found in the results table under the same fingerprint, made into an outcome by
    `outcome(success, message, count, sample, observed, **named)` (the check's own maker)."""
    success, count, sample, observed, message, run_id = stored
    return outcome(
        bool(success),
        message,
        count,
        json.loads(sample) if sample else [],
        json.loads(observed) if observed else None,
        engine=f"unchanged since {run_id}",
        fingerprint=fingerprint,
    )
