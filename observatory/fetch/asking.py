"""Ask a server about a file without downloading it: status, size, validators, redirects.

A conditional HEAD first; servers that refuse HEAD (405, 501) get a GET for one byte
(`Range: bytes=0-0`) whose body is never read. Redirects are followed and kept, so a file that
moved (301, 302, 307, 308) says where it went. No HTTP status raises here: a 404 or a 500 is an
answer the caller reports (`observatory sources`) or turns into a problem (the release sensor);
only a server that cannot be reached raises NetworkError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from observatory.fetch.errors import NetworkError, message
from observatory.fetch.http import USER_AGENT, describe_error

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CONTENT_RANGE = re.compile(r"bytes\s+\d+-\d+/(\d+)")


@dataclass(frozen=True)
class Answer:
    """What the server said of one URL."""

    url: str
    status: int
    method: str
    """`HEAD`, or `GET` (one byte asked) where HEAD was refused."""
    size: int | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    redirects: tuple[tuple[int, str], ...] = ()
    """Each hop followed: (status, where it pointed)."""

    @property
    def moved_to(self) -> str | None:
        """The final URL when the file moved (the last hop), else None."""
        return self.redirects[-1][1] if self.redirects else None

    @property
    def changed(self) -> bool:
        """False on 304: the copy whose validators were sent is current."""
        return self.status != 304

    @property
    def validator(self) -> str | None:
        """What identifies this release of the file: the ETag, else the Last-Modified date."""
        return self.etag or self.last_modified

    @property
    def is_html(self) -> bool:
        media = (self.content_type or "").split(";")[0].strip().lower()
        return media in _HTML_TYPES

    @property
    def problem(self) -> str | None:
        """Why the file cannot be had from this answer, or None when it can."""
        if self.status == 304:
            return None
        if not 200 <= self.status < 300:
            return f"HTTP {self.status}"
        if self.is_html:
            return f"an HTML page instead of data (Content-Type: {self.content_type})"
        return None


def _size(response: requests.Response) -> int | None:
    """The file's size: the total of a Content-Range (a ranged GET), else Content-Length."""
    if response.status_code == 304:
        return None  # no representation: its Content-Length, if any, is not the file's
    ranged = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if ranged:
        return int(ranged.group(1))
    length = response.headers.get("Content-Length", "")
    if response.request.method == "GET" and response.status_code == 206:
        return None  # a 206 without Content-Range: its length is the one byte asked
    return int(length) if length.strip().isdigit() else None


def ask(
    url: str,
    *,
    label: str,
    validators: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
    session: requests.Session | None = None,
) -> Answer:
    """Ask the server about `url` (conditional on `validators`: If-None-Match and/or
    If-Modified-Since), downloading nothing. NetworkError when it cannot be reached."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(validators or {})}
    http = requests.Session() if session is None else session
    try:
        response = http.head(url, headers=headers, timeout=timeout_s, allow_redirects=True)
        if response.status_code in (405, 501):
            response.close()
            ranged = {**headers, "Range": "bytes=0-0"}
            response = http.get(
                url, headers=ranged, timeout=timeout_s, stream=True, allow_redirects=True
            )
        response.close()
    except requests.RequestException as exc:
        problem = f"no answer from the server: {describe_error(exc)}"
        raise NetworkError(message(label, problem, url)) from exc
    finally:
        if session is None:
            http.close()
    # Each redirect's target is the URL of the next response (the last: the final one).
    hops = [r.status_code for r in response.history]
    targets = [r.url for r in (*response.history[1:], response)] if hops else []
    return Answer(
        url=url,
        status=response.status_code,
        method=response.request.method or "HEAD",
        size=_size(response),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        content_type=response.headers.get("Content-Type"),
        redirects=tuple(zip(hops, targets, strict=True)),
    )
