"""Robust HTTP downloads of official open-data files, and safe extraction from zip archives.

Official portals fail in mundane ways: a 503 during a deployment, a connection cut halfway through
a 1.5 GB zip, an HTML error or login page served with status 200 where a CSV was expected, a file
silently republished under the same URL. Every one of those must end either in a complete, verified
file or in one clear error line; never in a half-written or wrong file that a later step ingests.

So a download streams into a hidden temporary file, is verified (size, format sniffing, zip
integrity, pinned sha256), and only then atomically replaces the cached copy. A sidecar
`<name>.meta.json` records what was fetched so the next run can ask the server "has it changed?"
(conditional GET) instead of downloading gigabytes again.

One module per concern; callers import from here:
- `http`: download (conditional GET, retries, capped streaming), mirror_url;
- `asking`: ask a server about a file without downloading it (status, size, validators, moves);
- `cache`: the cached copy of a URL and its sidecar (Download, cached_validators);
- `archive`: zip safety (traversal, bombs, CRC) and member extraction;
- `sniffing`: does a file hold the format it claims (HTML pages, magic numbers, BOMs);
- `files`: atomic replacement of a file and its sidecar, chunked sha256;
- `errors`: FetchError and its subclasses, in one line each.
"""

from observatory.fetch.archive import extract_member, verify_zip
from observatory.fetch.asking import Answer, ask
from observatory.fetch.cache import Download, cached_validators
from observatory.fetch.errors import (
    ArchiveError,
    ChecksumError,
    FetchError,
    HttpStatusError,
    NetworkError,
    NotDataError,
    TooLargeError,
)
from observatory.fetch.http import download, mirror_url
from observatory.fetch.sniffing import sniff

__all__ = [
    "Answer",
    "ArchiveError",
    "ChecksumError",
    "Download",
    "FetchError",
    "HttpStatusError",
    "NetworkError",
    "NotDataError",
    "TooLargeError",
    "ask",
    "cached_validators",
    "download",
    "extract_member",
    "mirror_url",
    "sniff",
    "verify_zip",
]
