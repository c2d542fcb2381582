"""Backfill by millésime: one edition of one source ingested again, the rest left alone.

The commands and the launchpad's config are read from docs/backfills.md, so the page cannot
drift from what runs. Every expected value is recomputed from the sample's files or from the
warehouse before the backfill, never taken from the code under test.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import duckdb
import pytest
import yaml

from observatory import fetch
from observatory import state as state_module
from observatory.catalog import load_catalog
from observatory.cli import main
from observatory.defs import assemble
from observatory.defs.execution import failure_message
from observatory.ingest import IngestError, load
from observatory.ingest.load import ingest_dataset
from observatory.settings import Settings
from tests.conftest import REPOSITORY, copy_of_sample, make_settings
from tests.fetch_support import AnsweringHandler, serve

DOC = REPOSITORY / "docs" / "backfills.md"
DATASET = "insee_populations_reference"
TABLE = "raw.insee__populations_reference"
OP = "raw__insee__populations_reference"
COMMUNE = "01901"


# --- what the page says -------------------------------------------------------------------------


def _blocks(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [
        re.sub(r"^ {3}", "", block, flags=re.MULTILINE)
        for block in re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)
    ]


def documented_command(program: str) -> list[str]:
    """The page's command line starting with `program` (continuation lines joined)."""
    for block in _blocks("sh"):
        command = block.replace("\\\n", " ").strip()
        if command.startswith(program + " "):
            return shlex.split(command)
    raise AssertionError(f"{DOC.name} shows no `{program}` command")


def documented_launchpad() -> dict:
    (block,) = [b for b in _blocks("yaml") if "ops:" in b]
    return yaml.safe_load(block)


def catalog_years() -> list[int]:
    """The editions of the populations as its YAML entry lists them."""
    entry = yaml.safe_load((REPOSITORY / "assets/insee/populations_reference.yaml").read_text())
    return sorted(m["millesime"] for m in entry["millesimes"])


# --- the sample's files and the warehouse -------------------------------------------------------


def _commune_line(lines: list[str]) -> tuple[list[str], int]:
    header = lines[0].split(";")
    for index, line in enumerate(lines[1:], start=1):
        if line.split(";")[header.index("COM")] == COMMUNE:
            return header, index
    raise AssertionError(f"{COMMUNE} not in the sample file")


def sample_pmun(path: Path) -> int:
    """PMUN of the commune in a sample zip, read with the standard library."""
    with zipfile.ZipFile(path) as archive:
        lines = archive.read("donnees_communes.csv").decode("utf-8").splitlines()
    header, index = _commune_line(lines)
    return int(lines[index].split(";")[header.index("PMUN")])


def corrected(body: bytes, more: int) -> bytes:
    """The zip with `more` inhabitants added to the commune (PMUN and PTOT), as a correction."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    lines = members["donnees_communes.csv"].decode("utf-8").splitlines()
    header, index = _commune_line(lines)
    cells = lines[index].split(";")
    for column in ("PMUN", "PTOT"):
        cells[header.index(column)] = str(int(cells[header.index(column)]) + more)
    lines[index] = ";".join(cells)
    members["donnees_communes.csv"] = ("\n".join(lines) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class State:
    """What a backfill may or may not change, read from the warehouse and the published file."""

    ingestions: set[tuple[str, str, int]]  # (ingestion_id, dataset, millésime)
    raw_ids: dict[int, set[str]]  # millésime -> ingestion ids of the populations' raw rows
    raw_pmun: dict[int, int]  # millésime -> PMUN of the commune in the raw table
    marts_pmun: dict[int, int]  # millésime -> population_municipale of the commune (published)
    france: dict[int, int]  # millésime -> population_municipale of France (published)
    edition: str


def state(settings: Settings) -> State:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        ingestions = {
            (i, d, int(m))
            for i, d, m in con.execute(
                "select ingestion_id, dataset_id, millesime from meta.ingestions"
            ).fetchall()
        }
        raw_ids: dict[int, set[str]] = {}
        for year, ingestion in con.execute(
            f"select distinct millesime, ingestion_id from {TABLE}"
        ).fetchall():
            raw_ids.setdefault(int(year), set()).add(ingestion)
        raw_pmun = dict(
            con.execute(
                f"select millesime, pmun::integer from {TABLE} where code_commune = ?", [COMMUNE]
            ).fetchall()
        )
    finally:
        con.close()
    published = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        query = (
            "select millesime, population_municipale from marts.population "
            "where niveau = ? and code_territoire = ?"
        )
        marts_pmun = dict(published.execute(query, ["commune", COMMUNE]).fetchall())
        france = dict(published.execute(query, ["france", "FR"]).fetchall())
    finally:
        published.close()
    edition = (settings.published_path.parent / "current").resolve().name
    return State(ingestions, raw_ids, raw_pmun, marts_pmun, france, edition)


def new_loads(before: State, after: State) -> list[tuple[str, int]]:
    return sorted((d, m) for i, d, m in after.ingestions - before.ingestions)


def assert_only_2021_reloaded(before: State, after: State) -> None:
    assert new_loads(before, after) == [(DATASET, 2021)]  # no other edition, no other source
    assert before.ingestions <= after.ingestions
    assert after.raw_ids[2021] != before.raw_ids[2021] and len(after.raw_ids[2021]) == 1
    for year in set(catalog_years()) - {2021}:
        assert after.raw_ids[year] == before.raw_ids[year], year


# --- the backfill ------------------------------------------------------------------------------


def test_backfill_reloads_one_edition_and_rebuilds_what_reads_it(
    sample_build, tmp_path, monkeypatch, capsys
):
    home = copy_of_sample(sample_build, tmp_path / "home")
    catalog_dir = tmp_path / "assets"
    shutil.copytree(REPOSITORY / "assets", catalog_dir)
    monkeypatch.setenv("OBSERVATORY_CATALOG_DIR", str(catalog_dir))
    settings = make_settings(home, OBSERVATORY_CATALOG_DIR=str(catalog_dir))
    before = state(settings)
    # INSEE corrects 2021 (+1,000 inhabitants); 2022's file changes too, but is not asked for.
    files = {y: catalog_dir / f"sample/{DATASET}/{y}/ensemble.zip" for y in (2021, 2022)}
    old = {year: sample_pmun(path) for year, path in files.items()}
    files[2021].write_bytes(corrected(files[2021].read_bytes(), 1000))
    files[2022].write_bytes(corrected(files[2022].read_bytes(), 500))
    assert sample_pmun(files[2021]) == old[2021] + 1000

    command = documented_command("observatory")
    assert "--millesime" in command
    assert main(["--home", str(home), *command[1:]]) == 0, capsys.readouterr().err

    after = state(settings)
    assert_only_2021_reloaded(before, after)
    assert after.raw_pmun[2021] == old[2021] + 1000
    assert after.raw_pmun[2022] == before.raw_pmun[2022] == old[2022]  # its file changed: kept
    assert after.marts_pmun[2021] == old[2021] + 1000
    assert after.france[2021] - before.france[2021] == 1000
    unchanged = set(catalog_years()) - {2021}
    assert {y: after.marts_pmun[y] for y in unchanged} == {
        y: before.marts_pmun[y] for y in unchanged
    }
    assert after.edition != before.edition  # a new edition was published


FAST_INSTANCE = """\
# The test's instance: runs stored (sqlite) as in any DAGSTER_HOME, the event log kept in memory,
# whose hundreds of sqlite writes would double the test's time (production: PostgreSQL).
event_log_storage:
  module: dagster._core.storage.event_log
  class: InMemoryEventLogStorage
"""


def test_the_documented_dagster_command_forces_one_edition(sample_build, tmp_path):
    home = copy_of_sample(sample_build, tmp_path / "home")
    settings = make_settings(home)
    before = state(settings)
    command = documented_command("dagster")
    config = json.loads(command[command.index("--config-json") + 1])
    assert config["ops"][OP]["config"] == {"millesimes": [2021], "force": True}
    env = {**os.environ, "OBSERVATORY_HOME": str(home)}  # DAGSTER_HOME: the test's own
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    (Path(env["DAGSTER_HOME"]) / "dagster.yaml").write_text(FAST_INSTANCE, encoding="utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), *command[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    # The files did not change: only `force` reloads 2021, and nothing else; what reads it is
    # rebuilt and published.
    after = state(settings)
    assert_only_2021_reloaded(before, after)
    assert after.raw_pmun == before.raw_pmun
    assert after.edition != before.edition
    with dg.DagsterInstance.get() as instance:  # the run is in the instance, with its config
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.run_config["ops"] == config["ops"]


def test_the_asset_runs_without_config_and_reports_every_edition_after_a_backfill(tmp_path):
    settings = make_settings(tmp_path / "home")
    job = assemble(settings).resolve_implicit_global_asset_job_def()
    key = dg.AssetKey(TABLE.split("."))

    def materialize(run_config: dict) -> dict:
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance, asset_selection=[key], run_config=run_config
            )
        (event,) = result.get_asset_materialization_events()
        return dict(event.event_specific_data.materialization.metadata)

    plain = materialize({})  # no config: every edition, as the schedule and a build run it
    assert "backfill" not in plain
    first = _raw(settings)
    forced = materialize({"ops": {OP: {"config": {"millesimes": [2021], "force": True}}}})
    assert forced["backfill"].value == "millésimes 2021, forced"
    again = _raw(settings)
    assert again[2021][0] != first[2021][0]
    assert {y: v for y, v in again.items() if y != 2021} == {
        y: v for y, v in first.items() if y != 2021
    }
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        per_year = dict(
            con.execute(f"select millesime, count(*) from {TABLE} group by all").fetchall()
        )
    finally:
        con.close()
    assert sorted(per_year) == catalog_years()
    # the whole table is still described, not only the reloaded edition
    assert forced["rows_per_millesime"].value == {str(y): n for y, n in per_year.items()}
    assert forced["dagster/row_count"].value == sum(per_year.values())
    table = forced["ingestions"].value
    assert table.count("| kept |") == len(catalog_years()) - 1 and "| loaded |" in table


# --- the launchpad and the jobs ------------------------------------------------------------------


def test_the_launchpad_config_is_valid_for_the_asset_and_its_family_job(tmp_path):
    definitions = assemble(make_settings(tmp_path / "home"))
    launchpad = documented_launchpad()
    assert launchpad == {"ops": {OP: {"config": {"millesimes": [2021], "force": False}}}}
    asset_job = definitions.resolve_implicit_global_asset_job_def()
    family = definitions.resolve_job_def("refresh_territoires")
    for job in (asset_job, family):
        assert dg.validate_run_config(job, launchpad)["ops"][OP]["config"]["millesimes"] == [2021]
        with pytest.raises(dg.DagsterInvalidConfigError, match="millesime"):
            dg.validate_run_config(job, {"ops": {OP: {"config": {"millesime": [2021]}}}})
        with pytest.raises(dg.DagsterInvalidConfigError):
            dg.validate_run_config(job, {"ops": {OP: {"config": {"millesimes": ["2021"]}}}})
    # With no config (the schedule, the sensor, a build), every ingestion asset takes the
    # defaults: every edition, nothing forced.
    everything = definitions.resolve_job_def("refresh_everything")
    ops = dg.validate_run_config(everything, {})["ops"]
    catalog = list(load_catalog(REPOSITORY / "assets"))
    assert len(catalog) > 10
    for dataset in catalog:
        op = dataset.target_table.replace(".", "__")
        assert ops[op]["config"] == {"millesimes": [], "force": False}, dataset.id


# --- refusals ----------------------------------------------------------------------------------


@pytest.fixture
def nothing_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a file was fetched or read")

    monkeypatch.setattr(load, "_obtain", refuse)
    monkeypatch.setattr(fetch, "download", refuse)
    monkeypatch.setattr(state_module, "sha256_file", refuse)  # a local file is not even hashed


def _names_dataset_and_editions(message: str) -> None:
    assert DATASET in message and "1999" in message
    assert ", ".join(map(str, catalog_years())) in message, message


def test_an_unknown_millesime_is_refused_before_anything_is_read(tmp_path, nothing_fetched, capsys):
    settings = make_settings(tmp_path / "home")
    dataset = load_catalog(settings.catalog_dir).get(DATASET)
    with pytest.raises(IngestError) as refused:
        ingest_dataset(settings, dataset, millesimes=[2021, 1999])
    _names_dataset_and_editions(str(refused.value))

    # The command line: one error line, the run never starts.
    command = documented_command("observatory")
    command[command.index("--millesime") + 1] = "1999"
    assert main(["--home", str(settings.home), *command[1:]]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    _names_dataset_and_editions(err[0])
    assert err[0] in DOC.read_text(encoding="utf-8").splitlines()  # as the page shows it
    # A --millesime without ingestion asset in the selection.
    assert main(["--home", str(settings.home), "build", "--select", 'key:"marts/population"',
                 "--millesime", "2021"]) == 1  # fmt: skip
    assert "ingestion asset" in capsys.readouterr().err

    # The launchpad (a run with that config): the ingestion step fails with the same message.
    definitions = assemble(settings)
    job = definitions.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            asset_selection=[dg.AssetKey(TABLE.split("."))],
            run_config={"ops": {OP: {"config": {"millesimes": [1999]}}}},
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    _names_dataset_and_editions(failure_message(failure))
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert con.execute("select count(*) from meta.ingestions").fetchall() == [(0,)]
    finally:
        con.close()


# --- force against a server that kept its ETag ------------------------------------------------


@dataclass
class Server:
    """Files with a fixed ETag, answering 304 to it whatever the body became; records requests."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@contextmanager
def etag_server(server: Server) -> Iterator[str]:
    class Handler(AnsweringHandler):
        def answer(self, body_wanted: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append((self.path, headers))
            body = server.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            unchanged = headers.get("if-none-match") == '"v1"'
            self.send_response(304 if unchanged else 200)
            self.send_header("ETag", '"v1"')
            if not unchanged:
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body_wanted and not unchanged:
                self.wfile.write(body)

    with serve(Handler) as base:
        yield base


def test_force_downloads_again_a_file_corrected_under_the_same_etag(tmp_path):
    dataset = load_catalog(REPOSITORY / "assets").get(DATASET)
    server, paths = Server(), {}
    for edition in dataset.millesimes:  # the mirror lays every file out under <host>/<path>
        url = urlsplit(edition.url)
        paths[edition.millesime] = f"/{url.netloc}{url.path}"
        sample = REPOSITORY / "assets/sample" / DATASET / str(edition.millesime)
        server.files[paths[edition.millesime]] = (sample / edition.file_name).read_bytes()
    with etag_server(server) as base:
        settings = make_settings(
            tmp_path / "home", OBSERVATORY_SOURCE="mirror", OBSERVATORY_MIRROR_URL=base + "/"
        )
        ingest_dataset(settings, dataset)  # every edition downloaded, cached with its ETag
        before = _raw(settings)
        old = server.files[paths[2021]]
        server.files[paths[2021]] = corrected(old, 1000)  # corrected in place, same ETag

        server.requests.clear()
        plain, _ = ingest_dataset(settings, dataset, millesimes=[2021])
        assert [p for p, _ in server.requests] == [paths[2021]]  # no other edition asked
        assert server.requests[0][1]["if-none-match"] == '"v1"'
        assert _raw(settings) == before  # the server said 304: nothing to reload

        server.requests.clear()
        forced, _ = ingest_dataset(settings, dataset, millesimes=[2021], force=True)
        assert [p for p, _ in server.requests] == [paths[2021]]
        headers = server.requests[0][1]
        assert "if-none-match" not in headers and "if-modified-since" not in headers
    after = _raw(settings)
    assert after[2021][1] == before[2021][1] + 1000
    assert after[2021][0] != before[2021][0]
    assert {y: v for y, v in after.items() if y != 2021} == {
        y: v for y, v in before.items() if y != 2021
    }
    assert {r.millesime: r.status for r in plain}[2021] == "unchanged"
    statuses = {r.millesime: r.status for r in forced}
    assert statuses == {y: ("loaded" if y == 2021 else "kept") for y in catalog_years()}


def _raw(settings: Settings) -> dict[int, tuple[str, int]]:
    """millésime -> (ingestion id, PMUN of the commune) in the populations' raw table."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            f"select millesime, ingestion_id, pmun::integer from {TABLE} where code_commune = ?",
            [COMMUNE],
        ).fetchall()
    finally:
        con.close()
    return {int(year): (ingestion, pmun) for year, ingestion, pmun in rows}
