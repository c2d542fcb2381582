"""Run-failure alerts: a sensor that posts every failed run to a webhook.

The payload is the generic `{"text": ...}` JSON that Slack, Mattermost and Teams incoming
webhooks all accept: the job, the failed step(s) with their error, and a link to the run in the
Dagster UI. The webhook is read from the settings when the sensor ticks, never when definitions
load (no network then), and nothing is sent when none is configured.
"""

from __future__ import annotations

import dagster as dg
import requests

from observatory.settings import Settings, load_settings

ALERT_SENSOR = "alerte_echec_run"
ALERT_TIMEOUT_S = 10.0


def _error(event: dg.DagsterEvent) -> str:
    """The error that failed a step: its innermost cause (Dagster wraps the code's exception in
    a generic "Execution of step ... failed"), on one line."""
    data = event.step_failure_data
    error = data.error if data is not None else None
    while error is not None and error.cause is not None:
        error = error.cause
    text = error.message if error is not None else event.message or "failed"
    return " ".join(text.split())


def failure_text(settings: Settings, context: dg.RunFailureSensorContext) -> str:
    """What the alert says: job, failed steps and their errors, link to the run."""
    run = context.dagster_run
    steps = [f"- {event.step_key}: {_error(event)}" for event in context.get_step_failure_events()]
    lines = [
        f"Observatory: run of {run.job_name} failed.",
        *(steps or [f"- {context.failure_event.message or 'the run failed'}"]),
        f"{settings.dagster_url}/runs/{run.run_id}",
    ]
    return "\n".join(lines)


def build_failure_sensor() -> dg.RunFailureSensorDefinition:
    @dg.run_failure_sensor(
        name=ALERT_SENSOR,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts every failed run (job, failed steps, link) to "
        "OBSERVATORY_ALERT_WEBHOOK_URL; nothing when it is not set.",
    )
    def alerte_echec_run(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
        settings = load_settings()
        if not settings.alert_webhook_url:
            return dg.SkipReason("OBSERVATORY_ALERT_WEBHOOK_URL is not set: no alert sent")
        response = requests.post(
            settings.alert_webhook_url,
            json={"text": failure_text(settings, context)},
            timeout=ALERT_TIMEOUT_S,
        )
        response.raise_for_status()
        return None

    return alerte_echec_run
