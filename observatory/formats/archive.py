"""Zip archives with fixed member dates, so the same content always gives the same bytes.

INSEE publishes most files zipped (`ensemble.zip`, `BPE24.zip`, census `_csv.zip`, the table
d'appartenance), and xlsx workbooks are zips too. A zip records each member's date: stamping
every member with ZIP_TIMESTAMP instead of "now" is what lets a generated file be compared with
a committed one byte for byte.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

ZIP_TIMESTAMP = (2025, 12, 26, 9, 0, 0)
"""The date of every member of every generated zip."""
ZIP_LEVEL = 6
"""zlib's default level, as INSEE's archives (and Python's zipfile) use."""
CHUNK = 16 << 20
"""Bytes copied at a time when a member is streamed from a file."""


def member_info(name: str) -> zipfile.ZipInfo:
    """A deflated member dated ZIP_TIMESTAMP, readable by everyone (mode 0644)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_zip(
    target: Path | BinaryIO,
    members: Sequence[tuple[str, Path | bytes]],
    *,
    level: int | None = None,
) -> None:
    """Write a zip of small byte strings or of files, in order.

    A file member is streamed (force_zip64, CHUNK at a time), so a member larger than memory
    never sits in it. `level` None is zlib's default, which compresses as level 6 does."""
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level
    ) as archive:
        for name, content in members:
            info = member_info(name)
            if isinstance(content, bytes):
                archive.writestr(info, content, compresslevel=level)
                continue
            with archive.open(info, "w", force_zip64=True) as out, content.open("rb") as source:
                shutil.copyfileobj(source, out, CHUNK)


def zip_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    """The zip of `members` as bytes (small archives built in memory)."""
    buffer = io.BytesIO()
    write_zip(buffer, members)
    return buffer.getvalue()


def zip_files(
    target: Path, members: Sequence[tuple[str, Path | bytes]], *, level: int = ZIP_LEVEL
) -> None:
    """The zip of `members` written to `target` (large archives streamed from files)."""
    write_zip(target, members, level=level)
