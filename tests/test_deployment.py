"""The production deployment (deploy/), run for real: PostgreSQL, the Dagster daemon and the
webserver started with the commands of the systemd units, on the production dagster.yaml.

The end-to-end test enables the monthly schedule as the README says, dates its start back
before the last time its cron came due (as if it had been enabled for a month), and lets the
daemon do the rest: it evaluates the due tick, queues and launches `refresh_everything` on the
bundled sample, and the run's success, tags and materializations are read back from
PostgreSQL's own tables and from the webserver's GraphQL API. The refresh carries a changed
input (the user's territories file), so the published edition must change and show it.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from tests.conftest import REPOSITORY, copy_of_sample
from tests.postgres_support import (
    Postgres,
    PostgresMissing,
    free_port,
    libpq_environment,
    postgres_server,
    server_bin,
)

DEPLOY = REPOSITORY / "deploy"
INSTALL_PREFIX = "/opt/observatory"
"""Where the systemd units expect the repository (README: "Run it in production")."""
BIN = Path(sys.executable).parent
RUN_TIMEOUT_S = 240
SCHEDULE = "monthly_refresh"
JOB = "refresh_everything"


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    try:
        with postgres_server() as server:
            yield server
    except PostgresMissing as missing:
        pytest.skip(str(missing))


def unit_command(name: str) -> list[str]:
    """The ExecStart of a systemd unit, pointed at this checkout and its virtualenv."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / f"{name}.service", encoding="utf-8")
    command = shlex.split(unit["Service"]["ExecStart"])
    command[0] = command[0].replace(f"{INSTALL_PREFIX}/.venv/bin", str(BIN))
    return [part.replace(INSTALL_PREFIX, str(REPOSITORY)) for part in command]


def with_option(command: list[str], option: str, value: str) -> list[str]:
    """`command` with the value of one of its options replaced."""
    index = command.index(option)
    return [*command[: index + 1], value, *command[index + 2 :]]


def production_home(root: Path) -> Path:
    """A DAGSTER_HOME holding the production dagster.yaml, as the units and compose expect."""
    home = root / "dagster"
    home.mkdir(parents=True)
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
    return home


def environment(postgres: Postgres, dagster_home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBSERVATORY_", "DAGSTER_"))}
    env.update(postgres.environment())
    env.update(DAGSTER_HOME=str(dagster_home), DAGSTER_DISABLE_TELEMETRY="1", **settings)
    return env


def readme_dagster(fragment: str) -> list[str]:
    """The arguments of the README's `.venv/bin/dagster ...` command containing `fragment`
    (section "Run it in production"): the test runs what the README says."""
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    production = readme[readme.index("## Run it in production") :]
    line = next(line for line in production.splitlines() if fragment in line and "dagster " in line)
    command = shlex.split(line.split("&&")[-1].split("#")[0])
    assert command[0] == ".venv/bin/dagster", line
    return command[1:]


def dagster(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Dagster's command line, as a data engineer runs it beside the deployment."""
    done = subprocess.run(
        [str(BIN / "dagster"), *args],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


class Service:
    """A long-running process of the deployment in its own session, stopped with its children
    (the daemon's code server and run workers) when the test ends."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=REPOSITORY,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        group = self.process.pid
        with_signal(group, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        with_signal(group, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and group_alive(group):
            time.sleep(0.2)

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def with_signal(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def last_due_tick(cron: str, timezone: str, now: datetime) -> datetime:
    """The last time a monthly cron `M H D * *` came due before `now` (worked out here, not by
    Dagster's cron iterator, which is what the daemon uses)."""
    minute, hour, day, month, weekday = cron.split()
    assert (month, weekday) == ("*", "*"), cron
    local = now.astimezone(ZoneInfo(timezone))
    due = local.replace(day=int(day), hour=int(hour), minute=int(minute), second=0, microsecond=0)
    if due > local:
        previous = (local.replace(day=1) - timedelta(days=1)).replace(day=int(day))
        due = previous.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    return due


def backdate_schedule(dagster_home: Path, env: dict[str, str], started: float) -> str:
    """Pretend the schedule was enabled at `started`: the daemon then owes it its last tick."""
    from dagster import DagsterInstance
    from dagster._core.scheduler.instigation import InstigatorStatus, ScheduleInstigatorData

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("DAGSTER_")})
    try:
        with DagsterInstance.from_config(str(dagster_home)) as instance:
            states = [s for s in instance.all_instigator_state() if s.name == SCHEDULE]
            assert len(states) == 1 and states[0].status == InstigatorStatus.RUNNING, states
            state = states[0]
            data = state.instigator_data
            assert isinstance(data, ScheduleInstigatorData)
            instance.update_instigator_state(
                state.with_data(ScheduleInstigatorData(data.cron_schedule, started))
            )
            return str(data.cron_schedule)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def published_edition(path: Path) -> tuple[str, set[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        (edition,) = con.execute("select edition_id from meta.edition").fetchone()
        libelles = {r[0] for r in con.execute("select libelle from marts.territoires").fetchall()}
        return edition, libelles
    finally:
        con.close()


def wait_for_run(postgres: Postgres, services: list[Service]) -> tuple[str, str]:
    """The scheduled run, once it has finished (read from PostgreSQL's `runs` table)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        for service in services:
            assert service.alive(), service.tail()
        rows = postgres.query(
            "select r.run_id, r.status from runs r join run_tags t on t.run_id = r.run_id "
            "where t.key = 'dagster/schedule_name' and t.value = %s",
            SCHEDULE,
        )
        finished = [r for r in rows if r[1] in ("SUCCESS", "FAILURE", "CANCELED")]
        if finished:
            assert len(rows) == 1, rows
            return finished[0]
        time.sleep(1)
    raise AssertionError(
        f"no scheduled run finished within {RUN_TIMEOUT_S} s\n" + services[0].tail()
    )


def graphql_runs(port: int) -> list[dict]:
    query = "{ runsOrError { ... on Runs { results { runId status jobName } } } }"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]["runsOrError"]["results"]


def wait_for_webserver(port: int, service: Service) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert service.alive(), service.tail()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the webserver did not answer\n" + service.tail())


def test_the_daemon_runs_the_due_schedule_and_postgresql_keeps_the_run(
    postgres: Postgres, sample_build, tmp_path: Path
) -> None:
    home = copy_of_sample(sample_build, tmp_path / "home")
    settings, _summary = sample_build
    published = home / settings.published_path.relative_to(settings.home)
    edition_before, libelles_before = published_edition(published)
    # The user corrected a territory's name: the refresh must carry it to a new edition.
    territories = tmp_path / "territoires.csv"
    original = (REPOSITORY / "assets" / "sample" / "territoires_personnalises.csv").read_text(
        encoding="utf-8"
    )
    old_name = "Pays du Nord-Échantillon"
    assert old_name in libelles_before and old_name in original
    new_name = "Pays du Nord (libellé corrigé)"
    territories.write_text(original.replace(old_name, new_name), encoding="utf-8")

    dagster_home = production_home(tmp_path)
    webserver_port = free_port()
    env = environment(
        postgres,
        dagster_home,
        OBSERVATORY_HOME=str(home),
        OBSERVATORY_SOURCE="sample",
        OBSERVATORY_CUSTOM_TERRITORIES=str(territories),
        OBSERVATORY_WRITER_LOCK_TIMEOUT_S="60",
    )
    start = readme_dagster("schedule start")
    assert start[:3] == ["schedule", "start", SCHEDULE], start
    out = dagster(env, *start)
    assert SCHEDULE in out
    now = datetime.now(ZoneInfo("UTC"))
    cron = backdate_schedule(dagster_home, env, (now - timedelta(days=40)).timestamp())
    due = last_due_tick(cron, "Europe/Paris", now)

    services = [
        Service(unit_command("observatory-daemon"), env, tmp_path / "daemon.log"),
        Service(
            with_option(unit_command("observatory-webserver"), "--port", str(webserver_port)),
            env,
            tmp_path / "webserver.log",
        ),
    ]
    try:
        run_id, status = wait_for_run(postgres, services)
        assert status == "SUCCESS", services[0].tail()
        tags = dict(postgres.query("select key, value from run_tags where run_id = %s", run_id))
        assert datetime.fromisoformat(tags[".dagster/scheduled_execution_time"]) == due
        (job,) = postgres.query("select pipeline_name from runs where run_id = %s", run_id)[0]
        assert job == JOB
        materialized = {
            "/".join(json.loads(key))
            for (key,) in postgres.query(
                "select asset_key from event_logs where run_id = %s "
                "and dagster_event_type = 'ASSET_MATERIALIZATION'",
                run_id,
            )
        }
        assert {"published/observatory", "marts/territoires"} <= materialized
        wait_for_webserver(webserver_port, services[1])
        seen = {r["runId"]: r for r in graphql_runs(webserver_port)}
        assert seen[run_id]["status"] == "SUCCESS" and seen[run_id]["jobName"] == JOB
    finally:
        for service in services:
            service.stop()
    for service in services:
        assert not group_alive(service.process.pid), "a process of the deployment survived"
    edition_after, libelles_after = published_edition(published)
    assert edition_after != edition_before
    assert new_name in libelles_after and old_name not in libelles_after


def test_definitions_validate_migrate_and_back_up_the_production_instance(
    postgres: Postgres, tmp_path: Path
) -> None:
    """The README's commands against the production instance: validate, the upgrade's
    migration, the backup of PostgreSQL."""
    env = environment(postgres, production_home(tmp_path), OBSERVATORY_HOME=str(tmp_path))
    out = dagster(env, *readme_dagster("definitions validate"))
    assert "Validation successful" in out
    # the instance it validated against is PostgreSQL: Dagster created its tables there
    tables = {r[0] for r in postgres.query("select tablename from pg_tables")}
    assert {"runs", "event_logs", "instigators", "alembic_version"} <= tables, tables
    out = dagster(env, *readme_dagster("instance migrate"))
    assert "Instance is up to date" in out or "Updating run storage" in out, out
    (version,) = postgres.query("select version_num from alembic_version")[0]
    assert version
    dump = tmp_path / "dagster.sql"
    done = subprocess.run(
        [str(server_bin() / "pg_dump"), "--format=plain", f"--file={dump}"],
        env={**env, **libpq_environment(postgres)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "CREATE TABLE public.runs" in dump.read_text(encoding="utf-8")


def test_no_secret_in_the_deployment_files() -> None:
    config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    for storage in ("run_storage", "event_log_storage", "schedule_storage"):
        database = config[storage]["config"]["postgres_db"]
        secrets = {k: v for k, v in database.items() if k != "scheme"}
        assert set(secrets) == {"hostname", "port", "db_name", "username", "password"}
        assert all(set(value) == {"env"} for value in secrets.values()), database
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    for name in ("webserver", "daemon", "postgres"):
        for key, value in compose["services"][name]["environment"].items():
            if "PASSWORD" in key:
                assert str(value).startswith("${DAGSTER_PG_PASSWORD:?"), (name, key, value)
    example = (DEPLOY / "observatory.env.example").read_text(encoding="utf-8")
    assert "DAGSTER_PG_PASSWORD=\n" in example


def test_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    """The units as installed (paths pointed at this checkout) have nothing systemd rejects."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = []
    for source in sorted((DEPLOY / "systemd").glob("*.service")):
        text = source.read_text(encoding="utf-8")
        text = text.replace(f"{INSTALL_PREFIX}/.venv/bin", str(BIN))
        units.append(tmp_path / source.name)
        units[-1].write_text(text.replace(INSTALL_PREFIX, str(REPOSITORY)), encoding="utf-8")
    assert [u.name for u in units] == [
        "observatory-daemon.service",
        "observatory-webserver.service",
    ]
    done = subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stderr


def test_the_production_event_log_keeps_its_connection(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dagster-postgres alone opens a connection per statement (thousands per refresh); the
    production event log stores 40 events over the connection it keeps."""
    import dagster as dg
    import psycopg2

    from observatory.defs.postgres_storage import PooledPostgresEventLogStorage

    BPE = dg.AssetKey(["raw", "insee__bpe"])
    for name, value in postgres.environment().items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(str(production_home(tmp_path))) as instance:
        assert isinstance(instance.event_log_storage, PooledPostgresEventLogStorage)
        instance.report_runless_asset_event(dg.AssetMaterialization("warm_up"))
        opened: list[tuple] = []
        connect = psycopg2.connect
        monkeypatch.setattr(
            psycopg2, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k)
        )
        for index in range(40):
            instance.report_runless_asset_event(
                dg.AssetMaterialization(BPE, metadata={"index": index})
            )
        assert len(opened) <= 1, f"{len(opened)} connections for 40 events"
        records = instance.fetch_materializations(BPE, limit=100)
        assert sorted(r.asset_materialization.metadata["index"].value for r in records.records) == [
            *range(40)
        ]
