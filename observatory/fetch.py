"""Robust HTTP downloads of official open-data files, and safe extraction from zip archives.

Official portals fail in mundane ways: a 503 during a deployment, a connection cut halfway through
a 1.5 GB zip, an HTML error or login page served with status 200 where a CSV was expected, a file
silently republished under the same URL. Every one of those must end either in a complete, verified
file or in one clear error line; never in a half-written or wrong file that a later step ingests.

So a download streams into a hidden temporary file, is verified (size, format sniffing, zip
integrity, pinned sha256), and only then atomically replaces the cached copy. A sidecar
`<name>.meta.json` records what was fetched so the next run can ask the server "has it changed?"
(conditional GET) instead of downloading gigabytes again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

__all__ = [
    "ArchiveError",
    "ChecksumError",
    "Download",
    "FetchError",
    "HttpStatusError",
    "NetworkError",
    "NotDataError",
    "Probe",
    "TooLargeError",
    "cached_validators",
    "download",
    "extract_member",
    "mirror_url",
    "probe",
    "sha256_file",
    "sniff",
    "verify_zip",
]

USER_AGENT = "shared-services-observatory/0.1 (+https://github.com/shared-services-observatory)"
CHUNK_BYTES = 1024 * 1024
SNIFF_BYTES = 2048
MAX_RETRY_DELAY_S = 60.0
DEFAULT_MAX_MEMBER_BYTES = 8 * 1024**3
DEFAULT_MAX_RATIO = 200.0
FORMATS = ("csv", "zip", "xlsx", "parquet", "json", "html")
"""Formats `download` and `sniff` know how to check; anything else is a caller's typo."""

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
_HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_MAX_LISTED_MEMBERS = 20

_sleep = time.sleep
"""Indirection so tests can observe retry delays without waiting for them."""


class FetchError(Exception):
    """Base of every download/extraction failure; str() is a single line naming label and URL."""


class HttpStatusError(FetchError):
    """The server's final answer was an HTTP status we cannot use."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep `status` when the error crosses a process boundary (pickled by a job runner).
        return (type(self), (str(self), self.status))


class NetworkError(FetchError):
    """Timeouts, refused or reset connections, truncated bodies: retried, then given up on."""


class NotDataError(FetchError):
    """The bytes are not the expected data format (typically an HTML error or portal page)."""


class ArchiveError(FetchError):
    """The zip is truncated or corrupt, unsafe, a decompression bomb, or lacks the wanted member."""


class ChecksumError(FetchError):
    """The file's sha256 differs from the value pinned in the catalogue."""


class TooLargeError(FetchError):
    """The download exceeds the configured byte limit."""


@dataclass(frozen=True)
class Download:
    """A complete, verified file in the cache and how it was obtained."""

    path: Path
    url: str
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None
    status: int
    downloaded: bool
    fetched_at: str


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


# --------------------------------------------------------------------------------------------
# Small helpers


def _message(label: str, problem: str, source: object) -> str:
    """One line, always in the same shape, so logs and run reports stay greppable."""
    return " ".join(f"{label}: {problem} ({source})".split())


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_format(expected_format: str) -> str:
    fmt = expected_format.lower()
    if fmt not in FORMATS:
        raise ValueError(f"expected_format={expected_format!r} is not one of {', '.join(FORMATS)}")
    return fmt


def _preview(data: bytes) -> str:
    return repr(data[:32])


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks so gigabyte files do not need gigabytes of memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


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


def _file_name(url: str, label: str, given: str | None = None) -> str:
    """The cache file name: `given`, else the last segment of the URL path; refused if it could
    escape the cache folder."""
    name = given or unquote(PurePosixPath(urlsplit(url).path).name)
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise FetchError(_message(label, "cannot derive a safe file name from the URL path", url))
    return name


def _sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + ".meta.json")


@contextmanager
def _temp_path(directory: Path, name: str) -> Iterator[Path]:
    """A hidden `.part` file next to its destination, removed on exit unless it was moved away.

    Same directory as the destination so `os.replace` is an atomic rename on one file system.
    """
    fd, raw = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    path = Path(raw)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def _read_json(path: Path) -> dict[str, Any] | None:
    """A sidecar's content, or None when it is missing or unreadable (then the cache is ignored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------------
# Format sniffing


def _strip_bom_and_space(head: bytes) -> bytes:
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    return head.lstrip()


def _looks_like_html(head: bytes) -> bool:
    lowered = _strip_bom_and_space(head).lower()
    return lowered.startswith(_HTML_STARTS) or b"<html" in lowered


def _magic_problem(head: bytes, fmt: str) -> str | None:
    """Why `head` cannot be the start of a `fmt` file, or None when it plausibly is."""
    if fmt in ("zip", "xlsx"):
        if head.startswith(_EMPTY_ZIP_MAGIC):
            return f"expected {fmt} data, found an empty zip archive"
        if not head.startswith(_ZIP_MAGIC):
            return f"expected {fmt} data starting with {_ZIP_MAGIC!r}, found {_preview(head)}"
    elif fmt == "parquet":
        if not head.startswith(_PARQUET_MAGIC):
            return f"expected parquet data starting with b'PAR1', found {_preview(head)}"
    elif fmt == "json":
        if not _strip_bom_and_space(head).startswith((b"{", b"[")):
            return f"expected json data starting with '{{' or '[', found {_preview(head)}"
    elif fmt == "csv":
        if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC, _PARQUET_MAGIC, _GZIP_MAGIC)):
            return f"expected csv text, found a binary archive or parquet file {_preview(head)}"
        if b"\x00" in head:
            return f"expected csv text, found NUL bytes (binary data) {_preview(head)}"
    return None


def _sniff_file(path: Path, fmt: str, *, label: str, source: object) -> None:
    """Reject a file that is empty, HTML, or lacks the magic bytes of `fmt`.

    `source` is what the error names: the URL during a download (the temporary file's name would
    mean nothing to the reader), the path otherwise.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        handle.seek(max(size - 4, 0))
        tail = handle.read(4)
    if not head:
        raise NotDataError(_message(label, f"expected {fmt} data, found an empty file", source))
    if fmt != "html" and _looks_like_html(head):
        problem = f"received an HTML page instead of {fmt} data (first bytes: {_preview(head)})"
        raise NotDataError(_message(label, problem, source))
    problem = _magic_problem(head, fmt)
    # A parquet file also ends with PAR1: a missing footer means the file was cut short.
    if problem is None and fmt == "parquet" and (size < 12 or tail != _PARQUET_MAGIC):
        problem = f"expected parquet data ending with b'PAR1', found {tail!r} (truncated?)"
    if problem is not None:
        raise NotDataError(_message(label, problem, source))


def sniff(path: Path, expected_format: str, *, label: str) -> None:
    """Raise NotDataError unless `path` plausibly holds `expected_format` data.

    Portals answer broken links with HTML pages and status 200; ingesting one as a CSV yields a
    one-column table of markup instead of an error, so look at the bytes before trusting them.
    """
    _sniff_file(Path(path), _check_format(expected_format), label=label, source=path)


# --------------------------------------------------------------------------------------------
# Zip safety


def _unsafe_reason(name: str) -> str | None:
    """Why extracting a member called `name` could write outside its folder, or None."""
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE_LETTER.match(name):
        return "starts with a drive letter"
    if ".." in name.split("/"):
        return "has a '..' component"
    return None


def _check_member(
    info: zipfile.ZipInfo,
    *,
    label: str,
    source: object,
    max_member_bytes: int,
    max_ratio: float,
) -> None:
    """Refuse a member before decompressing it: unsafe path, oversized or suspiciously dense."""
    name = info.filename
    reason = _unsafe_reason(name)
    if reason is not None:
        raise ArchiveError(_message(label, f"unsafe zip member path {name!r} ({reason})", source))
    if info.file_size > max_member_bytes:
        problem = (
            f"zip member {name!r} declares {info.file_size} bytes uncompressed, above the size "
            f"cap of {max_member_bytes} bytes (possible decompression bomb)"
        )
        raise ArchiveError(_message(label, problem, source))
    if info.compress_size == 0 and info.file_size > 0:
        problem = f"truncated or corrupt zip: member {name!r} has 0 compressed bytes"
        raise ArchiveError(_message(label, problem, source))
    if info.compress_size > 0 and info.file_size / info.compress_size > max_ratio:
        ratio = info.file_size / info.compress_size
        problem = (
            f"zip member {name!r} has compression ratio {ratio:.0f}, above the cap of "
            f"{max_ratio:g} (possible decompression bomb)"
        )
        raise ArchiveError(_message(label, problem, source))


# What zipfile raises, besides BadZipFile, when compressed data is cut short or damaged
# (RuntimeError: encrypted member; NotImplementedError: unsupported compression method).
_CORRUPT_ZIP_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


@contextmanager
def _open_zip(path: Path, *, label: str, source: object) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        problem = f"truncated or corrupt zip: {exc}"
        raise ArchiveError(_message(label, problem, source)) from exc
    with archive:
        yield archive


def _verify_zip(
    path: Path,
    *,
    label: str,
    source: object,
    max_member_bytes: int,
    max_ratio: float,
    read_members: bool = True,
) -> None:
    with _open_zip(path, label=label, source=source) as archive:
        members = archive.infolist()
        if not members:
            raise ArchiveError(_message(label, "expected files in the zip, found none", source))
        # Header checks first: they are cheap and must run before testzip() decompresses.
        for info in members:
            _check_member(
                info,
                label=label,
                source=source,
                max_member_bytes=max_member_bytes,
                max_ratio=max_ratio,
            )
        if not read_members:
            return
        try:
            bad = archive.testzip()
        except (*_CORRUPT_ZIP_ERRORS, OSError) as exc:  # nothing is written: OSError is the zip's
            problem = f"truncated or corrupt zip: {type(exc).__name__}: {exc}"
            raise ArchiveError(_message(label, problem, source)) from exc
        if bad is not None:
            problem = f"truncated or corrupt zip: bad CRC-32 in member {bad!r}"
            raise ArchiveError(_message(label, problem, source))


def verify_zip(
    path: Path,
    *,
    label: str,
    max_member_bytes: int,
    max_ratio: float,
    read_members: bool = True,
) -> None:
    """Raise ArchiveError unless every member of the zip is safe, within limits and intact.

    Reads (and so decompresses) every member once: a zip cut short by a flaky connection often
    still opens, and only reading the data reveals the damage. `read_members=False` checks the
    headers only (count, sizes, compression ratio), for a caller that then extracts the member
    it needs with `extract_member`, which checks that member's data and CRC as it writes it:
    decompressing a 1.2 GB member twice costs seconds and proves nothing more.
    """
    _verify_zip(
        Path(path),
        label=label,
        source=path,
        max_member_bytes=max_member_bytes,
        max_ratio=max_ratio,
        read_members=read_members,
    )


def _select_member(
    archive: zipfile.ZipFile, pattern: str, *, label: str, source: object
) -> zipfile.ZipInfo:
    """The single file member whose base name matches `pattern`, ignoring case."""
    files = [info for info in archive.infolist() if not info.is_dir()]
    wanted = pattern.lower()
    matches = [
        info for info in files if fnmatch.fnmatchcase(_base_name(info.filename).lower(), wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        problem = f"no zip member matches {pattern!r}; members: {_list_names(files)}"
    else:
        problem = f"pattern {pattern!r} is ambiguous, it matches: {_list_names(matches)}"
    raise ArchiveError(_message(label, problem, source))


def _base_name(member_name: str) -> str:
    return PurePosixPath(member_name).name


def _list_names(infos: list[zipfile.ZipInfo]) -> str:
    names = [info.filename for info in infos[:_MAX_LISTED_MEMBERS]]
    more = len(infos) - len(names)
    listed = ", ".join(names) if names else "(none)"
    return f"{listed} … and {more} more" if more else listed


def _extraction_sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".extracted.json")


def _reusable_extraction(target: Path, zip_sha256: str, member: str) -> bool:
    """True when `target` was extracted from this very zip and member and still has its size."""
    meta = _read_json(_extraction_sidecar(target))
    return (
        meta is not None
        and target.is_file()
        and meta.get("zip_sha256") == zip_sha256
        and meta.get("member") == member
        and meta.get("bytes") == target.stat().st_size
    )


def _copy_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    part: Path,
    *,
    label: str,
    source: object,
    max_member_bytes: int,
) -> tuple[str, int]:
    """Decompress `info` into `part`, counting bytes: headers can lie about the size."""
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as member, open(part, "wb") as out:
            while chunk := member.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_member_bytes:
                    problem = (
                        f"zip member {info.filename!r} produced more than {max_member_bytes} "
                        f"bytes, above the size cap (possible decompression bomb)"
                    )
                    raise ArchiveError(_message(label, problem, source))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except _CORRUPT_ZIP_ERRORS as exc:
        problem = f"truncated or corrupt zip: member {info.filename!r}: {exc}"
        raise ArchiveError(_message(label, problem, source)) from exc
    return digest.hexdigest(), size


def extract_member(
    zip_path: Path,
    pattern: str,
    dest_dir: Path,
    *,
    label: str,
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> Path:
    """Extract the one member whose base name matches `pattern` to `dest_dir/<base name>`.

    Official zips change member names between millésimes (`base_cc_comparateur_2021.csv`…), so
    callers give a pattern; exactly one match is required, because silently picking one of two
    CSVs is how the wrong table gets loaded. A sidecar `<name>.extracted.json` records the zip's
    sha256 so an unchanged zip is not decompressed again.
    """
    zip_path = Path(zip_path)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with _open_zip(zip_path, label=label, source=zip_path) as archive:
        info = _select_member(archive, pattern, label=label, source=zip_path)
        _check_member(
            info,
            label=label,
            source=zip_path,
            max_member_bytes=max_member_bytes,
            max_ratio=max_ratio,
        )
        target = dest_dir / _base_name(info.filename)
        zip_sha256 = sha256_file(zip_path)
        if _reusable_extraction(target, zip_sha256, info.filename):
            return target
        with _temp_path(dest_dir, target.name) as part:
            digest, size = _copy_member(
                archive,
                info,
                part,
                label=label,
                source=zip_path,
                max_member_bytes=max_member_bytes,
            )
            meta = {
                "zip_path": str(zip_path),
                "zip_sha256": zip_sha256,
                "member": info.filename,
                "bytes": size,
                "sha256": digest,
                "extracted_at": _now_iso(),
            }
            sidecar = _extraction_sidecar(target)
            # The stale sidecar goes first: a crash between the two renames must not leave an
            # old sidecar vouching for a new file.
            sidecar.unlink(missing_ok=True)
            _commit(part, target, sidecar, meta)
    return target


# --------------------------------------------------------------------------------------------
# Download


@dataclass(frozen=True)
class _Cached:
    """A cached file that still matches its sidecar, hence usable for a conditional GET."""

    path: Path
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None


def _load_cache(target: Path, url: str, pinned: str | None) -> _Cached | None:
    """The cached copy if it is intact and from this URL (and matches the pin), else None.

    Validators from another URL (say the official site, when now reading a mirror) say nothing
    about this server's copy, so a sidecar for a different URL is ignored.
    """
    meta = _read_json(_sidecar_path(target))
    if meta is None or meta.get("url") != url or not target.is_file():
        return None
    if target.stat().st_size != meta.get("bytes"):
        return None
    digest = sha256_file(target)
    if digest != meta.get("sha256") or (pinned is not None and digest != pinned):
        return None
    return _Cached(
        path=target,
        sha256=digest,
        bytes=meta["bytes"],
        etag=meta.get("etag") or None,
        last_modified=meta.get("last_modified") or None,
    )


def _request_headers(cached: _Cached | None) -> dict[str, str]:
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
        raise HttpStatusError(_message(label, problem, url), status)


def _check_content_type(response: requests.Response, fmt: str, *, label: str, url: str) -> None:
    content_type = response.headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if fmt != "html" and media_type in _HTML_CONTENT_TYPES:
        problem = f"received an HTML page instead of {fmt} data (Content-Type: {content_type})"
        raise NotDataError(_message(label, problem, url))


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
        raise TooLargeError(_message(label, problem, url))
    digest = hashlib.sha256()
    size = 0
    with open(part, "wb") as out:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                problem = f"expected at most {max_bytes} bytes, received more"
                raise TooLargeError(_message(label, problem, url))
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
    _sniff_file(part, fmt, label=label, source=url)
    if fmt in ("zip", "xlsx"):
        # xlsx is a zip of XML, which compresses far better than data: no ratio cap there.
        ratio = DEFAULT_MAX_RATIO if fmt == "zip" else math.inf
        _verify_zip(
            part,
            label=label,
            source=url,
            max_member_bytes=DEFAULT_MAX_MEMBER_BYTES,
            max_ratio=ratio,
        )
    if pinned is not None and digest != pinned:
        problem = f"sha256 mismatch: expected {pinned}, found {digest}"
        raise ChecksumError(_message(label, problem, url))


def _commit(part: Path, target: Path, sidecar: Path, meta: Mapping[str, Any]) -> None:
    """Move a verified file into place, then its sidecar, each by an atomic rename.

    The sidecar is written before either rename, so the window in which the file and its sidecar
    disagree is two renames long; a disagreement is detected (sha256) and heals on the next run.
    """
    with _temp_path(target.parent, sidecar.name) as meta_part:
        _write_json(meta_part, meta)
        os.replace(part, target)
        os.replace(meta_part, sidecar)


def _attempt(
    session: requests.Session,
    url: str,
    target: Path,
    cached: _Cached | None,
    *,
    label: str,
    fmt: str,
    pinned: str | None,
    timeout_s: float,
    max_bytes: int,
) -> Download:
    """One request: a Download on success, FetchError when hopeless, _Retryable when worth it."""
    fetched_at = _now_iso()
    headers = _request_headers(cached)
    with _temp_path(target.parent, target.name) as part:
        with session.get(url, headers=headers, stream=True, timeout=timeout_s) as response:
            if response.status_code == 304 and cached is not None:
                return _unchanged(cached, url, fetched_at)
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
        _commit(part, target, _sidecar_path(target), _sidecar_meta(result))
    return result


def _unchanged(cached: _Cached, url: str, fetched_at: str) -> Download:
    """The answer to a 304: the cached copy, untouched."""
    return Download(
        path=cached.path,
        url=url,
        sha256=cached.sha256,
        bytes=cached.bytes,
        etag=cached.etag,
        last_modified=cached.last_modified,
        status=304,
        downloaded=False,
        fetched_at=fetched_at,
    )


def _sidecar_meta(result: Download) -> dict[str, Any]:
    """What the next run needs to trust the cached file and to ask "has it changed?"."""
    fields = ("url", "sha256", "bytes", "etag", "last_modified", "fetched_at")
    return {name: getattr(result, name) for name in fields}


_ROOT_CAUSES = (
    re.compile(r"IncompleteRead\([^)]*\)"),
    re.compile(r"\[Errno -?\d+\][^'\")]*"),
    re.compile(r"(?:Read|Connect) timed out"),
)


def _describe(exc: Exception) -> str:
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
        return _Retryable(NetworkError, f"timed out after {timeout_s:g} s ({_describe(exc)})")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return _Retryable(NetworkError, f"truncated download: {_describe(exc)}")
    if isinstance(exc, requests.ConnectionError):
        return _Retryable(NetworkError, f"connection failed: {_describe(exc)}")
    return None


def _final_error(signal: _Retryable, attempts: int, *, label: str, url: str) -> FetchError:
    problem = f"{signal.problem} (gave up after {attempts} attempts)"
    if signal.kind is HttpStatusError:
        return HttpStatusError(_message(label, problem, url), signal.status)
    return signal.kind(_message(label, problem, url))


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
) -> Download:
    """Fetch `url` into `dest_dir/<file name>` (the URL's last path segment, or `file_name` for
    an API whose path names no file) unless the server says the cached copy is current.

    Transient failures (timeouts, connection errors, truncated bodies, 429, 5xx) are retried
    `retries` times with exponential backoff; anything else fails at once. Whatever happens, the
    previously cached file and its sidecar are either replaced by a verified new pair or left
    exactly as they were, and no temporary file is left behind.
    """
    fmt = _check_format(expected_format)
    if retries < 0:
        raise ValueError(f"retries={retries} must be >= 0")
    pinned = sha256.strip().lower() if sha256 else None
    name = _file_name(url, label, file_name)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / name
    cached = _load_cache(target, url, pinned)
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
                    raise FetchError(_message(label, f"request failed: {exc}", url)) from exc
                signal = transient
            if attempt < retries:
                _sleep(_retry_delay(attempt, backoff_s, signal.retry_after))
        raise _final_error(signal, retries + 1, label=label, url=url)
    finally:
        if own_session:
            http.close()


# --------------------------------------------------------------------------------------------
# Release detection


@dataclass(frozen=True)
class Probe:
    """The server's answer to "has this file changed since the copy in the cache?"."""

    url: str
    status: int
    changed: bool
    """False on 304 (the cached copy is current); True on a 2xx (a new file, or nothing cached)."""
    etag: str | None
    last_modified: str | None

    @property
    def validator(self) -> str | None:
        """What identifies this release of the file: the ETag, else the Last-Modified date."""
        return self.etag or self.last_modified


def cached_validators(url: str, dest_dir: Path, *, file_name: str | None = None) -> dict[str, str]:
    """The conditional-request headers for the copy `download` cached from `url` in `dest_dir`.

    Only the sidecar is read (not the file, which may weigh gigabytes): this is a cheap question
    asked often; `download` still verifies the file itself before trusting it.
    """
    try:
        name = _file_name(url, url, file_name)
    except FetchError:
        return {}
    meta = _read_json(_sidecar_path(Path(dest_dir) / name))
    if meta is None or meta.get("url") != url or not (Path(dest_dir) / name).is_file():
        return {}
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = str(meta["etag"])
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = str(meta["last_modified"])
    return headers


def probe(
    url: str,
    dest_dir: Path,
    *,
    label: str,
    file_name: str | None = None,
    timeout_s: float = 30.0,
    session: requests.Session | None = None,
) -> Probe:
    """Ask the server whether `url` changed since it was cached, without downloading it.

    A conditional HEAD (If-None-Match / If-Modified-Since from the cache's sidecar); a server
    that refuses HEAD (405, 501) gets a conditional GET whose body is never read. Raises
    FetchError when the server cannot answer (no retries: the next probe asks again).
    """
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    headers.update(cached_validators(url, dest_dir, file_name=file_name))
    http = requests.Session() if session is None else session
    try:
        response = http.head(url, headers=headers, timeout=timeout_s, allow_redirects=True)
        if response.status_code in (405, 501):
            response.close()
            response = http.get(url, headers=headers, timeout=timeout_s, stream=True)
        response.close()
    except requests.RequestException as exc:
        raise NetworkError(_message(label, f"release check failed: {_describe(exc)}", url)) from exc
    finally:
        if session is None:
            http.close()
    status = response.status_code
    if status != 304 and not 200 <= status < 300:
        problem = f"release check: {_status_text(response)}, expected 200 or 304"
        raise HttpStatusError(_message(label, problem, url), status)
    return Probe(
        url=url,
        status=status,
        changed=status != 304,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )
