"""Atomic files with JSON sidecars, shared by downloads (http) and zip extractions (archive).

Both end the same way: a new file is written under a hidden temporary name next to its
destination and, once verified, renamed over the cached copy together with a sidecar recording
where it came from and its sha256. A crash at any point leaves either the old pair or the new
one, never a half-written file that a later step would trust.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def now_iso() -> str:
    """The UTC time a sidecar records (`fetched_at`, `extracted_at`), to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def temp_path(directory: Path, name: str) -> Iterator[Path]:
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


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write a sidecar and fsync it, so a rename that follows never exposes an empty file."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_json(path: Path) -> dict[str, Any] | None:
    """A sidecar's content, or None when it is missing or unreadable (then the cache is ignored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def commit(part: Path, target: Path, sidecar: Path, meta: Mapping[str, Any]) -> None:
    """Move a verified file into place, then its sidecar, each by an atomic rename.

    The sidecar is written before either rename, so the window in which the file and its sidecar
    disagree is two renames long; a disagreement is detected (sha256) and heals on the next run.
    """
    with temp_path(target.parent, sidecar.name) as meta_part:
        write_json(meta_part, meta)
        os.replace(part, target)
        os.replace(meta_part, sidecar)
