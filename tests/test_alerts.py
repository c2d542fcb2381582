"""Run-failure alerts (observatory/defs/alerts.py) posted to a real webhook on 127.0.0.1.

A job made to fail runs in an ephemeral Dagster instance; the failure sensor is evaluated on that
run as the daemon would, and the webhook server records what it receives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from observatory.defs.alerts import ALERT_SENSOR, build_failure_sensor


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append(
                {
                    "path": self.path,
                    "type": self.headers.get("Content-Type"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks/observatoire", received
    finally:
        server.shutdown()
        server.server_close()


@dg.op
def lire_population() -> None:
    raise ValueError("insee_populations_reference 2021: colonne PMUN absente")


@dg.job
def refresh_test() -> None:
    lire_population()


def failed_run_context() -> dg.RunFailureSensorContext:
    instance = dg.DagsterInstance.ephemeral()
    result = refresh_test.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return dg.build_run_status_sensor_context(
        sensor_name=ALERT_SENSOR, dagster_instance=instance, dagster_run=run, dagster_event=failure
    ).for_run_failure()


def test_a_failed_run_posts_one_alert_naming_job_step_error_and_link(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("OBSERVATORY_DAGSTER_URL", "http://dagster.example:3000/")
    context = failed_run_context()
    build_failure_sensor()(context)
    assert len(received) == 1
    (post,) = received
    assert post["path"] == "/hooks/observatoire"
    assert post["type"] == "application/json"
    text = post["body"]["text"]
    assert "refresh_test" in text
    assert "lire_population" in text
    assert "colonne PMUN absente" in text
    assert f"http://dagster.example:3000/runs/{context.dagster_run.run_id}" in text


def test_nothing_is_sent_without_a_webhook(webhook, monkeypatch):
    _url, received = webhook
    monkeypatch.delenv("OBSERVATORY_ALERT_WEBHOOK_URL", raising=False)
    outcome = build_failure_sensor()(failed_run_context())
    assert isinstance(outcome, dg.SkipReason)
    assert received == []


def test_the_sensor_is_in_the_code_location_and_runs_by_default():
    from observatory.defs import assemble

    sensor = assemble().resolve_sensor_def(ALERT_SENSOR)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
