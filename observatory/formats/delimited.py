"""Delimited text files written the way their producers write them.

No `csv` module dialect: the official files differ in separator, quoting (INSEE's COG quotes
every field, empty ones too), line ends (CRLF in the populations files), encoding (latin-1 in
the census) and byte-order mark (the Annuaire santé), and each of these is part of the format
the pipeline must read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Cell = str | int | float | None
"""A value of a row: None is written as an empty field."""


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
    """The whole file: header, rows, a line end after the last row.

    A field is quoted when `quote_all` is set or when it holds the separator, a quote or a line
    break (quotes doubled), as the producers' own writers do."""

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
