"""Encodings of official files: which ones DuckDB decodes itself, a UTF-8 copy of the others,
and where a file stops being valid in the encoding its catalog entry declares.

An undecodable byte is the most common way a French official file (cp1252 sold as UTF-8, or the
reverse) breaks a reader: the refusal names its line and column."""

from __future__ import annotations

import codecs
import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from observatory.sources.errors import ParseError

DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}


def encoding_problem(
    path: Path, encoding: str, separator: str, quote: str, headers: Sequence[str] | None
) -> tuple[str, str]:
    """Where a file stops being valid in its declared encoding: (`line N, column X: ...`, X).

    Only called once reading failed, so scanning the file line by line costs nothing otherwise."""
    decoder_name = "utf-8" if encoding in ("utf-8", "utf8", "utf-8-sig") else encoding
    shown = "utf-8" if decoder_name == "utf-8" else encoding
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if headers is None:  # the first line, as the header (only names the column)
                first = raw.decode(decoder_name, errors="replace").lstrip("\ufeff").rstrip()
                headers = next(csv.reader([first], delimiter=separator, quotechar=quote or None))
            try:
                raw.decode(decoder_name)
            except UnicodeDecodeError as exc:
                text = raw.decode(decoder_name, errors="replace")
                fields = next(csv.reader([text], delimiter=separator, quotechar=quote or None), [])
                index = next((i for i, f in enumerate(fields) if "\ufffd" in f), None)
                column = ""
                if index is not None and headers and index < len(headers):
                    column = headers[index]
                elif index is not None:
                    column = f"field {index + 1}"
                bad = raw[exc.start : exc.end]
                where = f"line {number}" + (f", column {column}" if column else "")
                return (
                    f"{where}: byte(s) {bad!r} are not valid {shown} (the catalog declares "
                    f"{shown}; is the file latin-1 / cp1252?)",
                    column,
                )
    return f"not valid {shown} text", ""


def check_encoding(path: Path, encoding: str, label: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise ParseError(f"{label}: {path.name}: unknown encoding {encoding!r}") from exc


def utf8_copy(path: Path, encoding: str, label: str) -> Path:
    """Transcode a file DuckDB cannot decode natively (e.g. cp1252) into a temporary UTF-8 copy,
    line by line, so an undecodable byte is reported with its line."""
    descriptor, name = tempfile.mkstemp(suffix=".csv", prefix="observatory-utf8-")
    target = Path(name)
    decode = codecs.getdecoder(encoding)
    try:
        with os.fdopen(descriptor, "wb") as handle, path.open("rb") as source:
            for number, line in enumerate(source, start=1):
                try:
                    handle.write(decode(line)[0].encode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise ParseError(
                        f"{label}: {path.name}: line {number} is not valid {encoding} text "
                        f"(byte {exc.start + 1} of the line)"
                    ) from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
