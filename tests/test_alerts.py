"""Failure alerts (observatory/defs/alerts.py) posted to a real webhook on 127.0.0.1.

Jobs made to fail (an error, a blocking check, both) run in an ephemeral Dagster instance; both
alert sensors are evaluated on each run, and the webhook server records what it receives: one
message per failed run. Last, a refresh of the bundled sample with a corrupted input runs
through the code location's own job, and both sensors tick over the instance as the daemon
does.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import dagster as dg
import pytest
import yaml

from observatory.defs.alerts import (
    ALERT_SENSOR,
    CHECK_ALERT_SENSOR,
    FRESHNESS_ALERT_SENSOR,
    MAX_LINES,
    FailedCheck,
    Failure,
    build_check_failure_sensor,
    build_failure_sensor,
    build_freshness_sensor,
    failure_text,
)
from observatory.settings import Settings, load_settings
from tests.conftest import REPOSITORY, copy_of_sample, digest, make_settings
from tests.fetch_support import serve


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

    with serve(Handler) as base:
        yield f"{base}/hooks/observatoire", received


@dg.op
def lire_population() -> None:
    raise ValueError("insee_populations_reference 2021: colonne PMUN absente")


@dg.job
def refresh_test() -> None:
    lire_population()


@dg.asset
def communes() -> None:
    pass


@dg.asset
def population() -> None:
    raise ValueError("insee_populations_reference 2021: colonne PMUN absente")


@dg.asset_check(asset=communes, blocking=True)
def libelles_lisibles() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description="2 of 36 names hold mojibake (e.g. 'TÃ©moin')",
    )


def asset_job(name: str, *assets: dg.AssetsDefinition) -> dg.JobDefinition:
    """A job of `assets`, with the blocking check of `communes` that always fails."""
    definitions = dg.Definitions(
        assets=list(assets), asset_checks=[libelles_lisibles], jobs=[dg.define_asset_job(name)]
    )
    return definitions.resolve_job_def(name)


def failed_run_context(job: dg.JobDefinition = refresh_test) -> dg.RunFailureSensorContext:
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return dg.build_run_status_sensor_context(
        sensor_name=ALERT_SENSOR, dagster_instance=instance, dagster_run=run, dagster_event=failure
    ).for_run_failure()


def both_sensors(context: dg.RunFailureSensorContext) -> dict[str, object]:
    """What each alert sensor returns for the failed run, as the daemon evaluates both."""
    return {
        sensor.name: sensor(context)
        for sensor in (build_failure_sensor(), build_check_failure_sensor())
    }


def test_a_failed_run_posts_one_alert_naming_job_step_error_and_link(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("OBSERVATORY_DAGSTER_URL", "http://dagster.example:3000/")
    context = failed_run_context()
    outcomes = both_sensors(context)
    assert len(received) == 1  # by the run-failure sensor: no check failed
    assert outcomes[ALERT_SENSOR] is None
    assert ALERT_SENSOR in outcomes[CHECK_ALERT_SENSOR].skip_message
    (post,) = received
    assert post["path"] == "/hooks/observatoire"
    assert post["type"] == "application/json"
    text = post["body"]["text"]
    assert "refresh_test" in text
    assert "lire_population" in text
    assert "colonne PMUN absente" in text
    assert f"http://dagster.example:3000/runs/{context.dagster_run.run_id}" in text


def test_a_run_stopped_by_a_blocking_check_is_posted_once_with_the_check_message(
    webhook, monkeypatch
):
    url, received = webhook
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    context = failed_run_context(asset_job("refresh_communes", communes))
    outcomes = both_sensors(context)
    assert len(received) == 1
    assert outcomes[CHECK_ALERT_SENSOR] is None
    assert CHECK_ALERT_SENSOR in outcomes[ALERT_SENSOR].skip_message
    text = received[0]["body"]["text"]
    assert "refresh_communes" in text
    assert "communes / libelles_lisibles: 2 of 36 names hold mojibake (e.g. 'TÃ©moin')" in text
    assert "DagsterAssetCheckFailedError" not in text and "blocking asset check" not in text
    assert f"http://127.0.0.1:3000/runs/{context.dagster_run.run_id}" in text  # the default


def test_a_run_failed_both_ways_is_posted_once_with_the_error_and_the_check(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    context = failed_run_context(asset_job("refresh_mixte", communes, population))
    outcomes = both_sensors(context)
    assert len(received) == 1
    assert outcomes[ALERT_SENSOR] is None  # the error is what to fix first
    assert ALERT_SENSOR in outcomes[CHECK_ALERT_SENSOR].skip_message
    text = received[0]["body"]["text"]
    assert "refresh_mixte" in text
    assert "step population: " in text and "2021: colonne PMUN absente" in text
    assert "communes / libelles_lisibles: 2 of 36 names hold mojibake" in text


def test_a_long_failure_is_cut_to_the_first_lines_and_says_how_many_more():
    checks = [FailedCheck("raw.t", f"check_{i:02d}", "failed") for i in range(MAX_LINES + 5)]
    failure = Failure(dg.DagsterRun(job_name="refresh_x", run_id="r1"), [], checks, "failed")
    text = failure_text(load_settings({}), failure)
    assert f"check_{MAX_LINES - 1:02d}" in text and f"check_{MAX_LINES:02d}" not in text
    assert "and 5 more" in text
    assert text.endswith("/runs/r1")


@pytest.mark.parametrize(
    "job", [refresh_test, asset_job("refresh_communes", communes)], ids=["error", "check"]
)
def test_nothing_is_sent_without_a_webhook(webhook, monkeypatch, job):
    _url, received = webhook
    monkeypatch.delenv("OBSERVATORY_ALERT_WEBHOOK_URL", raising=False)
    outcomes = both_sensors(failed_run_context(job))
    assert all(isinstance(outcome, dg.SkipReason) for outcome in outcomes.values())
    assert received == []


def test_both_sensors_are_in_the_code_location_and_run_by_default():
    from observatory.defs import assemble

    definitions = assemble()
    for name in (ALERT_SENSOR, CHECK_ALERT_SENSOR, FRESHNESS_ALERT_SENSOR):
        assert definitions.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


# --- a refresh stopped by a blocking check, on the bundled sample ---------------------------------

CORRUPTED = REPOSITORY / "assets" / "insee" / "cog_communes.yaml"
"""The catalog entry whose sample file is corrupted; its `libelle_encodage` expectation (no
mojibake in names, blocking: no severity given) is what must fail."""


QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _edition(settings: Settings) -> tuple[str, str, dict]:
    """The published edition as an analyst finds it: its folder, manifest and content."""
    current = (settings.published_dir / "current").resolve()
    manifest = (current / "manifest.json").read_text(encoding="utf-8")
    return current.name, manifest, digest(settings.published_path)


def _tick(sensor: dg.RunFailureSensorDefinition, instance, cursor: str | None):
    """One evaluation of a sensor as the daemon makes it: from its cursor, over the instance's
    run-failure events."""
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


def test_a_refresh_stopped_by_a_blocking_check_posts_one_alert_naming_the_check(
    tmp_path, sample_build, webhook, monkeypatch
):
    from observatory.defs import assemble

    url, received = webhook
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("OBSERVATORY_DAGSTER_URL", "http://dagster.example:3000")
    built, _ = sample_build
    home = copy_of_sample(sample_build, tmp_path / "home")
    shutil.copytree(built.catalog_dir, tmp_path / "assets", ignore=shutil.ignore_patterns("*.lock"))
    settings = make_settings(
        home,
        OBSERVATORY_CATALOG_DIR=str(tmp_path / "assets"),
        # the same territories file as the sample's build (its path is part of its table)
        OBSERVATORY_CUSTOM_TERRITORIES=str(
            built.catalog_dir / "sample" / "territoires_personnalises.csv"
        ),
    )
    entry = yaml.safe_load(CORRUPTED.read_text(encoding="utf-8"))
    (expectation,) = [e for e in entry["checks"]["expectations"] if e["name"] == "libelle_encodage"]
    assert "severity" not in expectation  # blocking, the default
    # A name with an accent, its UTF-8 bytes read as Latin-1: "Témoin" -> "TÃ©moin".
    sample = max((settings.catalog_dir / "sample" / entry["id"]).glob("*/*.csv"))
    lines = sample.read_text(encoding="utf-8").splitlines()
    accented = next(i for i, line in enumerate(lines) if i and not line.isascii())
    lines[accented] = lines[accented].encode("utf-8").decode("latin-1")
    assert re.search(expectation["regex"], lines[accented])
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _edition(settings)

    job_name = f"refresh_{entry['group']}"
    job = assemble(settings).resolve_job_def(job_name)
    failure_sensor, check_sensor = build_failure_sensor(), build_check_failure_sensor()
    with dg.DagsterInstance.ephemeral() as instance:
        cursors = {s.name: _tick(s, instance, None).cursor for s in (failure_sensor, check_sensor)}
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
        assert not result.success
        built_tables = {e.asset_key.path[0] for e in result.get_asset_materialization_events()}
        assert built_tables == {"raw"}  # ingested, then stopped: nothing built, nothing published
        # The daemon evaluates both sensors; the run-failure one leaves this run to the other.
        ticks = {
            s.name: _tick(s, instance, cursors[s.name]) for s in (failure_sensor, check_sensor)
        }
        assert CHECK_ALERT_SENSOR in (ticks[ALERT_SENSOR].skip_message or "")
        assert ticks[CHECK_ALERT_SENSOR].skip_message is None
        assert len(received) == 1  # one failed refresh, one message
        cursors = {name: tick.cursor for name, tick in ticks.items()}
        for sensor in (failure_sensor, check_sensor):  # and the next ticks do not repeat it
            _tick(sensor, instance, cursors[sensor.name])
    assert len(received) == 1
    text = received[0]["body"]["text"]
    assert job_name in text
    assert f"check {entry['target_table']} / {expectation['name']}:" in text
    assert f"{entry['id']} {sample.parent.name}, column libelle" in text  # the check's own message
    assert f"(expected: {expectation['description']})" in text
    assert f"http://dagster.example:3000/runs/{result.run_id}" in text
    assert _edition(settings) == before  # the previous edition is still the published one


# --- freshness: a source that became late ---------------------------------------------------------

BPE = dg.AssetKey(["raw", "insee__bpe"])
ANNUAIRE = dg.AssetKey(["raw", "ans__annuaire_sante"])


def freshness_change(instance: dg.DagsterInstance, key: dg.AssetKey, new: str, old: str) -> None:
    """What the daemon's freshness evaluation records when an asset's state changes."""
    from dagster._core.definitions.freshness import FreshnessState, FreshnessStateChange

    instance.report_runless_asset_event(
        FreshnessStateChange(
            key=key,
            new_state=FreshnessState(new),
            previous_state=FreshnessState(old),
            state_change_timestamp=time.time(),
        )
    )


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None):
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


def test_a_source_that_becomes_late_is_posted_once_per_change(webhook, monkeypatch) -> None:
    url, received = webhook
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("OBSERVATORY_DAGSTER_URL", "http://dagster.example:3000")
    sensor = build_freshness_sensor({BPE: "yearly, with the census", ANNUAIRE: "followed monthly"})
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetMaterialization(ANNUAIRE))
    freshness_change(instance, BPE, "PASS", "UNKNOWN")
    freshness_change(instance, ANNUAIRE, "FAIL", "PASS")

    first = tick(sensor, instance, None)
    assert len(received) == 1
    text = received[0]["body"]["text"]
    assert "1 source out of date" in text and "raw/ans__annuaire_sante: late (FAIL)" in text
    assert "followed monthly" in text and "raw/insee__bpe" not in text
    assert re.search(r"last ingested \d{4}-\d\d-\d\d \d\d:\d\d UTC", text), text
    assert "http://dagster.example:3000/assets/raw/ans__annuaire_sante" in text

    again = tick(sensor, instance, first.cursor)  # nothing changed: nothing posted again
    assert len(received) == 1 and again.skip_message

    freshness_change(instance, BPE, "WARN", "PASS")
    tick(sensor, instance, again.cursor)
    assert len(received) == 2
    text = received[1]["body"]["text"]
    assert "raw/insee__bpe: soon late (WARN)" in text and "last ingested never" in text
    assert "ans__annuaire_sante" not in text  # still late, already reported


def test_the_freshness_alert_waits_for_a_webhook(webhook, monkeypatch) -> None:
    url, received = webhook
    sensor = build_freshness_sensor({ANNUAIRE: "followed monthly"})
    instance = dg.DagsterInstance.ephemeral()
    freshness_change(instance, ANNUAIRE, "FAIL", "PASS")
    skipped = tick(sensor, instance, None)
    assert not received and "OBSERVATORY_ALERT_WEBHOOK_URL" in (skipped.skip_message or "")
    monkeypatch.setenv("OBSERVATORY_ALERT_WEBHOOK_URL", url)
    tick(sensor, instance, skipped.cursor)  # set later: the late source is posted then
    assert len(received) == 1 and "ans__annuaire_sante" in received[0]["body"]["text"]
