"""Byte-level conventions of the official files: separators, quoting, line endings, zips.

Shared by every sample writer so the synthetic files look like the published ones down to the
quoting of empty fields and the CRLF of INSEE's populations files.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence

ZIP_TIMESTAMP = (2025, 12, 26, 9, 0, 0)
"""Fixed member date: the same sample gives the same zip."""

Cell = str | int | float | None


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    separator: str,
    quote_all: bool = False,
    crlf: bool = False,
    encoding: str = "utf-8",
    bom: bool = False,
) -> bytes:
    """Write a delimited file the way the producer does (no csv module dialect guessing)."""

    def cell(value: Cell) -> str:
        text = "" if value is None else str(value)
        if quote_all or separator in text or '"' in text or "\n" in text:
            return '"' + text.replace('"', '""') + '"'
        return text

    end = "\r\n" if crlf else "\n"
    lines = [separator.join(cell(h) for h in header)]
    lines += [separator.join(cell(v) for v in row) for row in rows]
    text = end.join(lines) + end
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def zip_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def upper_ascii(name: str) -> str:
    """INSEE's NCC: upper case, no accents, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").replace("'", " ").upper().split())
