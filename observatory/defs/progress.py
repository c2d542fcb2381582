"""The steps of an in-process run as they start and finish, from Dagster's event stream.

One listener on the run's instance sees every step event as Dagster stores it: it reports each
to the build's `progress` callback (the command line shows it) and keeps each step's wall
seconds (what `--timings` writes), so both read the same stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import dagster as dg

from observatory.build import Progress, StepEvent

STATUS = {
    dg.DagsterEventType.STEP_START: "started",
    dg.DagsterEventType.STEP_SUCCESS: "succeeded",
    dg.DagsterEventType.STEP_FAILURE: "failed",
    dg.DagsterEventType.STEP_SKIPPED: "skipped",
}
"""The step events a build reports, besides each table built and check run within a step; the
others (outputs, logs, retries) say nothing new."""

STAGE_OF_STEP = {"seeds": "seeds", "sql_models": "models", "sql_checks": "checks"}
STAGE_OF_PREFIX = {"raw__": "ingest", "gx_": "checks", "published__": "publish"}


def stage_of(step: str) -> str:
    """What a step does, from the names defs gives its ops (ingestion, models, checks...)."""
    if step in STAGE_OF_STEP:
        return STAGE_OF_STEP[step]
    return next((s for p, s in STAGE_OF_PREFIX.items() if step.startswith(p)), "other")


class StepListener:
    """Called by the Dagster instance with each event of one run, in the order they happen."""

    def __init__(self, steps: Sequence[str], progress: Progress | None = None) -> None:
        self.total = len(steps)
        self.stage_totals = Counter(stage_of(step) for step in steps)
        self.progress = progress
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def __call__(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        step, seconds, detail = event.step_key, None, ""
        if event.event_type in STATUS:
            status = STATUS[event.event_type]
            if status == "started":
                self.started[step] = entry.timestamp
            elif step in self.started:
                seconds = round(entry.timestamp - self.started[step], 3)
                self.seconds[step] = seconds
        elif (detail := _done_within(event)) is not None:
            status = "progress"
        else:
            return
        if self.progress is not None:
            stage = stage_of(step)
            total, stage_total = self.total, self.stage_totals[stage]
            self.progress(StepEvent(step, stage, status, total, stage_total, seconds, detail))


def _done_within(event: dg.DagsterEvent) -> str | None:
    """The table built or the check run that an event of a running step reports, if any."""
    if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and event.asset_key:
        return ".".join(event.asset_key.path)
    if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.asset_check_evaluation_data
        return f"{'.'.join(evaluation.asset_key.path)}: {evaluation.check_name}"
    return None
