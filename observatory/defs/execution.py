"""Run a build's selection as one in-process Dagster job: the `Runner` of observatory.build.

The run goes through the same assets and checks as a run launched from the UI. It uses an
in-memory Dagster instance (its event log would cost more than the build itself on small
inputs) unless `record=True`, which writes the run to DAGSTER_HOME so the UI shows it.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import dagster as dg

from observatory.build import ENGINE_ERRORS, CheckResult, Progress, RunResult
from observatory.catalog import load_catalog
from observatory.defs import assemble
from observatory.defs.ingestion import IngestConfig, asset_key, backfill_run_config
from observatory.defs.instance import ensure_dagster_home
from observatory.defs.progress import StepListener
from observatory.models import ModelError
from observatory.settings import Settings
from observatory.warehouse import no_space_in

OUR_ERRORS = {c.__name__ for c in ENGINE_ERRORS} | {"ParseError", "HttpStatusError", "NetworkError"}
"""Exception classes whose message is written for the user (found down Dagster's wrappers)."""


def _table(key: dg.AssetKey) -> str:
    return ".".join(key.path)


def failure_message(event: dg.DagsterEvent) -> str:
    """The user's error behind Dagster's step-failure wrapper, without the exception class."""
    chain = []
    error = event.step_failure_data.error  # type: ignore[union-attr]
    while error is not None:
        chain.append(error)
        error = error.cause
    # A full disk hides under the cleanup's own failure ("cannot rollback - no transaction is
    # active", "CHECKPOINT during DETACH failed"): its cause or context says so.
    pending, seen = list(chain), set()
    while pending:
        linked = pending.pop()
        if id(linked) in seen:
            continue
        seen.add(id(linked))
        found = no_space_in(linked.message)
        if found:
            return found
        pending += [e for e in (linked.cause, linked.context) if e is not None]
    # The first error of ours down Dagster's wrappers says where and why; its own cause (a bare
    # UnicodeDecodeError) says neither. Otherwise the deepest cause.
    error = next((e for e in chain if e.cls_name in OUR_ERRORS), chain[-1] if chain else None)
    if error is None:
        return f"step {event.step_key} failed"
    message = error.message.strip().splitlines()[0]
    return re.sub(r"^[\w.]+(Error|Exception): ", "", message)


class DagsterRunner:
    """Selects with Dagster's selection syntax and runs the code location's implicit job."""

    def __init__(
        self,
        settings: Settings,
        *,
        record: bool = False,
        log_level: str = "CRITICAL",
        backfill: IngestConfig | None = None,
    ) -> None:
        """`backfill`: the run config of the selected ingestion assets (`--millesime`,
        `--force`), as the launchpad would give it."""
        ensure_dagster_home(settings)
        self.settings = settings
        self.definitions = assemble(settings)
        self.graph = self.definitions.resolve_asset_graph()
        self.record = record
        self.log_level = log_level
        self.backfill = backfill

    def select(self, selection: str | None) -> set[str]:
        wanted = dg.AssetSelection.from_string(selection) if selection else dg.AssetSelection.all()
        try:
            return {_table(k) for k in wanted.resolve(self.graph)}
        except dg.DagsterInvalidSubsetError as exc:
            raise ModelError(f"--select {selection!r}: {exc}") from exc

    def run(self, tables: set[str], progress: Progress | None = None) -> RunResult:
        """Run the selection; each step is reported to `progress` as it starts and finishes."""
        job = self.definitions.resolve_implicit_global_asset_job_def()
        keys = sorted(asset_key(t) for t in tables)
        run_config: dict[str, Any] = {
            "loggers": {"console": {"config": {"log_level": self.log_level}}}
        }
        if self.backfill is not None:
            catalog = load_catalog(self.settings.catalog_dir)
            run_config |= backfill_run_config(self.settings, catalog, keys, self.backfill)
        steps = job.get_subset(asset_selection=set(keys)).graph.node_names()
        listener = StepListener(steps, progress)
        run_id = str(uuid.uuid4())  # known before the run starts, to listen to its events
        dagster_logger = logging.getLogger("dagster")
        previous_level = dagster_logger.level
        dagster_logger.setLevel(self.log_level)
        try:
            instance = dg.DagsterInstance.get() if self.record else dg.DagsterInstance.ephemeral()
            instance.add_event_listener(run_id, listener)
            result = job.execute_in_process(
                instance=instance,
                asset_selection=keys,
                raise_on_error=False,
                run_config=run_config,
                run_id=run_id,
            )
        finally:
            dagster_logger.setLevel(previous_level)
        return RunResult(
            run_id=result.run_id,
            success=result.success,
            tables=[_materialized(e) for e in result.get_asset_materialization_events()],
            checks=[
                CheckResult(
                    table=_table(e.asset_key),
                    name=e.check_name,
                    passed=e.passed,
                    blocking=e.severity == dg.AssetCheckSeverity.ERROR,
                    message=e.description or "",
                )
                for e in result.get_asset_check_evaluations()
            ],
            step_seconds=listener.seconds,
            failures=[
                message
                for message in (failure_message(e) for e in result.all_events if e.is_step_failure)
                if "blocking asset check" not in message
            ],
        )


def _materialized(event: dg.DagsterEvent) -> tuple[str, int, bool | None]:
    materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
    rows = materialization.metadata.get("dagster/row_count")
    rebuilt = materialization.metadata.get("rebuilt")
    return (
        _table(materialization.asset_key),
        int(rows.value) if rows is not None else 0,
        None if rebuilt is None else bool(rebuilt.value),
    )
