"""Orchestration: refresh jobs resolved against the asset graph, the monthly schedule, retries,
freshness policies, and the release sensor against a real HTTP server on 127.0.0.1.

Expected job selections come from the catalog YAML and the graph's own edges, not from the
selection code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formatdate
from urllib.parse import urlsplit

import dagster as dg
import pytest
import yaml

from observatory import fetch
from observatory.catalog import Catalog, load_catalog
from observatory.defs import assemble as build_definitions
from observatory.defs.instance import DAGSTER_YAML
from observatory.defs.jobs import NETWORK_RETRY_POLICY, build_jobs
from observatory.defs.resources import ObservatoryResource
from observatory.defs.sensors import build_release_sensor, run_requests
from observatory.ingest.load import ingest_dataset
from observatory.ingest.releases import check_releases
from tests.conftest import REPOSITORY, make_settings
from tests.fetch_support import AnsweringHandler, serve
from tests.test_definitions import catalog_yaml, raw_key

PUBLISHED = dg.AssetKey(["published", "observatory"])


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    return build_definitions(make_settings(tmp_path_factory.mktemp("orchestration_home")))


def downstream(graph, keys: set[dg.AssetKey]) -> set[dg.AssetKey]:
    """The keys and everything reachable from them along the graph's edges."""
    found, todo = set(keys), list(keys)
    while todo:
        for child in graph.get(todo.pop()).child_keys:
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def families() -> dict[str, set[dg.AssetKey]]:
    result: dict[str, set[dg.AssetKey]] = {}
    for entry in catalog_yaml().values():
        result.setdefault(entry["group"], set()).add(raw_key(entry))
    return result


# --- jobs, schedule, retries, freshness ----------------------------------------------------------


def test_one_refresh_job_per_source_family_with_what_is_built_from_it(definitions) -> None:
    graph = definitions.resolve_asset_graph()
    expected = families()
    assert set(expected) >= {"territoires", "services", "sante"}
    for family, sources in expected.items():
        job = definitions.resolve_job_def(f"refresh_{family}")
        selected = set(job.asset_layer.selected_asset_keys)
        assert selected == downstream(graph, sources), family
        assert PUBLISHED in selected and sources <= selected
        others = set().union(*(k for f, k in expected.items() if f != family))
        assert not selected & others, f"refresh_{family} ingests another family's sources"
    everything = definitions.resolve_job_def("refresh_everything")
    assert set(everything.asset_layer.selected_asset_keys) == graph.get_all_asset_keys()


def test_refresh_jobs_retry_their_network_steps(definitions) -> None:
    for family, sources in families().items():
        job = definitions.resolve_job_def(f"refresh_{family}")
        for key in sources:
            handle = job.asset_layer.get_op_output_handle(key).node_handle
            policy = job.get_retry_policy_for_handle(handle)
            assert policy == NETWORK_RETRY_POLICY, (family, key)
    assert NETWORK_RETRY_POLICY.max_retries >= 2 and (NETWORK_RETRY_POLICY.delay or 0) >= 30


def test_monthly_schedule_and_release_sensor_are_defined_and_stopped(definitions) -> None:
    schedule = definitions.resolve_schedule_def("monthly_refresh")
    _minute, _hour, day, month, weekday = str(schedule.cron_schedule).split()
    assert day.isdigit() and (month, weekday) == ("*", "*")  # once a month
    assert schedule.job_name == "refresh_everything"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    sensor = definitions.resolve_sensor_def("source_releases")
    assert {t.job_name for t in sensor.targets} == {f"refresh_{f}" for f in families()}
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert yaml.safe_load(DAGSTER_YAML)["freshness"] == {"enabled": True}


def test_every_source_has_a_freshness_policy_from_its_rhythm(definitions) -> None:
    graph = definitions.resolve_asset_graph()
    entries = catalog_yaml()
    for entry in entries.values():
        node = graph.get(raw_key(entry))
        assert node.freshness_policy is not None, entry["id"]
        assert node.metadata["publication_rhythm"], entry["id"]
    daily = graph.get(raw_key(entries["ans_annuaire_sante"])).freshness_policy
    yearly = graph.get(raw_key(entries["insee_bpe"])).freshness_policy
    assert daily.fail_window.to_timedelta() <= timedelta(days=35)
    assert yearly.fail_window.to_timedelta() >= timedelta(days=365)
    cog = graph.get(raw_key(entries["insee_cog_communes"])).freshness_policy
    assert cog.deadline_cron.split()[2:4] == ["1", "4"]  # the year's COG is in by 1 April


# --- the release sensor --------------------------------------------------------------------------


@dataclass
class Release:
    body: bytes
    etag: str
    last_modified: str


@dataclass
class Publisher:
    """A static server with ETags whose files the test republishes; records every request."""

    files: dict[str, Release] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    base: str = ""
    refuse_head: bool = False

    def release(self, path: str, body: bytes, etag: str) -> None:
        self.files[path] = Release(body, etag, formatdate(usegmt=True))

    def heads(self) -> list[tuple[str, dict[str, str]]]:
        return [(path, headers) for method, path, headers in self.requests if method == "HEAD"]


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    state = Publisher()

    class Handler(AnsweringHandler):
        def refuses_head(self, path: str) -> bool:
            return state.refuse_head

        def record(self, headers: dict[str, str]) -> None:
            state.requests.append((self.command, self.path, headers))

        def answer(self, body_wanted: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.record(headers)
            found = state.files.get(self.path)
            if found is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            unchanged = headers.get("if-none-match") == found.etag
            self.send_response(304 if unchanged else 200)
            self.send_header("ETag", found.etag)
            self.send_header("Last-Modified", found.last_modified)
            if not unchanged:
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(found.body)))
            self.end_headers()
            if body_wanted and not unchanged:
                self.wfile.write(found.body)

    with serve(Handler) as base:
        state.base = base + "/"
        yield state


def test_release_sensor_launches_the_family_refresh_once_per_new_validator(tmp_path, publisher):
    full = load_catalog(REPOSITORY / "assets")
    catalog = Catalog(
        {d.id: d for d in full if d.id in ("insee_cog_regions", "insee_bpe_nomenclature")},
        REPOSITORY / "assets",
    )
    paths = {}
    for dataset in catalog:  # the mirror lays every official file out under <host>/<path>
        for edition in dataset.millesimes:
            url = urlsplit(edition.url)
            paths[dataset.id, edition.millesime] = f"/{url.netloc}{url.path}"
            sample = REPOSITORY / "assets/sample" / dataset.id / str(edition.millesime)
            body = (sample / edition.file_name).read_bytes()
            publisher.release(f"/{url.netloc}{url.path}", body, '"v1"')
    settings = make_settings(
        tmp_path / "home", OBSERVATORY_SOURCE="mirror", OBSERVATORY_MIRROR_URL=publisher.base
    )
    for dataset in catalog:  # a refresh: downloads cached with their ETag, tables loaded
        ingest_dataset(settings, dataset)
    sensor = build_release_sensor(catalog, build_jobs(catalog))
    resources = {"observatory": ObservatoryResource.pinned(settings)}

    def tick(cursor: str | None):
        publisher.requests.clear()
        context = dg.build_sensor_context(cursor=cursor, resources=resources)
        return sensor.evaluate_tick(context)

    # Nothing new: every source answers 304 to the cache's own validator, no download.
    quiet = tick(None)
    assert quiet.run_requests == [] and "no new release among 4" in (quiet.skip_message or "")
    assert len(publisher.heads()) == 4 and len(publisher.requests) == 4
    assert all(
        h["if-none-match"] == '"v1"' and h["if-modified-since"] for _, h in publisher.heads()
    )

    # INSEE republishes the 2026 regions: one run of the territoires refresh, keyed on the ETag.
    regions = paths["insee_cog_regions", 2026]
    publisher.release(regions, publisher.files[regions].body + b"\n", '"v2"')
    found = tick(quiet.cursor)
    assert [(r.job_name, r.run_key) for r in found.run_requests] == [
        ("refresh_territoires", 'refresh_territoires:insee_cog_regions 2026@"v2"')
    ]
    assert found.run_requests[0].tags["observatory/releases"] == 'insee_cog_regions 2026@"v2"'
    # Until the run has downloaded it, the same release is not requested again.
    again = tick(found.cursor)
    assert again.run_requests == [] and len(publisher.heads()) == 4

    # The run downloads the release; the server then answers 304 to the new validator.
    ingest_dataset(settings, catalog.get("insee_cog_regions"))
    after = tick(again.cursor)
    assert after.run_requests == []
    assert dict(publisher.heads())[regions]["if-none-match"] == '"v2"'

    # A later release of the services nomenclature launches the services refresh.
    nomenclature = paths["insee_bpe_nomenclature", 2025]
    publisher.release(nomenclature, publisher.files[nomenclature].body, '"v3"')
    later = tick(after.cursor)
    assert [r.job_name for r in later.run_requests] == ["refresh_services"]
    assert '"v3"' in str(later.run_requests[0].run_key)


def test_release_sensor_asks_nothing_in_offline_modes(tmp_path, publisher):
    catalog = load_catalog(REPOSITORY / "assets")
    for mode in ("sample", "local"):
        settings = make_settings(tmp_path / mode, OBSERVATORY_SOURCE=mode)
        found = check_releases(settings, catalog, None)
        assert run_requests(found) == [] and found.asked == 0
        assert "downloads nothing" in found.problems[0]
    assert publisher.requests == []


def test_probe_falls_back_to_a_conditional_get_when_head_is_refused(tmp_path, publisher):
    publisher.release("/data.csv", b"a;b\n1;2\n", '"v1"')
    url = f"{publisher.base}data.csv"
    fetch.download(url, tmp_path, label="test", expected_format="csv", retries=0)
    publisher.refuse_head = True
    publisher.requests.clear()
    cached = fetch.cached_validators(url, tmp_path)
    answer = fetch.ask(url, label="test", validators=cached)
    assert (answer.status, answer.changed, answer.method) == (304, False, "GET")
    assert [(m, h.get("if-none-match"), h.get("range")) for m, _, h in publisher.requests] == [
        ("HEAD", None, None),
        ("GET", '"v1"', "bytes=0-0"),
    ]
    publisher.release("/data.csv", b"a;b\n1;3\n", '"v2"')
    assert fetch.ask(url, label="test", validators=cached).validator == '"v2"'
    assert (tmp_path / "data.csv").read_bytes() == b"a;b\n1;2\n"  # probing downloads nothing
