"""HTTP downloads of official files: conditional GET, retries with backoff, capped streaming.

Official portals fail in mundane ways: a 503 during a deployment, a connection cut halfway
through a 1.5 GB zip, an HTML error page served with status 200, a file silently republished
under the same URL. So a download asks the server whether the cached copy is current, retries
what is transient (timeouts, resets, truncated bodies, 429, 5xx) and nothing else, streams into
a hidden temporary file under a byte cap, and has the file verified (sniffing, zip safety,
pinned sha256) before it replaces the cached one. `asking.ask` puts the same "has it changed?"
question without downloading.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from observatory.fetch.archive import DEFAULT_MAX_MEMBER_BYTES, DEFAULT_MAX_RATIO, check_zip
from observatory.fetch.cache import (
    Cached,
    Download,
    cache_file_name,
    load_cache,
    sidecar_meta,
    sidecar_path,
    unchanged,
)
from observatory.fetch.errors import (
    ChecksumError,
    FetchError,
    HttpStatusError,
    NetworkError,
    NotDataError,
    TooLargeError,
    message,
)
from observatory.fetch.files import commit, now_iso, temp_path
from observatory.fetch.sniffing import check_format, sniff_file
from observatory.state import CHUNK_BYTES

USER_AGENT = "shared-services-observatory/0.1 (+https://github.com/shared-services-observatory)"
MAX_RETRY_DELAY_S = 60.0
_HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")

_sleep = time.sleep
"""Indirection so tests can observe retry delays without waiting for them."""


class _Retryable(Exception):
    """Internal signal: this attempt failed in a way worth retrying."""

    def __init__(
        self,
        kind: type[FetchError],
        problem: str,
        *,
        status: int = 0,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.kind = kind
        self.problem = problem
        self.status = status
        self.retry_after = retry_after


def mirror_url(official_url: str, mirror_base: str) -> str:
    """The same file on a mirror laid out as `<mirror_base>/<official host>/<official path>`.

    Keeping host and path makes the mirror a plain `wget --mirror` of the official sites, so one
    mirror serves every source without a mapping table.
    """
    parts = urlsplit(official_url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"mirror_url: {official_url!r} is not an absolute URL")
    host = parts.netloc.rpartition("@")[2]  # never copy credentials into the mirror URL
    url = f"{mirror_base.rstrip('/')}/{host}{parts.path or '/'}"
    return f"{url}?{parts.query}" if parts.query else url


def _request_headers(cached: Cached | None) -> dict[str, str]:
    # identity: we want the file's own bytes, so Content-Length can be checked against them.
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def _retry_delay(attempt: int, backoff_s: float, retry_after: str | None) -> float:
    """Seconds to wait before the next attempt: the server's numeric Retry-After, else backoff."""
    if retry_after is not None:
        try:
            asked = float(retry_after.strip())
        except ValueError:
            asked = math.nan  # an HTTP date: fall back to our own backoff
        if math.isfinite(asked) and asked >= 0:
            return min(asked, MAX_RETRY_DELAY_S)
    return min(backoff_s * 2**attempt, MAX_RETRY_DELAY_S)


def _status_text(response: requests.Response) -> str:
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


def _check_status(response: requests.Response, *, label: str, url: str) -> None:
    """Raise for any status other than a usable 2xx; signal a retry for 429 and 5xx."""
    status = response.status_code
    problem = f"{_status_text(response)}, expected 200"
    if status == 429 or status >= 500:
        retry_after = response.headers.get("Retry-After")
        raise _Retryable(HttpStatusError, problem, status=status, retry_after=retry_after)
    # 206 would be a fragment of the file: we never ask for ranges, so it cannot be used.
    if not 200 <= status < 300 or status == 206:
        raise HttpStatusError(message(label, problem, url), status)


def _check_content_type(response: requests.Response, fmt: str, *, label: str, url: str) -> None:
    content_type = response.headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if fmt != "html" and media_type in _HTML_CONTENT_TYPES:
        problem = f"received an HTML page instead of {fmt} data (Content-Type: {content_type})"
        raise NotDataError(message(label, problem, url))


def _declared_length(response: requests.Response) -> int | None:
    """Content-Length when it describes the bytes we will receive (not a compressed encoding)."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    raw = response.headers.get("Content-Length")
    if encoding not in ("", "identity") or raw is None or not raw.strip().isdigit():
        return None
    return int(raw)


def _receive(
    response: requests.Response, part: Path, *, label: str, url: str, max_bytes: int
) -> tuple[str, int]:
    """Stream the body into `part`, hashing as it goes and enforcing `max_bytes`."""
    declared = _declared_length(response)
    if declared is not None and declared > max_bytes:
        problem = f"expected at most {max_bytes} bytes, server announces {declared} bytes"
        raise TooLargeError(message(label, problem, url))
    digest = hashlib.sha256()
    size = 0
    with open(part, "wb") as out:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                problem = f"expected at most {max_bytes} bytes, received more"
                raise TooLargeError(message(label, problem, url))
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if declared is not None and size != declared:
        problem = f"truncated download: expected {declared} bytes (Content-Length), got {size}"
        raise _Retryable(NetworkError, problem)
    return digest.hexdigest(), size


def _verify_download(
    part: Path, fmt: str, digest: str, pinned: str | None, *, label: str, url: str
) -> None:
    """Everything that must hold before the new file may replace the cached one."""
    sniff_file(part, fmt, label=label, source=url)
    if fmt in ("zip", "xlsx"):
        # xlsx is a zip of XML, which compresses far better than data: no ratio cap there.
        ratio = DEFAULT_MAX_RATIO if fmt == "zip" else math.inf
        check_zip(
            part,
            label=label,
            source=url,
            max_member_bytes=DEFAULT_MAX_MEMBER_BYTES,
            max_ratio=ratio,
        )
    if pinned is not None and digest != pinned:
        problem = f"sha256 mismatch: expected {pinned}, found {digest}"
        raise ChecksumError(message(label, problem, url))


def _attempt(
    session: requests.Session,
    url: str,
    target: Path,
    cached: Cached | None,
    *,
    label: str,
    fmt: str,
    pinned: str | None,
    timeout_s: float,
    max_bytes: int,
) -> Download:
    """One request: a Download on success, FetchError when hopeless, _Retryable when worth it."""
    fetched_at = now_iso()
    headers = _request_headers(cached)
    with temp_path(target.parent, target.name) as part:
        with session.get(url, headers=headers, stream=True, timeout=timeout_s) as response:
            if response.status_code == 304 and cached is not None:
                return unchanged(cached, url, fetched_at)
            _check_status(response, label=label, url=url)
            _check_content_type(response, fmt, label=label, url=url)
            digest, size = _receive(response, part, label=label, url=url, max_bytes=max_bytes)
            status = response.status_code
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
        # Verified after the connection is released: testzip() on a big zip takes a while.
        _verify_download(part, fmt, digest, pinned, label=label, url=url)
        result = Download(
            path=target,
            url=url,
            sha256=digest,
            bytes=size,
            etag=etag,
            last_modified=last_modified,
            status=status,
            downloaded=True,
            fetched_at=fetched_at,
        )
        commit(part, target, sidecar_path(target), sidecar_meta(result))
    return result


_ROOT_CAUSES = (
    re.compile(r"IncompleteRead\([^)]*\)"),
    re.compile(r"\[Errno -?\d+\][^'\")]*"),
    re.compile(r"(?:Read|Connect) timed out"),
)


def describe_error(exc: Exception) -> str:
    """The informative core of a requests/urllib3 error, whose str() nests three layers deep."""
    text = str(exc)
    for pattern in _ROOT_CAUSES:
        found = pattern.search(text)
        if found:
            return found.group(0).strip()
    return text[:200]


def _as_retryable(exc: requests.RequestException, timeout_s: float) -> _Retryable | None:
    """Classify a transport failure: worth retrying (timeouts, resets, cut bodies) or not."""
    if isinstance(exc, requests.Timeout):
        return _Retryable(NetworkError, f"timed out after {timeout_s:g} s ({describe_error(exc)})")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return _Retryable(NetworkError, f"truncated download: {describe_error(exc)}")
    if isinstance(exc, requests.ConnectionError):
        return _Retryable(NetworkError, f"connection failed: {describe_error(exc)}")
    return None


def _final_error(signal: _Retryable, attempts: int, *, label: str, url: str) -> FetchError:
    problem = f"{signal.problem} (gave up after {attempts} attempts)"
    if signal.kind is HttpStatusError:
        return HttpStatusError(message(label, problem, url), signal.status)
    return signal.kind(message(label, problem, url))


def download(
    url: str,
    dest_dir: Path,
    *,
    label: str,
    expected_format: str,
    sha256: str | None = None,
    timeout_s: float = 60.0,
    retries: int = 4,
    backoff_s: float = 1.0,
    max_bytes: int = 4 * 1024**3,
    session: requests.Session | None = None,
    file_name: str | None = None,
    conditional: bool = True,
) -> Download:
    """Fetch `url` into `dest_dir/<file name>` (the URL's last path segment, or `file_name` for
    an API whose path names no file) unless the server says the cached copy is current.

    `conditional=False` sends no validator of the cached copy: the file is downloaded again
    whatever its ETag says (a publisher that corrected a file without changing its ETag).

    Transient failures (timeouts, connection errors, truncated bodies, 429, 5xx) are retried
    `retries` times with exponential backoff; anything else fails at once. Whatever happens, the
    previously cached file and its sidecar are either replaced by a verified new pair or left
    exactly as they were, and no temporary file is left behind.
    """
    fmt = check_format(expected_format)
    if retries < 0:
        raise ValueError(f"retries={retries} must be >= 0")
    pinned = sha256.strip().lower() if sha256 else None
    name = cache_file_name(url, label, file_name)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / name
    cached = load_cache(target, url, pinned) if conditional else None
    own_session = session is None
    http = requests.Session() if session is None else session
    try:
        for attempt in range(retries + 1):
            try:
                return _attempt(
                    http,
                    url,
                    target,
                    cached,
                    label=label,
                    fmt=fmt,
                    pinned=pinned,
                    timeout_s=timeout_s,
                    max_bytes=max_bytes,
                )
            except _Retryable as retryable:
                signal = retryable
            except requests.RequestException as exc:
                transient = _as_retryable(exc, timeout_s)
                if transient is None:
                    raise FetchError(message(label, f"request failed: {exc}", url)) from exc
                signal = transient
            if attempt < retries:
                _sleep(_retry_delay(attempt, backoff_s, signal.retry_after))
        raise _final_error(signal, retries + 1, label=label, url=url)
    finally:
        if own_session:
            http.close()
