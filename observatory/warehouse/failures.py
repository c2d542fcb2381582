"""The cause a user can act on, found under the error a failure surfaced as.

A full disk rarely surfaces as itself: DuckDB's write fails with "No space left on device",
then the `rollback` or `detach` of the cleanup fails too ("cannot rollback - no transaction is
active", "CHECKPOINT during DETACH failed") and that second error is the one raised. So the
whole chain of an error (its `__cause__` and `__context__`) is searched for the first cause.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

NO_SPACE = "No space left on device"
READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)
DAMAGED_MARKERS = ("not a valid DuckDB database file", "Corrupt", "corrupt", "checksum")
"""What DuckDB says of a warehouse file it cannot read as one (zero bytes, garbage, torn)."""


class WarehouseDamagedError(RuntimeError):
    """The working warehouse's file cannot be opened as a DuckDB database."""


def damaged(path: Path, error: duckdb.Error) -> WarehouseDamagedError | None:
    """The user's error for a warehouse DuckDB cannot open (None: another failure)."""
    if not any(marker in str(error) for marker in DAMAGED_MARKERS):
        return None
    return WarehouseDamagedError(
        f"warehouse file is damaged: {path}; remove it (and {path.name}.wal beside it, if any) "
        "and run `observatory build`, which rebuilds it from the sources and the kept inputs"
    )


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then its causes and contexts, depth first, each once."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (current.__context__, current.__cause__):
            if linked is not None:
                pending.append(linked)


def no_space_in(text: str) -> str | None:
    """'No space left on device: <path>' when a message says the disk is full (None: not)."""
    if NO_SPACE not in text:
        return None
    path = re.search(r"""["'](/[^"']+)["']""", text)
    return (
        f"{NO_SPACE}: {path.group(1)}" if path else f"{NO_SPACE} ({text.strip().splitlines()[0]})"
    )


def cause_of(error: BaseException, home: Path | None = None) -> str | None:
    """One line naming what the user can fix (a full disk, a read-only home), None when the
    chain holds neither."""
    chain = list(error_chain(error))
    for link in chain:
        if isinstance(link, OSError) and link.errno == errno.ENOSPC:
            return f"{NO_SPACE}: {link.filename or home or '?'}"
        if isinstance(link, duckdb.Error) and (found := no_space_in(str(link))):
            return found
    for link in chain:
        read_only = (isinstance(link, OSError) and link.errno in READ_ONLY_ERRNOS) or (
            isinstance(link, duckdb.Error) and "Read-only file system" in str(link)
        )
        if not read_only:
            continue
        filename = getattr(link, "filename", None)
        if home is not None and (filename is None or Path(filename).is_relative_to(home)):
            return f"home is read-only: {home}" + (
                f" (cannot write {filename})" if filename else ""
            )
        return f"cannot write {filename or '?'}: {getattr(link, 'strerror', None) or link}"
    return None
