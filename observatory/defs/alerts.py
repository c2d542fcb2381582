"""Failure alerts: two sensors that post a failed run to a webhook, one message per run.

The payload is the generic `{"text": ...}` JSON that Slack, Mattermost and Teams incoming
webhooks all accept: the job, what failed, and a link to the run in the Dagster UI. The webhook
is read from the settings when a sensor ticks, never when definitions load (no network then),
and nothing is sent when none is configured.

- `alerte_echec_controle` reports a run stopped by blocking checks: each failed check by table
  and name, with what the check itself says (the Great Expectations outcome: what was expected,
  how many rows, which millésime). Nothing downstream of a failed blocking check is built, so
  the published edition stays the previous one.
- `alerte_echec_run` reports every other failed run: each failed step with its innermost error
  (a download, a parse, a model), and the failed blocking checks too when there are some.
- `alerte_fraicheur` reports a source that became late: its ingestion asset's freshness policy
  (the publisher's rhythm, defs/freshness.py), evaluated by the daemon, went to WARN or FAIL.
  A refresh that never ran (a stopped schedule, a daemon down) fails nothing, so only this one
  says that the published figures are getting old.

Both are run-failure sensors, not a sensor over the event log's check evaluations: Dagster's
run-status cursor hands each failed run to each sensor exactly once, after the run has ended,
so the whole failure is known when the message is written (a sensor reading check evaluations
as they arrive could post while the run still goes on, and again for its later checks). A
blocking check fails its step with `DagsterAssetCheckFailedError`; the check evaluations,
written to the run's event log before it, say which checks and why.

One message per failed run: both sensors read the same `Failure` and each posts only its own
runs (`Failure.stopped_by_checks`), so the daemon evaluating both never posts a run twice. A run
that failed both ways (a step raised an error, and checks failed elsewhere) goes to the
run-failure sensor, with its checks listed: the error is what to fix first, and a data engineer
gets one message per failed refresh, as the UI shows one failed run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import requests

from observatory.defs.checks import EXPECTED
from observatory.settings import Settings, load_settings

ALERT_SENSOR = "alerte_echec_run"
CHECK_ALERT_SENSOR = "alerte_echec_controle"
ALERT_TIMEOUT_S = 10.0
CHECK_FAILED = "DagsterAssetCheckFailedError"
"""The error of a step stopped by its blocking checks (the checks' evaluations say why); the
class is not public in Dagster, its name is what the step failure records."""
MAX_LINES = 20
"""Failed checks or steps listed in one message (a corrupted file can fail dozens of checks)."""


@dataclass(frozen=True)
class FailedCheck:
    """A failed blocking check: what it found (its outcome's message) and what it expects."""

    table: str
    name: str
    message: str
    expected: str = ""

    def line(self) -> str:
        said = f"{self.message} (expected: {self.expected})" if self.expected else self.message
        return f"- check {self.table} / {self.name}: {said}"


@dataclass(frozen=True)
class Failure:
    """What failed in a run: steps with their error (the steps stopped by their checks left
    out when the checks are known), and the blocking checks that failed."""

    run: dg.DagsterRun
    steps: list[tuple[str, str]]
    checks: list[FailedCheck]
    fallback: str

    @property
    def stopped_by_checks(self) -> bool:
        """Only blocking checks failed: the check sensor's run, not the run-failure sensor's."""
        return bool(self.checks) and not self.steps


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error(event: dg.DagsterEvent) -> tuple[str, str]:
    """The error class and message that failed a step: its innermost cause (Dagster wraps the
    code's exception in a generic "Execution of step ... failed"), on one line."""
    data = event.step_failure_data
    error = data.error if data is not None else None
    outer = (error.cls_name or "") if error is not None else ""
    while error is not None and error.cause is not None:
        error = error.cause
    text = error.message if error is not None else event.message or "failed"
    return outer, _one_line(text)


def failed_blocking_checks(instance: dg.DagsterInstance, run_id: str) -> list[FailedCheck]:
    """The run's failed blocking checks, from its event log (the last evaluation of each, should
    a step have been retried)."""
    records = instance.get_records_for_run(
        run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=None
    ).records
    last: dict[dg.AssetCheckKey, dg.AssetCheckEvaluation] = {}
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event is not None else None
        if isinstance(evaluation, dg.AssetCheckEvaluation):
            last[evaluation.asset_check_key] = evaluation
    failed = []
    for e in last.values():
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR and e.blocking:
            expected = e.metadata.get(EXPECTED)
            failed.append(
                FailedCheck(
                    table=".".join(e.asset_key.path),
                    name=e.check_name,
                    message=_one_line(e.description or "failed"),
                    expected=_one_line(str(expected.value)) if expected is not None else "",
                )
            )
    return failed


def read_failure(context: dg.RunFailureSensorContext) -> Failure:
    """The failed run's checks and steps, read the same way by both sensors."""
    run = context.dagster_run
    checks = failed_blocking_checks(context.instance, run.run_id)
    steps = []
    for event in context.get_step_failure_events():
        cls_name, message = _error(event)
        if not (checks and cls_name == CHECK_FAILED):
            steps.append((event.step_key or "?", message))
    return Failure(run, steps, checks, _one_line(context.failure_event.message or "failed"))


def _listed(lines: list[str]) -> list[str]:
    """The first MAX_LINES lines, and how many more: a chat message stays readable."""
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], f"- ... and {len(lines) - MAX_LINES} more (see the run)"]


def failure_text(settings: Settings, failure: Failure) -> str:
    """What an alert says: the job, the failed checks and steps, the link to the run."""
    run = failure.run
    if failure.stopped_by_checks:
        count = len(failure.checks)
        head = (
            f"Observatory: run of {run.job_name} stopped by {count} failed blocking "
            f"check{'s' if count > 1 else ''}: nothing that depends on "
            f"{'them' if count > 1 else 'it'} was built, the published edition is unchanged."
        )
    else:
        head = f"Observatory: run of {run.job_name} failed."
    lines = [
        *(f"- step {step}: {error}" for step, error in failure.steps),
        *(check.line() for check in failure.checks),
    ]
    return "\n".join(
        [
            head,
            *(_listed(lines) or [f"- {failure.fallback}"]),
            f"{settings.dagster_url}/runs/{run.run_id}",
        ]
    )


def _notify(
    context: dg.RunFailureSensorContext, mine: Callable[[Failure], bool], other: str
) -> dg.SkipReason | None:
    """Post the run's failure if it is this sensor's (`mine`), else leave it to `other`."""
    settings = load_settings()
    if not settings.alert_webhook_url:
        return dg.SkipReason("OBSERVATORY_ALERT_WEBHOOK_URL is not set: no alert sent")
    failure = read_failure(context)
    if not mine(failure):
        return dg.SkipReason(f"run {failure.run.run_id} is reported by {other}")
    post(settings, failure_text(settings, failure))
    return None


def post(settings: Settings, text: str) -> None:
    """One alert to the webhook, as `{"text": ...}`; an error answer fails the sensor's tick
    (shown in the UI), so a broken webhook is seen."""
    assert settings.alert_webhook_url
    response = requests.post(
        settings.alert_webhook_url, json={"text": text}, timeout=ALERT_TIMEOUT_S
    )
    response.raise_for_status()


def build_failure_sensor() -> dg.RunFailureSensorDefinition:
    @dg.run_failure_sensor(
        name=ALERT_SENSOR,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts every failed run (job, failed steps and their errors, link) to "
        f"OBSERVATORY_ALERT_WEBHOOK_URL, but those only blocking checks stopped "
        f"({CHECK_ALERT_SENSOR} posts them); nothing when it is not set.",
    )
    def alerte_echec_run(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
        return _notify(context, lambda f: not f.stopped_by_checks, CHECK_ALERT_SENSOR)

    return alerte_echec_run


def build_check_failure_sensor() -> dg.RunFailureSensorDefinition:
    @dg.run_failure_sensor(
        name=CHECK_ALERT_SENSOR,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts every run stopped by blocking checks (job, each failed check by "
        "table and name with its message, link) to OBSERVATORY_ALERT_WEBHOOK_URL; nothing "
        "when it is not set.",
    )
    def alerte_echec_controle(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
        return _notify(context, lambda f: f.stopped_by_checks, ALERT_SENSOR)

    return alerte_echec_controle


FRESHNESS_ALERT_SENSOR = "alerte_fraicheur"
FRESHNESS_INTERVAL_S = 3600
"""Freshness windows are days to months long: an hourly look is soon enough."""
LATE = {"WARN": "soon late", "FAIL": "late"}


def freshness_text(
    settings: Settings, late: list[tuple[dg.AssetKey, str, str]], last: dict[str, str]
) -> str:
    """One message for the sources that became late since the last tick."""
    lines = [
        f"- {key.to_user_string()}: {LATE[state]} ({state}); expected rhythm: {rhythm}; "
        f"last ingested {last.get(key.to_user_string(), 'never')}; "
        f"{settings.dagster_url}/assets/{key.to_user_string()}"
        for key, state, rhythm in late
    ]
    count = len(late)
    return "\n".join(
        [
            f"Observatory: {count} source{'s' if count > 1 else ''} out of date: the published "
            "figures are not refreshed (is the schedule running?).",
            *_listed(lines),
        ]
    )


def build_freshness_sensor(rhythms: Mapping[dg.AssetKey, str]) -> dg.SensorDefinition:
    """`rhythms`: each ingestion asset with a freshness policy, and its publisher's rhythm."""

    @dg.sensor(
        name=FRESHNESS_ALERT_SENSOR,
        minimum_interval_seconds=FRESHNESS_INTERVAL_S,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts each source whose freshness policy went to WARN or FAIL (once per "
        "change: the cursor keeps the states already reported) to "
        "OBSERVATORY_ALERT_WEBHOOK_URL; nothing when it is not set.",
    )
    def alerte_fraicheur(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        settings = load_settings()
        if not settings.alert_webhook_url:
            # The cursor stays: once a webhook is set, the sources already late are posted.
            return dg.SensorResult(
                skip_reason="OBSERVATORY_ALERT_WEBHOOK_URL is not set: no alert sent"
            )
        records = context.instance.get_freshness_state_records(list(rhythms))
        states = {k.to_user_string(): r.freshness_state.value for k, r in records.items()}
        reported = json.loads(context.cursor) if context.cursor else {}
        late = [
            (key, states[key.to_user_string()], rhythm)
            for key, rhythm in sorted(rhythms.items(), key=lambda item: item[0].to_user_string())
            if states.get(key.to_user_string()) in LATE
            and reported.get(key.to_user_string()) != states[key.to_user_string()]
        ]
        cursor = json.dumps(states, sort_keys=True)
        if not late:
            return dg.SensorResult(skip_reason="no source became late", cursor=cursor)
        last = {}
        for key, _state, _rhythm in late:
            event = context.instance.get_latest_materialization_event(key)
            if event is not None:
                when = datetime.fromtimestamp(event.timestamp, UTC)
                last[key.to_user_string()] = when.strftime("%Y-%m-%d %H:%M UTC")
        post(settings, freshness_text(settings, late, last))
        return dg.SensorResult(cursor=cursor)

    return alerte_fraicheur
