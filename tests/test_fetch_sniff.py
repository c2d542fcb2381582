"""Tests of observatory.fetch.sniffing: plausible data passes, HTML pages and wrong magic
numbers are refused with a message naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.fetch import NotDataError, sniff
from tests.fetch_support import CSV, HTML, LABEL, make_zip


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("csv", CSV),
        ("csv", b"\xef\xbb\xbfcodgeo,pop\n01001,859\n"),
        ("json", b'\xef\xbb\xbf  {"a": 1}'),
        ("json", b"\n[1, 2]"),
        ("parquet", b"PAR1" + b"\x00" * 100 + b"PAR1"),
        ("zip", make_zip({"a.csv": CSV})),
        ("xlsx", make_zip({"xl/workbook.xml": b"<workbook/>"})),
        ("html", HTML),
    ],
)
def test_sniff_accepts_plausible_data(tmp_path: Path, fmt: str, content: bytes) -> None:
    path = tmp_path / f"data.{fmt}"
    path.write_bytes(content)
    sniff(path, fmt, label=LABEL)


@pytest.mark.parametrize(
    ("fmt", "content", "expected"),
    [
        ("csv", b"", "empty file"),
        ("csv", b"  <!doctype HTML><p>x</p>", "HTML page"),
        ("csv", b"col\n" + b"x" * 500 + b"<html>", "HTML page"),
        ("csv", b"a,b\n1,\x002\n", "NUL bytes"),
        ("csv", make_zip({"a.csv": CSV}), "binary archive"),
        ("csv", b"PAR1....PAR1", "binary archive"),
        ("zip", CSV, "expected zip data"),
        ("zip", b"PK\x05\x06" + b"\x00" * 18, "empty zip archive"),
        ("xlsx", b"<head><title>404</title></head>", "HTML page"),
        ("parquet", b"PAR1" + b"\x00" * 100, "ending with b'PAR1'"),
        ("json", b"codgeo;pop\n", "expected json data"),
    ],
)
def test_sniff_rejects_non_data(tmp_path: Path, fmt: str, content: bytes, expected: str) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(content)
    with pytest.raises(NotDataError, match=expected) as caught:
        sniff(path, fmt, label=LABEL)
    assert str(caught.value).startswith(f"{LABEL}: ") and str(path) in str(caught.value)


def test_unknown_format_is_a_caller_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not one of"):
        sniff(tmp_path / "x", "xml", label=LABEL)
