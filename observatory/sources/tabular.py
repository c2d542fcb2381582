"""Read one official file (CSV, xlsx, Parquet, JSON) into a DuckDB temp table, every cell as text.

Codes are strings (`01001`, `2A004`): nothing here lets a reader infer a type, and values come
back as written (empty CSV cells are NULL). Each row keeps its position in the file
(`_source_row`) so a row quarantined later can be traced back to where it came from: for CSV the
header's line plus the record's number, which is the line number unless a quoted value spans
lines or blank lines were skipped; the sheet row for xlsx; the object's number for JSON and the
row's number for Parquet.

The four readers share one protocol (the temp table and view they fill, how rows are numbered);
encodings and the error they raise have their own modules (encodings.py, errors.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from observatory.catalog import ReadOptions, normalise_header
from observatory.sources.encodings import (
    DUCKDB_ENCODINGS,
    check_encoding,
    encoding_problem,
    utf8_copy,
)
from observatory.sources.errors import ParseError
from observatory.warehouse import quote_identifier

FILE_TABLE = "_observatory_file"
"""Temp view of the file as read: original headers (those kept) plus `_source_row`."""
FILE_DATA = "_observatory_file_data"
"""Temp table behind FILE_TABLE. CSV and Parquet rows are stored in file order, so a row's
position is its rowid: no window over the whole file (which would hold every column in memory
at once) is needed to number them."""

Keep = Callable[[Sequence[str]], Collection[str]]
"""Given a file's headers, the ones to load: a wide file (the BPE has 89 columns, about ten
used) is parsed whole but only what the catalog maps is stored."""


@dataclass(frozen=True)
class FileRead:
    """What was found in the file: its headers in order and its row count."""

    headers: list[str]
    rows: int
    header_line: int


def release(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what `read_file` left in the connection."""
    con.execute(f"drop view if exists {FILE_TABLE}")
    con.execute(f"drop table if exists {FILE_DATA}")


def _numbered_view(con: duckdb.DuckDBPyConnection, first_row: int | None) -> None:
    """FILE_TABLE over FILE_DATA: with `_source_row` = rowid + first_row, or as stored when
    the reader numbered the rows itself (first_row None)."""
    numbered = "" if first_row is None else f", cast(rowid + {first_row} as bigint) as _source_row"
    con.execute(f"create temp view {FILE_TABLE} as select *{numbered} from {FILE_DATA}")


def _kept(headers: Sequence[str], keep: Keep | None) -> list[str]:
    if keep is None:
        return list(headers)
    wanted = set(keep(headers))
    return [h for h in headers if h in wanted]


def _duckdb_error_detail(exc: duckdb.Error) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _csv_separator(path: Path, encoding: str, options: ReadOptions) -> str:
    """The declared separator, or the first fallback that splits the header line."""
    separator = options.separator or ","
    if not options.separator_fallbacks:
        return separator
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        lines = [handle.readline() for _ in range(options.header_row or 1)]
    for candidate in (separator, *options.separator_fallbacks):
        if candidate in lines[-1]:
            return candidate
    return separator


def _csv_header(path: Path, encoding: str, options: ReadOptions, label: str) -> list[str]:
    """The header line, split the way the producer wrote it (quotes allowed), names made unique."""
    header_row = options.header_row or 1
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            lines = [handle.readline() for _ in range(header_row)]
    except UnicodeDecodeError as exc:
        problem, column = encoding_problem(
            path, encoding, options.separator or ",", options.quote or '"', None
        )
        raise ParseError(f"{label}: {path.name}: {problem}", column=column) from exc
    line = lines[-1].lstrip("\ufeff").rstrip("\r\n")
    if not line:
        raise ParseError(f"{label}: {path.name}: line {header_row} (the header) is empty")
    quote = options.quote if options.quote is not None else '"'
    fields = next(csv.reader([line], delimiter=options.separator or ",", quotechar=quote or None))
    headers, seen = [], set()
    for index, name in enumerate(fields, start=1):
        name = name.strip() or f"column{index}"
        unique, n = name, 2
        while unique.lower() in seen:
            unique, n = f"{name}_{n}", n + 1
        seen.add(unique.lower())
        headers.append(unique)
    return headers


def _csv_problem(exc: duckdb.Error) -> str:
    """DuckDB's CSV error reduced to its line number and what was wrong."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"line {line.group(1)}" if line else "somewhere"
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if columns:
        return f"{where} has {columns.group(2)} fields where the header has {columns.group(1)}"
    if "unicode" in text.lower():
        return f"{where} is not valid UTF-8"
    if "unterminated quote" in text:
        return f"{where} has an unterminated quote"
    if "invalid state" in text:
        return f"{where}: malformed (mixed line endings or stray quotes?)"
    first = text.strip().splitlines()[0].removeprefix("Invalid Input Error: ")
    return f"{where}: {first}"


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    options: ReadOptions,
    label: str,
    keep: Keep | None = None,
) -> tuple[int, list[str]]:
    """Read with the header found in Python and no dialect sniffing, so a malformed line is
    reported with its line number instead of a failed auto-detection. Every line is parsed
    (a short or long line fails); only the kept columns are stored."""
    encoding = (options.encoding or "utf-8").lower()
    check_encoding(path, encoding, label)
    native = DUCKDB_ENCODINGS.get(encoding)
    python_encoding = "utf-8-sig" if native == "utf-8" else encoding
    options = options.model_copy(
        update={"separator": _csv_separator(path, python_encoding, options)}
    )
    headers = _csv_header(path, python_encoding, options, label)
    source = path if native else utf8_copy(path, encoding, label)
    header_row = options.header_row or 1
    quote = options.quote if options.quote is not None else '"'
    columns = "{" + ", ".join(f"'{h.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for h in headers)
    columns += "}"
    select = ", ".join(quote_identifier(h) for h in _kept(headers, keep)) or "*"
    try:
        con.execute(
            f"""
            create temp table {FILE_DATA} as
            select {select}
            from read_csv(?, delim = ?, header = false, skip = {header_row},
                          columns = {columns}, auto_detect = false, encoding = ?,
                          quote = ?, escape = ?, strict_mode = true, null_padding = false)
            """,
            [str(source), options.separator, native or "utf-8", quote, quote],
        )
    except duckdb.Error as exc:
        problem, column = _csv_problem(exc), ""
        if "UTF-8" in problem:
            problem, column = encoding_problem(path, encoding, options.separator, quote, headers)
        raise ParseError(f"{label}: {path.name}: {problem}", column=column) from exc
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    _numbered_view(con, header_row + 1)
    return header_row, headers


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, label: str) -> int:
    """Load one sheet; the header is a given row or the first row holding `header_marker`.

    Read with calamine (Rust), much faster than openpyxl on the national workbooks
    (docs/benchmarks.md); rows start at the sheet's first row, so `_source_row` is the sheet row."""
    from python_calamine import CalamineWorkbook  # imported here: only xlsx datasets pay for it

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for a damaged file
        raise ParseError(f"{label}: {path.name}: not a readable xlsx workbook: {exc}") from exc
    try:
        if options.sheet is None:
            sheet = workbook.get_sheet_by_index(0)
        elif options.sheet in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(options.sheet)
        else:
            sheets = ", ".join(workbook.sheet_names)
            raise ParseError(f"{label}: {path.name}: no sheet {options.sheet!r}; sheets: {sheets}")
        cells = sheet.to_python(skip_empty_area=False)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"{label}: {path.name}: not a readable xlsx workbook: {exc}") from exc
    finally:
        workbook.close()
    rows = [[_cell(v) for v in row] for row in cells]
    header_index = _locate_header(rows, options, f"{label}: {path.name}")
    header_cells = rows[header_index]
    last = max((i for i, c in enumerate(header_cells) if c), default=-1)
    if last < 0:
        raise ParseError(f"{label}: {path.name}: header row {header_index + 1} is empty")
    headers = [c or f"column{i + 1}" for i, c in enumerate(header_cells[: last + 1])]
    body = [
        [*(list(r) + [None] * len(headers))[: len(headers)], str(header_index + 2 + n)]
        for n, r in enumerate(rows[header_index + 1 :])
        if any(v is not None for v in r)
    ]
    frame = pd.DataFrame(body, columns=[*headers, "_source_row"], dtype=object)
    con.register("_observatory_xlsx", frame)
    select = ", ".join(
        f"cast({quote_identifier(h)} as varchar) as {quote_identifier(h)}" for h in headers
    )
    con.execute(
        f"create temp table {FILE_DATA} as select {select}, "
        "cast(_source_row as bigint) as _source_row from _observatory_xlsx"
    )
    con.unregister("_observatory_xlsx")
    _numbered_view(con, None)
    return header_index + 1


def _locate_header(rows: Sequence[Sequence[str | None]], options: ReadOptions, where: str) -> int:
    if options.header_marker:
        marker = normalise_header(options.header_marker)
        for index, row in enumerate(rows[:50]):
            if any(c is not None and normalise_header(c) == marker for c in row):
                return index
        raise ParseError(
            f"{where}: no header row holding {options.header_marker!r} in the first 50 rows"
        )
    index = (options.header_row or 1) - 1
    if index >= len(rows):
        raise ParseError(f"{where}: header row {index + 1} is past the end of the sheet")
    return index


def _read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, label: str, keep: Keep | None = None
) -> tuple[int, list[str]]:
    """Parquet carries types; turn every kept column into text (nested values as JSON)."""
    try:
        described = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise ParseError(
            f"{label}: {path.name}: not a readable Parquet file: {_duckdb_error_detail(exc)}"
        ) from exc
    headers = [r[0] for r in described]
    kept = set(_kept(headers, keep))
    casts = []
    for name, column_type, *_ in described:
        if name not in kept:
            continue
        ident = quote_identifier(name)
        nested = any(t in column_type for t in ("STRUCT", "[]", "MAP", "JSON"))
        expr = f"to_json({ident})::varchar" if nested else f"cast({ident} as varchar)"
        casts.append(f"{expr} as {ident}")
    con.execute(
        f"create temp table {FILE_DATA} as select {', '.join(casts) or '*'} from read_parquet(?)",
        [str(path)],
    )
    _numbered_view(con, 1)
    return 0, headers


def _read_json(con: duckdb.DuckDBPyConnection, path: Path, label: str) -> int:
    """One row per JSON object (an array of objects, or one object per line). Values come back
    exactly as written: strings untouched (no date guessing), nested values as JSON text."""
    try:
        con.execute(
            "create or replace temp table _observatory_json as select json, "
            "cast(row_number() over () as bigint) as _source_row "
            "from read_json_objects(?, format = 'auto')",
            [str(path)],
        )
        keys = con.execute(
            "select key from (select _source_row, unnest(json_keys(json)) as key, "
            "generate_subscripts(json_keys(json), 1) as position from _observatory_json) "
            "group by key order by min(_source_row), min(position)"
        ).fetchall()
    except duckdb.Error as exc:
        raise ParseError(
            f"{label}: {path.name}: not readable as JSON objects: {_duckdb_error_detail(exc)}"
        ) from exc
    selects = []
    for (key,) in keys:
        path_expr = "$." + '"' + key.replace('"', '\\"') + '"'
        selects.append(
            f"json ->> '{path_expr.replace(chr(39), chr(39) * 2)}' as {quote_identifier(key)}"
        )
    con.execute(
        f"create temp table {FILE_DATA} as select "
        f"{', '.join([*selects, '_source_row'])} from _observatory_json"
    )
    con.execute("drop table _observatory_json")
    _numbered_view(con, None)
    return 0


def read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_format: str,
    options: ReadOptions,
    label: str,
    keep: Keep | None = None,
) -> FileRead:
    """Load the file into the temp view `FILE_TABLE` and report what it holds: every header of
    the file, though only those `keep` selects (CSV and Parquet) are loaded."""
    release(con)
    headers: list[str] | None = None
    if file_format == "csv":
        header_line, headers = _read_csv(con, path, options, label, keep)
    elif file_format == "xlsx":
        header_line = _read_xlsx(con, path, options, label)
    elif file_format == "parquet":
        header_line, headers = _read_parquet(con, path, label, keep)
    elif file_format == "json":
        header_line = _read_json(con, path, label)
    elif file_format == "geojson":
        # imported here: the outline family reads through this module's protocol
        from observatory.sources.contours import read_geojson

        header_line = read_geojson(con, path, label)
    else:
        raise ParseError(f"{label}: {path.name}: cannot read format {file_format!r}")
    if headers is None:
        headers = [r[0] for r in con.execute(f"describe {FILE_TABLE}").fetchall()]
        headers.remove("_source_row")
    rows = con.execute(f"select count(*) from {FILE_DATA}").fetchall()[0]
    return FileRead(headers=headers, rows=int(rows[0]) if rows else 0, header_line=header_line)
