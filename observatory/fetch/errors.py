"""The errors of observatory.fetch: one base class, one subclass per way a source can fail.

Callers (ingest, the release sensor, the command line) catch FetchError to report a source as
unavailable in one line, and look at the subclass only to decide whether waiting could help
(HttpStatusError for 5xx/429, NetworkError); so every module of the package raises these, and
`message` gives each error the same one-line shape.
"""

from __future__ import annotations

from typing import Any


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


def message(label: str, problem: str, source: object) -> str:
    """One line, always in the same shape, so logs and run reports stay greppable."""
    return " ".join(f"{label}: {problem} ({source})".split())
