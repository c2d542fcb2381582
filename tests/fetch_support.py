"""Data and helpers shared by the tests of the observatory.fetch package's modules.

The tests of downloads, archives and sniffing look at the same kinds of files (a small CSV of
communes, an HTML error page, zips built on the fly) and check that a failure leaves a folder
exactly as it was; those live here once.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LABEL = "insee_populations_reference 2023"
CSV = b"codgeo;libgeo;pmun\n01001;L'Abergement-Cl\xc3\xa9menciat;859\n01002;L'Abergement;273\n"
HTML = b"<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body>Oops</body></html>"
MiB = 1024 * 1024


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def assert_untouched(dest_dir: Path, before: dict[str, bytes]) -> None:
    assert snapshot(dest_dir) == before
    assert not [p.name for p in dest_dir.iterdir() if p.name.endswith(".part")]


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, bytes], **kwargs: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_zip(members, **kwargs))
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AnsweringHandler(BaseHTTPRequestHandler):
    """A test server's handler: GET and HEAD both go to `answer`; HEAD is refused with a 405
    (recorded with `record`) where `refuses_head(path)` says so, as some portals do."""

    def answer(self, with_body: bool) -> None:
        raise NotImplementedError

    def refuses_head(self, path: str) -> bool:
        return False

    def record(self, headers: dict[str, str]) -> None:
        """Called for every request, with its headers in lower case."""

    def do_GET(self) -> None:
        self.answer(True)

    def do_HEAD(self) -> None:
        if self.refuses_head(self.path):
            self.record({})
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.answer(False)

    def log_message(self, format: str, *args: object) -> None:
        """Keep pytest output clean."""


@contextlib.contextmanager
def serve(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 (a free port) for the block; yields its base URL
    without a trailing slash."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
