"""Expectations evaluated on one batch's frame by Great Expectations, or reused from the store.

A group of expectations planned for one batch is fingerprinted first: those whose fingerprint is
stored are reused (results.py), the others run in one GX validation on the batch's frame, read
only then. GX's results are put into words here: the message names the dataset, the millésime,
the column and a few offending values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import duckdb

from observatory.quality.batches import ROWS
from observatory.quality.drift import describe_drift
from observatory.quality.gx import validate_frame
from observatory.quality.outcomes import SAMPLE_SIZE, Outcome, jsonable, suite_outcome
from observatory.quality.results import (
    Stored,
    cached_results,
    result_fingerprint,
    reused_outcome,
)
from observatory.quality.suites import ExpectationSpec, Suite

Planned = tuple[ExpectationSpec, dict[str, Any], Any, int | None]
"""An expectation planned on one batch: its spec, its arguments for this batch, and for drift
what the previous millésime had and which one it was."""


def describe(
    spec: ExpectationSpec, result: Any, kwargs: dict[str, Any], before: Any, previous: int | None
) -> tuple[str, int | None, list[Any], Any]:
    """What went wrong, in words: (message, unexpected count, sample, observed value)."""
    details = result.result or {}
    observed = jsonable(details.get("observed_value"))
    count = details.get("unexpected_count")
    sample = jsonable(details.get("partial_unexpected_list") or [])
    exception = (result.exception_info or {}) if hasattr(result, "exception_info") else {}
    if exception.get("raised_exception"):
        text = str(exception.get("exception_message") or "the expectation raised an error")
        return f"could not be evaluated: {text.splitlines()[0]}", None, [], None
    if spec.drift:
        return describe_drift(spec, kwargs, observed, before, previous)
    if spec.expectation == "expect_table_columns_to_match_set":
        missing = sorted(set(kwargs["column_set"]) - set(observed or []))
        return f"missing column(s): {', '.join(missing)}", len(missing), missing, observed
    if count is not None:
        total = details.get("element_count")
        return _failing_rows(spec, int(count), total, sample), int(count), sample, observed
    return f"observed {observed}", None, [], observed


def _failing_rows(spec: ExpectationSpec, count: int, total: Any, sample: list[Any]) -> str:
    examples = ", ".join(repr(v) for v in sample[:SAMPLE_SIZE])
    return f"{count} of {total} row(s) fail {spec.expectation}" + (
        f" (e.g. {examples})" if examples else ""
    )


def evaluate(
    suite: Suite, frame: Any, planned: list[Planned], millesime: int | None
) -> list[Outcome]:
    """One GX validation of the planned expectations on the frame. A frame of distinct values
    carries their row counts in `ROWS` (see runner): unexpected counts are weighed by them."""
    if not planned:
        return []
    weights = frame.pop(ROWS).to_numpy() if ROWS in frame.columns else None
    results = validate_frame(
        frame, [(spec, kwargs) for spec, kwargs, _, _ in planned], complete=weights is not None
    )
    outcomes = []
    for spec, kwargs, before, previous in planned:
        result = results[spec.name]
        message, count, sample, observed = describe(spec, result, kwargs, before, previous)
        if weights is not None and count is not None:
            rows = [int(i) for i in (result.result or {}).get("unexpected_index_list") or []]
            count = int(weights[rows].sum()) if rows else 0
            message = _failing_rows(spec, count, int(weights.sum()), sample)
        where = suite.dataset + (f" {millesime}" if millesime is not None else "")
        column = f", column {spec.column}" if spec.column else ""
        outcomes.append(
            suite_outcome(
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


def evaluate_cached(
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
    prints = [result_fingerprint(spec, kwargs, content) for spec, kwargs, _, _ in planned]
    known = cached_results(con, suite.table, millesime, prints, stored)
    outcomes: list[Outcome] = []
    missing = [(item, fp) for item, fp in zip(planned, prints, strict=True) if fp not in known]
    for (spec, *_), fp in zip(planned, prints, strict=True):
        if fp in known:
            outcomes.append(reused_outcome(known[fp], fp, stored_maker(suite, spec, millesime)))
    if missing:
        evaluated = evaluate(suite, frame(), [item for item, _ in missing], millesime)
        for outcome, (_, fp) in zip(evaluated, missing, strict=True):
            outcome.fingerprint = fp
        outcomes.extend(evaluated)
    return in_planned_order(outcomes, planned)


def stored_maker(
    suite: Suite, spec: ExpectationSpec, millesime: int | None
) -> Callable[..., Outcome]:
    """The maker of this expectation's outcomes on this batch, for reused_outcome."""
    return functools.partial(suite_outcome, suite, spec, millesime)


def in_planned_order(outcomes: list[Outcome], planned: list[Planned]) -> list[Outcome]:
    """Outcomes in the order their expectations were planned (the suite's order)."""
    order = {spec.name: i for i, (spec, *_) in enumerate(planned)}
    return sorted(outcomes, key=lambda o: order[o.check_name])
