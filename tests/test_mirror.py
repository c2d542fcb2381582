"""Mirror mode end to end: every input downloaded over HTTP from a server on 127.0.0.1.

The server lays the bundled sample out under `<host>/<path>` of each official URL, exactly as an
internal mirror of insee.fr would, so the same catalog URLs, download cache, conditional requests
and parsing run as in live mode.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

import duckdb
import pytest

from observatory.catalog import load_catalog
from tests.conftest import REPOSITORY, RUN_LOG, build, digest, make_settings


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with Last-Modified / If-Modified-Since; records every answer; can misbehave."""

    log: ClassVar[list[tuple[str, int]]] = []
    broken: ClassVar[dict[str, tuple[int, bytes, str]]] = {}

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log.append((self.path, code))
        super().send_response(code, message)

    def do_GET(self) -> None:
        for suffix, (status, body, content_type) in self.broken.items():
            if self.path.endswith(suffix):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        super().do_GET()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, type[MirrorHandler]]]:
    root = tmp_path / "mirror"
    catalog = load_catalog(REPOSITORY / "assets")
    for dataset in catalog:
        for edition in dataset.millesimes:
            parts = urlsplit(edition.url)
            target = root / parts.netloc / unquote(parts.path).lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(
                REPOSITORY
                / "assets/sample"
                / dataset.id
                / str(edition.millesime)
                / edition.file_name,
                target,
            )
    handler = type("Handler", (MirrorHandler,), {"log": [], "broken": {}})

    def factory(*args: object, **kwargs: object) -> MirrorHandler:
        return handler(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    finally:
        server.shutdown()
        server.server_close()


RAW_AND_STAGING = 'key:"raw/*" or key:"staging/*"'
"""Every download, parsed and typed: what mirror mode changes (the models after are the same)."""


def test_mirror_mode_downloads_parses_and_revalidates(tmp_path, mirror, sample_build):
    base, handler = mirror
    settings = make_settings(
        tmp_path / "home",
        OBSERVATORY_SOURCE="mirror",
        OBSERVATORY_MIRROR_URL=base,
    )
    first = build(settings, RAW_AND_STAGING)
    assert first.success, first.failure
    _, sample_summary = sample_build

    def sources(tables):  # the user's territories file is the sample's own, not a download
        return {
            t: n for t, n in tables if t.startswith(("raw.", "staging.")) and "utilisateur" not in t
        }

    assert sources(first.tables) == sources(sample_summary.tables)
    editions = sum(len(d.millesimes) for d in load_catalog(REPOSITORY / "assets"))
    downloads = [code for _, code in handler.log]
    assert downloads.count(200) == editions and 304 not in downloads
    cached = sorted(p.name for p in settings.download_dir.rglob("*") if p.is_file())
    assert "ensemble.zip" in cached and "ensemble.zip.meta.json" in cached

    handler.log.clear()
    before = digest(settings.warehouse_path, without=RUN_LOG)
    second = build(settings, RAW_AND_STAGING)
    assert second.success, second.failure
    assert sorted({code for _, code in handler.log}) == [304]  # nothing downloaded again
    assert len(handler.log) == editions
    assert digest(settings.warehouse_path, without=RUN_LOG) == before


ONE_SOURCE = 'key:"raw/insee__populations_reference" or key:"published/observatory"'
"""The failing source and the publication: enough to prove what a failure changes."""


def _query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _failures(settings) -> list[tuple]:
    return _query(
        settings,
        "select dataset_id, millesime, error, http_status, attempts "
        "from meta.source_failures order by all",
    )


def _rows_2023(settings) -> int:
    sql = "select count(*) from raw.insee__populations_reference where millesime = 2023"
    return int(_query(settings, sql)[0][0])


def _mirror_settings(tmp_path, base: str, retries: int):
    return make_settings(
        tmp_path / "home",
        OBSERVATORY_SOURCE="mirror",
        OBSERVATORY_MIRROR_URL=base,
        OBSERVATORY_HTTP_RETRIES=str(retries),
    )


def test_a_failing_edition_is_reported_kept_and_the_rest_published(tmp_path, mirror):
    """An HTML page or a 503 for one edition: the other editions are built and published, the
    failing edition keeps its earlier rows and cached file, and a warning check says so."""
    base, handler = mirror
    settings = _mirror_settings(tmp_path, base, retries=1)
    first = build(settings, ONE_SOURCE)
    assert first.success and first.warnings == [], first.failure
    rows_2023 = _rows_2023(settings)
    assert rows_2023 > 0
    raw = "raw.insee__populations_reference"
    before = digest(settings.warehouse_path, without=RUN_LOG)[raw]
    cache = {p: p.read_bytes() for p in settings.download_dir.rglob("*") if p.is_file()}

    # The 2023 populations zip now comes back as an HTML maintenance page with a 200.
    handler.broken["8680726/ensemble.zip"] = (
        200,
        b"<!DOCTYPE html><html><body>Maintenance</body></html>",
        "text/html",
    )
    warned = build(settings, ONE_SOURCE)
    assert warned.success, warned.failure
    assert "published.observatory" in dict(warned.tables)
    [warning] = warned.warnings
    assert warning.label == f"{raw}: source_reachable"
    assert "insee_populations_reference 2023" in warning.message and "HTML" in warning.message
    assert digest(settings.warehouse_path, without=RUN_LOG)[raw] == before  # 2023 rows kept
    assert {p: p.read_bytes() for p in settings.download_dir.rglob("*") if p.is_file()} == cache
    assert _failures(settings) == [("insee_populations_reference", 2023, "NotDataError", None, 1)]

    handler.broken["8680726/ensemble.zip"] = (503, b"busy", "text/plain")
    again = build(settings, ONE_SOURCE)
    assert again.success and "503" in again.warnings[0].message
    assert _failures(settings) == [("insee_populations_reference", 2023, "HttpStatusError", 503, 2)]
    assert _rows_2023(settings) == rows_2023

    # The source answers again: the failure is forgotten and the check passes.
    handler.broken.clear()
    healed = build(settings, ONE_SOURCE)
    assert healed.success and healed.warnings == []
    assert _failures(settings) == []


def test_a_dataset_with_no_edition_obtained_fails_its_ingestion(tmp_path, mirror):
    """When every edition fails and nothing was loaded before, there is nothing to publish."""
    base, handler = mirror
    settings = _mirror_settings(tmp_path, base, retries=0)
    handler.broken["/ensemble.zip"] = (404, b"not found", "text/plain")
    failed = build(settings, ONE_SOURCE)
    assert not failed.success
    assert "no edition could be obtained" in failed.failure and "404" in failed.failure
    assert "published.observatory" not in dict(failed.tables)
