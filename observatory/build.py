"""Plan and run one build: what to skip, what to run, what came out; one summary.

The command line (`observatory build`), the tests and Dagster's own runs all build the same way.
Planning happens on the engine's graph of tables (models.project): a dataset without input in
the active source mode is skipped, with what reads only it, and SQL models reading only missing
sources are built empty. Running is delegated to a `Runner`: this module knows nothing of the
orchestrator (observatory.defs.execution runs the selection as one in-process Dagster job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from observatory.catalog import CatalogError
from observatory.fetch import FetchError
from observatory.ingest import IngestError
from observatory.ingest.inputs import planned_inputs
from observatory.ingest.territoires import CustomTerritoriesError
from observatory.models import ModelError
from observatory.models.project import PUBLICATION, Project, load_project
from observatory.publish import PublicationError
from observatory.quality.gx import wait_for_warm_up
from observatory.quality.report import report_path
from observatory.quality.suites import ExpectationError
from observatory.settings import Settings, SettingsError
from observatory.warehouse import (
    WarehouseBusyError,
    WarehouseDamagedError,
    forget_models,
    table_exists,
    writer,
)

SQL_SCHEMAS = ("staging", "intermediate", "quarantine", "marts")

ENGINE_ERRORS: tuple[type[Exception], ...] = (
    CustomTerritoriesError,
    CatalogError,
    IngestError,
    SettingsError,
    FetchError,
    ModelError,
    ExpectationError,
    WarehouseBusyError,
    WarehouseDamagedError,
    PublicationError,
    FileNotFoundError,
)
"""Errors the user can fix (a setting, a file, a catalog entry): one line, never a traceback."""


@dataclass(frozen=True)
class CheckResult:
    table: str
    name: str
    passed: bool
    blocking: bool
    message: str = ""

    @property
    def label(self) -> str:
        return f"{self.table}: {self.name}"


@dataclass
class RunResult:
    """What a runner reports of one run."""

    run_id: str
    success: bool
    tables: list[tuple[str, int, bool | None]] = field(default_factory=list)
    """(table, rows, rebuilt): `rebuilt` is False for a model kept as it was, None when the
    step does not say (ingestion, seeds, publication)."""
    checks: list[CheckResult] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    """The user's error behind each failed step, one line each (blocking checks left out)."""


@dataclass(frozen=True)
class StepEvent:
    """A step of a run starting or finishing, reported while the run goes on.

    A national build runs for minutes: the command line shows where it is from these events
    (observatory.cli.progress), which the runner derives from the same stream as its
    `step_seconds`, so the seconds shown and the ones `--timings` writes agree."""

    step: str
    stage: str
    """What the step does: ingest, seeds, models, checks or publish."""
    status: str
    """started, progress (one more of its tables or checks done), succeeded, failed or skipped."""
    total: int
    """How many steps the run executes."""
    stage_total: int
    """How many of them are of this step's stage."""
    seconds: float | None = None
    """Wall seconds of a finished step."""
    detail: str = ""
    """Of a `progress` event: the table built or the check run (one step builds every model)."""

    @property
    def finished(self) -> bool:
        return self.status not in ("started", "progress")


Progress = Callable[[StepEvent], None]
"""Where a runner reports its steps (the command line renders them; nothing reports when None)."""


class Runner(Protocol):
    """Runs a selection of tables (assets) with their checks: the orchestrator's side."""

    def select(self, selection: str | None) -> set[str]:
        """The tables a selection names (everything when None); ModelError when malformed."""
        ...

    def run(self, tables: set[str], progress: Progress | None = None) -> RunResult: ...


@dataclass
class BuildSummary:
    success: bool
    tables: list[tuple[str, int]] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)
    published: Path | None = None
    failure: str = ""
    report: Path | None = None
    step_seconds: dict[str, float] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed checks that do not block (published and reported)."""
        return [c for c in self.checks if not c.passed and not c.blocking]

    @property
    def failed_checks(self) -> list[CheckResult]:
        """Failed blocking checks: what they guard is not published."""
        return [c for c in self.checks if not c.passed and c.blocking]


@dataclass
class Plan:
    """What a build leaves out in the active source mode, and why."""

    skipped: dict[str, str] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table_exists(con, table) and bool(
        con.execute(f"select exists (select 1 from {table})").fetchall()[0][0]
    )


def plan(settings: Settings, project: Project, con: duckdb.DuckDBPyConnection) -> Plan:
    """Datasets without input in the active mode, and what reads only them.

    SQL models always run (a source without input is an empty table, so a model reading
    several sources builds with those it has); those reading only missing sources are reported
    as built empty. Other tables reading only missing sources are skipped."""
    result = Plan()
    without_table: set[str] = set()
    for dataset in project.catalog:
        items, _missing = planned_inputs(settings, dataset)
        if items:
            continue
        table = dataset.target_table
        result.blocked.add(table)
        if _has_rows(con, table):
            result.skipped[table] = (
                f"no input in source mode {settings.source!r}; kept the rows already loaded"
            )
        else:
            without_table.add(table)
            result.skipped[table] = f"no input in source mode {settings.source!r}"
    if without_table:
        sources = {d.target_table for d in project.catalog}
        for table in sorted(project.downstream(without_table) - sources):
            upstream = project.upstream_closure(table) & sources
            if table == PUBLICATION or not upstream <= without_table:
                continue
            if table.split(".")[0] in SQL_SCHEMAS:
                result.empty[table] = "reads only datasets without input"
            else:
                result.blocked.add(table)
    return result


def build(
    settings: Settings,
    runner: Runner,
    select: str | None = None,
    *,
    full_refresh: bool = False,
    project: Project | None = None,
    progress: Progress | None = None,
) -> BuildSummary:
    """Materialize the selection; leave out what has no input in the active mode; report each
    step to `progress` as it starts and finishes."""
    project = project or load_project(settings)
    requested = runner.select(select)
    summary = BuildSummary(success=False)
    with writer(settings) as con:
        if full_refresh:
            forget_models(con)
        planned = plan(settings, project, con)
    summary.skipped = dict(planned.skipped)
    summary.empty = planned.empty
    for table in sorted(planned.blocked & requested):
        summary.skipped.setdefault(table, "reads only datasets without input")
    tables = requested - planned.blocked
    if not tables:
        summary.failure = "nothing to build in this source mode"
        return summary
    try:
        with writer(settings):  # one connection and one lock for every step of the run
            result = runner.run(tables, progress)
    finally:
        wait_for_warm_up()
    return summarise(settings, result, summary)


def summarise(settings: Settings, result: RunResult, summary: BuildSummary) -> BuildSummary:
    """The tables, checks and failures of a run, in the summary the CLI prints."""
    summary.step_seconds = result.step_seconds
    for table, rows, rebuilt in result.tables:
        summary.tables.append((table, rows))
        if rebuilt is False:
            summary.unchanged.append(table)
        if table == PUBLICATION:
            summary.published = settings.published_path
    report = report_path(settings, result.run_id)
    summary.report = report if report.is_file() else None
    summary.checks = list(result.checks)
    failed = summary.failed_checks
    summary.success = result.success and not failed
    if not result.success:
        failures = list(result.failures)
        if failed:
            failures.append("blocking check(s) failed: " + "; ".join(_described(failed)))
        summary.failure = "; ".join(failures) if failures else "the run failed"
    elif failed:
        summary.failure = "check(s) failed: " + ", ".join(c.label for c in failed)
    return summary


def _described(checks: Iterable[CheckResult]) -> list[str]:
    return [f"{c.label} ({c.message})" if c.message else c.label for c in checks]
