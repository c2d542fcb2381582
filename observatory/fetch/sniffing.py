"""Content sniffing: does a file plausibly hold the data format it claims to hold?

Portals answer broken links with HTML pages and status 200, and a cut connection leaves a
parquet file without its footer; the first and last bytes of a file (magic numbers, byte-order
marks, markup) reveal most of these before a parser turns them into a wrong table.
"""

from __future__ import annotations

from pathlib import Path

from observatory.fetch.errors import NotDataError, message

SNIFF_BYTES = 2048
FORMATS = ("csv", "zip", "xlsx", "parquet", "json", "geojson", "html")
"""Formats `download` and `sniff` know how to check; anything else is a caller's typo."""

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")


def check_format(expected_format: str) -> str:
    """The format in lower case; a ValueError for a format nothing here knows how to check."""
    fmt = expected_format.lower()
    if fmt not in FORMATS:
        raise ValueError(f"expected_format={expected_format!r} is not one of {', '.join(FORMATS)}")
    return fmt


def _preview(data: bytes) -> str:
    return repr(data[:32])


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
    elif fmt == "geojson":  # published plain or gzipped (`.geojson.gz`)
        if not head.startswith(_GZIP_MAGIC) and not _strip_bom_and_space(head).startswith(b"{"):
            return f"expected geojson data (gzip or '{{'), found {_preview(head)}"
    elif fmt == "csv":
        if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC, _PARQUET_MAGIC, _GZIP_MAGIC)):
            return f"expected csv text, found a binary archive or parquet file {_preview(head)}"
        if b"\x00" in head:
            return f"expected csv text, found NUL bytes (binary data) {_preview(head)}"
    return None


def sniff_file(path: Path, fmt: str, *, label: str, source: object) -> None:
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
        raise NotDataError(message(label, f"expected {fmt} data, found an empty file", source))
    if fmt != "html" and _looks_like_html(head):
        problem = f"received an HTML page instead of {fmt} data (first bytes: {_preview(head)})"
        raise NotDataError(message(label, problem, source))
    problem = _magic_problem(head, fmt)
    # A parquet file also ends with PAR1: a missing footer means the file was cut short.
    if problem is None and fmt == "parquet" and (size < 12 or tail != _PARQUET_MAGIC):
        problem = f"expected parquet data ending with b'PAR1', found {tail!r} (truncated?)"
    if problem is not None:
        raise NotDataError(message(label, problem, source))


def sniff(path: Path, expected_format: str, *, label: str) -> None:
    """Raise NotDataError unless `path` plausibly holds `expected_format` data.

    Portals answer broken links with HTML pages and status 200; ingesting one as a CSV yields a
    one-column table of markup instead of an error, so look at the bytes before trusting them.
    """
    sniff_file(Path(path), check_format(expected_format), label=label, source=path)
