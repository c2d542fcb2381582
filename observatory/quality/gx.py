"""The Great Expectations adapter: one ephemeral context per process, one frame validated at a time.

GX runs on pandas frames read from DuckDB (its SQL datasource silently fails every expectation on
DuckDB, see ../shared/reference/stack_notes.md). It is imported lazily: it takes seconds, so a
command that validates nothing never pays for it, and a build starts importing it in a thread as
soon as new rows are loaded (warm_up_in_background). GX is not thread-safe: every validation
goes through one lock.
"""

from __future__ import annotations

import functools
import importlib
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from observatory.quality.outcomes import SAMPLE_SIZE
from observatory.quality.suites import ExpectationError, ExpectationSpec

Expectations = list[tuple[ExpectationSpec, dict[str, Any]]]
"""Expectations to validate together, each with its arguments for this batch (drift bounds)."""


@functools.lru_cache(maxsize=1)
def _batch_definition() -> Any:
    """One ephemeral GX context per process, with a pandas datasource fed a frame per batch."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame under HASH_THRESHOLD bytes (an md5 of pandas' row hashes, a
    # batch marker nothing here reads), twice per validation: a large share of the raw suites'
    # time (docs/benchmarks.md). A threshold of 0 skips it; results are the same.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("observatory")
    return source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("batch")


_GX_LOCK = threading.Lock()
"""Great Expectations is not thread-safe (its context, datasource and metric caches are shared):
suites run in two threads (see runner.run_suites), so only one validation at a time."""

_WARM_UP: list[threading.Thread] = []


SHARED_WITH_DAGSTER = ("sqlalchemy", "sqlalchemy.orm")
"""Modules both Great Expectations (at import) and Dagster's run storage (while a step runs:
SQLAlchemy's lazily "preloaded" ORM modules) import. SQLAlchemy's packages import each other in
a cycle; when two threads import them at once, Python's import-lock deadlock detection hands one
of them a partially initialised module ("partially initialized module 'sqlalchemy.orm.exc' has
no attribute 'UnmappedClassError'"), which failed a step of a build in CI once."""


def _import_shared_modules() -> None:
    """Import SHARED_WITH_DAGSTER in the calling thread (about 0.1 s) before the warm-up
    thread starts, so no two threads ever import them at the same time."""
    for name in SHARED_WITH_DAGSTER:
        importlib.import_module(name)


def warm_up_in_background() -> None:
    """Import Great Expectations (seconds) in a thread once new data is being loaded, so the
    suites that will run on it do not wait; a refresh that loads nothing never imports it."""
    if not _WARM_UP:
        _import_shared_modules()
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
    """The GX expectation of a spec with these arguments; a declaration GX refuses (unknown
    type, wrong argument names or types) is an ExpectationError naming the check."""
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


def validate_frame(frame: Any, expectations: Expectations, complete: bool = False) -> dict:
    """Run expectations on one frame; check name -> GX result (`complete`: with the index of
    every unexpected row, to weigh them)."""
    with _GX_LOCK:
        return _validate_locked(frame, expectations, complete)


def _validate_locked(frame: Any, expectations: Expectations, complete: bool) -> dict:
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
