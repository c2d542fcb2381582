"""Offline tests of observatory.fetch.http's download (conditional GET, retries, capped
streaming, verification before the cached copy is replaced) against a real HTTP server on
127.0.0.1.

Each test scripts the server's answers per path (a queue of canned responses, the last one
repeating) and inspects the request headers it received. Every failing case also checks that the
download folder is exactly as it was: same listing, same bytes, no `.part` file left behind.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import zipfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from observatory import fetch
from observatory.fetch import (
    ArchiveError,
    ChecksumError,
    FetchError,
    HttpStatusError,
    NetworkError,
    NotDataError,
    TooLargeError,
    download,
    mirror_url,
)
from observatory.fetch import http as fetch_http
from observatory.state import sha256_file
from tests.fetch_support import (
    CSV,
    HTML,
    LABEL,
    MiB,
    assert_untouched,
    make_zip,
    sha,
    snapshot,
)

# --------------------------------------------------------------------------------------------
# A scriptable HTTP server


@dataclass
class Canned:
    """One scripted answer. By default a 200 with a correct Content-Length."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    """Sleep this long before the headers, or mid-body when `pause_at` is set."""
    pause_at: int | None = None
    declared_length: int | None = None
    """Content-Length to announce instead of the real one (a lie: the connection is then closed)."""
    send_length: bool = True
    """False: no Content-Length, the body ends when the connection closes."""


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class ScriptedServer:
    """ThreadingHTTPServer on an ephemeral port whose responses the test scripts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, deque[Canned]] = {}
        self.requests: list[Seen] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for it, and the default (0.5 s) per test adds up.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def script(self, path: str, *responses: Canned) -> None:
        """Replace the answers for `path`; they are served in order, the last one repeats."""
        with self._lock:
            self._routes[path] = deque(responses)

    def next_response(self, path: str) -> Canned:
        with self._lock:
            queue = self._routes.get(path)
            if not queue:
                return Canned(status=404, body=b"not scripted")
            return queue.popleft() if len(queue) > 1 else queue[0]

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Seen(path, headers))

    def seen(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [seen.headers for seen in self.requests if seen.path == path]


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server.record(self.path, {k.lower(): v for k, v in self.headers.items()})
            canned = server.next_response(self.path)
            try:
                self._answer(canned)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout test): fine

        def _answer(self, canned: Canned) -> None:
            if canned.delay_s and canned.pause_at is None:
                time.sleep(canned.delay_s)
            self.send_response(canned.status)
            for name, value in canned.headers.items():
                self.send_header(name, value)
            body = b"" if canned.status == 304 else canned.body
            if canned.status != 304 and canned.send_length:
                length = canned.declared_length
                self.send_header("Content-Length", str(len(body) if length is None else length))
            if not canned.send_length or canned.declared_length is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if canned.pause_at is not None:
                self.wfile.write(body[: canned.pause_at])
                self.wfile.flush()
                time.sleep(canned.delay_s)
                body = body[canned.pause_at :]
            self.wfile.write(body)
            self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

    return Handler


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment must not intercept requests to 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


# --------------------------------------------------------------------------------------------
# Helpers


def fetch_quick(url: str, dest_dir: Path, fmt: str = "csv", **kwargs: object) -> fetch.Download:
    """download() with test-friendly retry settings (no waiting)."""
    options: dict[str, object] = {"retries": 2, "backoff_s": 0.0, "timeout_s": 5.0}
    options.update(kwargs)
    return download(url, dest_dir, label=LABEL, expected_format=fmt, **options)  # type: ignore[arg-type]


def prime(server: ScriptedServer, dest_dir: Path, path: str, body: bytes, fmt: str = "csv"):
    """A good cached copy (with sidecar) to prove a later failure leaves it untouched."""
    server.script(path, Canned(body=body, headers={"ETag": '"good"'}))
    result = fetch_quick(server.url(path), dest_dir, fmt)
    assert result.downloaded and result.path.read_bytes() == body
    return snapshot(dest_dir)


# --------------------------------------------------------------------------------------------
# Successful downloads and the cache


def test_download_200_writes_file_sha256_and_sidecar(server: ScriptedServer, dest: Path) -> None:
    headers = {"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"}
    server.script("/f/communes.csv", Canned(body=CSV, headers=headers))

    result = fetch_quick(server.url("/f/communes.csv"), dest)

    assert result.path == dest / "communes.csv"
    assert result.path.read_bytes() == CSV
    assert (result.sha256, result.bytes) == (sha(CSV), len(CSV))
    assert (result.status, result.downloaded, result.etag) == (200, True, '"v1"')
    assert result.fetched_at.endswith("Z")
    meta = json.loads((dest / "communes.csv.meta.json").read_text())
    assert meta == {
        "url": server.url("/f/communes.csv"),
        "sha256": sha(CSV),
        "bytes": len(CSV),
        "etag": '"v1"',
        "last_modified": "Wed, 01 Jan 2025 00:00:00 GMT",
        "fetched_at": result.fetched_at,
    }
    assert sorted(p.name for p in dest.iterdir()) == ["communes.csv", "communes.csv.meta.json"]
    first = server.seen("/f/communes.csv")[0]
    assert first["user-agent"] == fetch_http.USER_AGENT
    assert "if-none-match" not in first and "if-modified-since" not in first


def test_second_download_sends_if_none_match_and_reuses_on_304(
    server: ScriptedServer, dest: Path
) -> None:
    url = server.url("/communes.csv")
    server.script("/communes.csv", Canned(body=CSV, headers={"ETag": '"v1"'}))
    fetch_quick(url, dest)
    before = snapshot(dest)
    stat = (dest / "communes.csv").stat()
    server.script("/communes.csv", Canned(status=304, headers={"ETag": '"v1"'}))

    again = fetch_quick(url, dest)

    assert (again.status, again.downloaded, again.sha256) == (304, False, sha(CSV))
    assert again.path.read_bytes() == CSV
    seen = server.seen("/communes.csv")
    assert len(seen) == 2 and seen[1]["if-none-match"] == '"v1"'
    after = (dest / "communes.csv").stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert snapshot(dest) == before


def test_last_modified_only_server_gets_if_modified_since(
    server: ScriptedServer, dest: Path
) -> None:
    stamp = "Tue, 04 Mar 2025 10:00:00 GMT"
    server.script("/a.csv", Canned(body=CSV, headers={"Last-Modified": stamp}), Canned(status=304))

    fetch_quick(server.url("/a.csv"), dest)
    again = fetch_quick(server.url("/a.csv"), dest)

    assert again.status == 304 and again.last_modified == stamp
    second = server.seen("/a.csv")[1]
    assert second["if-modified-since"] == stamp
    assert "if-none-match" not in second


def test_cached_file_not_matching_sidecar_is_downloaded_afresh(
    server: ScriptedServer, dest: Path
) -> None:
    server.script("/a.csv", Canned(body=CSV, headers={"ETag": '"v1"'}))
    fetch_quick(server.url("/a.csv"), dest)
    (dest / "a.csv").write_bytes(CSV.replace(b"859", b"999"))  # same size, other content

    again = fetch_quick(server.url("/a.csv"), dest)

    assert again.downloaded and (dest / "a.csv").read_bytes() == CSV
    assert "if-none-match" not in server.seen("/a.csv")[1]


def test_multi_megabyte_zip_is_streamed_intact(server: ScriptedServer, dest: Path) -> None:
    payload = hashlib.sha256(b"seed").digest() * (3 * MiB // 32)  # incompressible enough
    body = make_zip({"big.csv": payload}, compression=zipfile.ZIP_STORED)
    server.script("/big.zip", Canned(body=body))

    result = fetch_quick(server.url("/big.zip"), dest, "zip")

    assert result.bytes == len(body) > 3 * MiB
    assert result.sha256 == sha(body) == sha256_file(result.path)


def test_304_without_a_cached_copy_is_an_error(server: ScriptedServer, dest: Path) -> None:
    server.script("/a.csv", Canned(status=304))
    with pytest.raises(HttpStatusError) as caught:
        fetch_quick(server.url("/a.csv"), dest)
    assert caught.value.status == 304
    assert list(dest.iterdir()) == []


# --------------------------------------------------------------------------------------------
# Retries


def test_500_then_200_succeeds_after_one_retry(server: ScriptedServer, dest: Path) -> None:
    server.script("/a.csv", Canned(status=500), Canned(body=CSV))
    result = fetch_quick(server.url("/a.csv"), dest)
    assert result.path.read_bytes() == CSV
    assert len(server.seen("/a.csv")) == 2


def test_503_forever_raises_after_retries_plus_one_requests(
    server: ScriptedServer, dest: Path
) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    server.script("/a.csv", Canned(status=503, body=b"busy"))

    with pytest.raises(HttpStatusError) as caught:
        fetch_quick(server.url("/a.csv"), dest, retries=3)

    assert caught.value.status == 503
    assert len(server.seen("/a.csv")) == 1 + 4
    message = str(caught.value)
    assert "\n" not in message and LABEL in message and server.url("/a.csv") in message
    assert "503" in message and "4 attempts" in message
    assert_untouched(dest, before)


def test_404_raises_immediately_without_retry(server: ScriptedServer, dest: Path) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    server.script("/a.csv", Canned(status=404, body=b"gone"))

    with pytest.raises(HttpStatusError) as caught:
        fetch_quick(server.url("/a.csv"), dest, retries=4)

    assert caught.value.status == 404
    assert len(server.seen("/a.csv")) == 1 + 1  # the priming request, then exactly one
    assert f"{LABEL}: HTTP 404" in str(caught.value) and server.url("/a.csv") in str(caught.value)
    assert_untouched(dest, before)


def test_retry_delays_back_off_exponentially_and_honour_retry_after(
    server: ScriptedServer, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(fetch_http, "_sleep", slept.append)
    server.script(
        "/a.csv",
        Canned(status=503),
        Canned(status=502),
        Canned(status=429, headers={"Retry-After": "7"}),
        Canned(status=429, headers={"Retry-After": "3600"}),
        Canned(status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        Canned(body=CSV),
    )

    fetch_quick(server.url("/a.csv"), dest, retries=5, backoff_s=0.5)

    assert slept == [0.5, 1.0, 7.0, 60.0, 8.0]


def test_read_timeout_then_success_is_retried(server: ScriptedServer, dest: Path) -> None:
    server.script("/slow.csv", Canned(body=CSV, delay_s=1.0), Canned(body=CSV))
    result = fetch_quick(server.url("/slow.csv"), dest, timeout_s=0.2)
    assert result.path.read_bytes() == CSV
    assert len(server.seen("/slow.csv")) == 2


def test_stall_in_the_middle_of_the_body_is_retried(server: ScriptedServer, dest: Path) -> None:
    server.script("/a.csv", Canned(body=CSV, pause_at=10, delay_s=1.0), Canned(body=CSV))
    result = fetch_quick(server.url("/a.csv"), dest, timeout_s=0.2)
    assert result.path.read_bytes() == CSV
    assert len(server.seen("/a.csv")) == 2
    assert sorted(p.name for p in dest.iterdir()) == ["a.csv", "a.csv.meta.json"]


def test_timeouts_forever_raise_network_error(server: ScriptedServer, dest: Path) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    server.script("/a.csv", Canned(body=CSV, delay_s=1.0))

    with pytest.raises(NetworkError, match="timed out"):
        fetch_quick(server.url("/a.csv"), dest, timeout_s=0.2, retries=1)

    assert len(server.seen("/a.csv")) == 1 + 2
    assert_untouched(dest, before)


def test_connection_refused_raises_network_error(dest: Path) -> None:
    closed = ScriptedServer()  # bound then closed without serving: nothing listens on its port
    url = closed.url("/a.csv")
    closed._httpd.server_close()
    with pytest.raises(NetworkError, match="connection failed") as caught:
        fetch_quick(url, dest, retries=1)
    assert LABEL in str(caught.value) and url in str(caught.value)
    assert list(dest.iterdir()) == []


# --------------------------------------------------------------------------------------------
# Not the data we expected


def test_html_page_with_html_content_type_is_not_data(server: ScriptedServer, dest: Path) -> None:
    server.script("/a.csv", Canned(body=HTML, headers={"Content-Type": "text/html; charset=utf-8"}))

    with pytest.raises(NotDataError, match="HTML page instead of csv data") as caught:
        fetch_quick(server.url("/a.csv"), dest)

    # Refused on the header alone, before any byte of the body is looked at.
    assert "(Content-Type: text/html; charset=utf-8)" in str(caught.value)

    assert list(dest.iterdir()) == []  # nothing cached
    assert len(server.seen("/a.csv")) == 1  # not worth retrying


def test_html_page_labelled_text_csv_is_caught_by_sniffing(
    server: ScriptedServer, dest: Path
) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    page = b"\xef\xbb\xbf\n  <HTML><body>Service indisponible</body></HTML>"
    server.script("/a.csv", Canned(body=page, headers={"Content-Type": "text/csv"}))

    with pytest.raises(NotDataError) as caught:
        fetch_quick(server.url("/a.csv"), dest)

    message = str(caught.value)
    assert "HTML page instead of csv data (first bytes:" in message and LABEL in message
    assert_untouched(dest, before)


def test_wrong_magic_bytes_for_parquet_download(server: ScriptedServer, dest: Path) -> None:
    before = prime(server, dest, "/t.parquet", b"PAR1" + b"\x00" * 20 + b"PAR1", "parquet")
    server.script("/t.parquet", Canned(body=CSV))
    with pytest.raises(NotDataError, match="expected parquet data starting with b'PAR1'"):
        fetch_quick(server.url("/t.parquet"), dest, "parquet")
    assert_untouched(dest, before)


# --------------------------------------------------------------------------------------------
# Zip archives received


def test_truncated_zip_download_is_archive_error(server: ScriptedServer, dest: Path) -> None:
    good = make_zip({"communes.csv": CSV * 200, "notice.txt": b"notice"})
    before = prime(server, dest, "/ensemble.zip", good, "zip")
    server.script("/ensemble.zip", Canned(body=good[: len(good) // 2]))

    with pytest.raises(ArchiveError, match="truncated or corrupt zip"):
        fetch_quick(server.url("/ensemble.zip"), dest, "zip")

    assert_untouched(dest, before)


@pytest.mark.parametrize(
    "member", ["../evil.csv", "a/../../evil.csv", "/tmp/evil.csv", "C:/evil.csv", "a\\evil.csv"]
)
def test_zip_with_unsafe_member_path_is_rejected(
    server: ScriptedServer, dest: Path, tmp_path: Path, member: str
) -> None:
    before = prime(server, dest, "/ensemble.zip", make_zip({"ok.csv": CSV}), "zip")
    server.script("/ensemble.zip", Canned(body=make_zip({"ok.csv": CSV, member: CSV})))

    with pytest.raises(ArchiveError, match="unsafe zip member path") as caught:
        fetch_quick(server.url("/ensemble.zip"), dest, "zip")

    assert repr(member) in str(caught.value)
    assert_untouched(dest, before)
    assert not (tmp_path / "evil.csv").exists()


def test_high_compression_ratio_download_is_rejected(server: ScriptedServer, dest: Path) -> None:
    before = prime(server, dest, "/ensemble.zip", make_zip({"ok.csv": CSV}), "zip")
    server.script("/ensemble.zip", Canned(body=make_zip({"zeros.csv": b"0" * 2 * MiB})))

    with pytest.raises(ArchiveError, match="decompression bomb"):
        fetch_quick(server.url("/ensemble.zip"), dest, "zip")

    assert_untouched(dest, before)


# --------------------------------------------------------------------------------------------
# Other failures while receiving


def test_sha256_mismatch_is_checksum_error(server: ScriptedServer, dest: Path) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    other = CSV + b"01003;Ambl\xc3\xa9on;110\n"
    server.script("/a.csv", Canned(body=other))

    with pytest.raises(ChecksumError) as caught:
        fetch_quick(server.url("/a.csv"), dest, sha256=sha(b"x"))

    assert f"expected {sha(b'x')}, found {sha(other)}" in str(caught.value)
    assert_untouched(dest, before)


def test_pinned_sha256_that_matches_is_accepted(server: ScriptedServer, dest: Path) -> None:
    server.script("/a.csv", Canned(body=CSV))
    result = fetch_quick(server.url("/a.csv"), dest, sha256=f" {sha(CSV).upper()} ")
    assert result.sha256 == sha(CSV)


@pytest.mark.parametrize("send_length", [True, False], ids=["content-length", "streamed"])
def test_download_larger_than_max_bytes_is_too_large(
    server: ScriptedServer, dest: Path, send_length: bool
) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    server.script("/a.csv", Canned(body=b"x;y\n" * 1000, send_length=send_length))

    with pytest.raises(TooLargeError, match="expected at most 1000 bytes") as caught:
        fetch_quick(server.url("/a.csv"), dest, max_bytes=1000)

    # With a Content-Length the download is refused before streaming; without, while streaming.
    early = "server announces 4000 bytes" in str(caught.value)
    assert early is send_length
    assert len(server.seen("/a.csv")) == 2  # not retried
    assert_untouched(dest, before)


def test_content_length_longer_than_body_is_truncated_error(
    server: ScriptedServer, dest: Path
) -> None:
    before = prime(server, dest, "/a.csv", CSV)
    server.script("/a.csv", Canned(body=CSV, declared_length=len(CSV) + 500))

    with pytest.raises(NetworkError, match="truncated") as caught:
        fetch_quick(server.url("/a.csv"), dest, retries=1)

    assert len(server.seen("/a.csv")) == 1 + 2  # a cut connection is worth a retry
    assert LABEL in str(caught.value)
    assert_untouched(dest, before)


def test_url_without_file_name_is_refused(dest: Path) -> None:
    with pytest.raises(FetchError, match="file name"):
        download("http://127.0.0.1:9/", dest, label=LABEL, expected_format="csv")


# --------------------------------------------------------------------------------------------
# mirror_url and sessions


@pytest.mark.parametrize(
    ("official", "base", "expected"),
    [
        (
            "https://www.insee.fr/fr/statistiques/fichier/8680726/ensemble.zip",
            "http://mirror.local/opendata/",
            "http://mirror.local/opendata/www.insee.fr/fr/statistiques/fichier/8680726/ensemble.zip",
        ),
        (
            "https://www.data.gouv.fr/api/1/datasets/r/abc?format=csv&x=1",
            "http://mirror.local/opendata",
            "http://mirror.local/opendata/www.data.gouv.fr/api/1/datasets/r/abc?format=csv&x=1",
        ),
    ],
)
def test_mirror_url(official: str, base: str, expected: str) -> None:
    assert mirror_url(official, base) == expected


def test_mirror_url_rejects_relative_url() -> None:
    with pytest.raises(ValueError, match="not an absolute URL"):
        mirror_url("/fichier/ensemble.zip", "http://mirror.local/")


def test_custom_session_is_used_and_left_open(server: ScriptedServer, dest: Path) -> None:
    server.script("/a.csv", Canned(body=CSV))
    with requests.Session() as session:
        session.headers["X-Trace"] = "observatory-test"
        fetch_quick(server.url("/a.csv"), dest, session=session)
        assert server.seen("/a.csv")[0]["x-trace"] == "observatory-test"
        fetch_quick(server.url("/a.csv"), dest, session=session)  # still usable
