"""What a check found, in one shape for every engine (Great Expectations, DuckDB, SQL checks,
ingestion refusals), so that one results table, one report and one Dagster adapter serve them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from observatory.quality.suites import ExpectationSpec, Suite

SAMPLE_SIZE = 5
"""How many offending values or rows an outcome keeps as examples."""


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


def suite_outcome(
    suite: Suite,
    spec: ExpectationSpec,
    millesime: int | None,
    success: bool,
    message: str,
    *details: Any,
    **named: Any,
) -> Outcome:
    """An outcome of one expectation of a suite on one batch (details: unexpected count,
    sample, observed value, as in Outcome)."""
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


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: NaN as null, containers element by element, anything else
    that is not a JSON scalar (dates, decimals) as its text."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)
