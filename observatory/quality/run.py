"""Checks run, recorded and reported: a build's check steps, and `observatory validate`.

Each takes plain arguments (settings, suites or SQL checks, a run id) and returns plain
outcomes with the path of the run's report; the Dagster asset checks (observatory/defs/
checks.py) turn them into check results, the command line prints them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from observatory.quality.outcomes import Outcome
from observatory.quality.plan import select_validations, validation_plan
from observatory.quality.report import write_report
from observatory.quality.results import record
from observatory.quality.runner import run_suites
from observatory.quality.sql_checks import SqlCheck, run_sql_check
from observatory.quality.suites import Suite
from observatory.settings import Settings
from observatory.state import warehouse_token
from observatory.warehouse import writer


@dataclass(frozen=True)
class SuitesChecked:
    """A build's check step of suites: each suite run, with its outcomes, and the report."""

    suites: list[tuple[Suite, list[Outcome]]]
    report: Path


@dataclass(frozen=True)
class SqlChecked:
    """A build's check step of SQL checks: one outcome per check, in order, and the report."""

    outcomes: list[Outcome]
    report: Path


def check_suites(settings: Settings, suites: Sequence[Suite], run_id: str) -> SuitesChecked:
    """Run the suites of a build (those with expectations; batches identified by what built
    them), record each suite's outcomes as it finishes, and write the run's report."""
    done: list[tuple[Suite, list[Outcome]]] = []
    with writer(settings) as con:
        wanted = [s for s in suites if s.expectations]
        for suite, outcomes in run_suites(con, wanted, trust_versions=True):
            record(con, run_id, outcomes)
            done.append((suite, outcomes))
        report = write_report(con, settings, run_id)
    return SuitesChecked(done, report)


def check_sql(settings: Settings, checks: Sequence[SqlCheck], run_id: str) -> SqlChecked:
    """Run the SQL checks of a build (reused when nothing was rebuilt or loaded since), record
    them, and write the run's report."""
    with writer(settings) as con:
        token = warehouse_token(con)
        outcomes = [run_sql_check(con, check, token=token) for check in checks]
        record(con, run_id, outcomes)
        report = write_report(con, settings, run_id)
    return SqlChecked(outcomes, report)


@dataclass(frozen=True)
class ValidationRun:
    run_id: str
    outcomes: list[Outcome]
    report: Path

    @property
    def blocking_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.blocking_failure]


def validate(settings: Settings, target: str | None = None) -> ValidationRun:
    """Run the selected suites and SQL checks on the working warehouse, record and report.
    Batches are identified by their values: it audits the warehouse as it is."""
    suites, checks = select_validations(*validation_plan(settings), target)
    run_id = f"validate-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    outcomes: list[Outcome] = []
    with writer(settings) as con:
        for _suite, suite_outcomes in run_suites(con, suites):
            outcomes.extend(suite_outcomes)
        for check in checks:
            outcomes.append(run_sql_check(con, check))
        record(con, run_id, outcomes)
        report = write_report(con, settings, run_id)
    return ValidationRun(run_id, outcomes, report)
