"""The download cache: where a URL's file is kept, its sidecar, and whether it can be trusted.

Each downloaded file sits next to `<name>.meta.json`, which records what was fetched (URL,
sha256, size, ETag, Last-Modified) so the next run can ask the server "has it changed?"
(conditional GET, or a HEAD from the release sensor) instead of downloading gigabytes again, and
can tell a cached copy that no longer matches its record from an intact one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from observatory.fetch.errors import FetchError, message
from observatory.fetch.files import read_json
from observatory.state import sha256_file


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


@dataclass(frozen=True)
class Cached:
    """A cached file that still matches its sidecar, hence usable for a conditional GET."""

    path: Path
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None


def cache_file_name(url: str, label: str, given: str | None = None) -> str:
    """The cache file name: `given`, else the last segment of the URL path; refused if it could
    escape the cache folder."""
    name = given or unquote(PurePosixPath(urlsplit(url).path).name)
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise FetchError(message(label, "cannot derive a safe file name from the URL path", url))
    return name


def sidecar_path(target: Path) -> Path:
    """Where the record of a cached file is kept: beside it, `<name>.meta.json`."""
    return target.with_name(target.name + ".meta.json")


def load_cache(target: Path, url: str, pinned: str | None) -> Cached | None:
    """The cached copy if it is intact and from this URL (and matches the pin), else None.

    Validators from another URL (say the official site, when now reading a mirror) say nothing
    about this server's copy, so a sidecar for a different URL is ignored.
    """
    meta = read_json(sidecar_path(target))
    if meta is None or meta.get("url") != url or not target.is_file():
        return None
    if target.stat().st_size != meta.get("bytes"):
        return None
    digest = sha256_file(target)
    if digest != meta.get("sha256") or (pinned is not None and digest != pinned):
        return None
    return Cached(
        path=target,
        sha256=digest,
        bytes=meta["bytes"],
        etag=meta.get("etag") or None,
        last_modified=meta.get("last_modified") or None,
    )


def unchanged(cached: Cached, url: str, fetched_at: str) -> Download:
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


def sidecar_meta(result: Download) -> dict[str, Any]:
    """What the next run needs to trust the cached file and to ask "has it changed?"."""
    fields = ("url", "sha256", "bytes", "etag", "last_modified", "fetched_at")
    return {name: getattr(result, name) for name in fields}


def cached_validators(url: str, dest_dir: Path, *, file_name: str | None = None) -> dict[str, str]:
    """The conditional-request headers for the copy `download` cached from `url` in `dest_dir`.

    Only the sidecar is read (not the file, which may weigh gigabytes): this is a cheap question
    asked often; `download` still verifies the file itself before trusting it.
    """
    try:
        name = cache_file_name(url, url, file_name)
    except FetchError:
        return {}
    meta = read_json(sidecar_path(Path(dest_dir) / name))
    if meta is None or meta.get("url") != url or not (Path(dest_dir) / name).is_file():
        return {}
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = str(meta["etag"])
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = str(meta["last_modified"])
    return headers
