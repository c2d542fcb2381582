"""Writing large official-format files fast and byte-stable.

The bundled sample's helpers (`observatory.sample.files.csv_bytes`, `zip_bytes`,
`observatory.sample.zonages.xlsx_bytes`) build whole files in memory from Python rows: right for
a few thousand rows, too slow and too big for millions. Here the same conventions (fixed zip
member dates, fixed workbook dates) are kept for files written by DuckDB `COPY` and streamed
into zips, and for workbooks written in openpyxl's write-only mode.

DuckDB runs single-threaded here: with one thread a `COPY (select ...)` writes rows in the order
of its input, so the same seed always gives the same bytes.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from observatory.sample.files import ZIP_TIMESTAMP
from observatory.sample.zonages import xlsx_bytes

CHUNK = 16 << 20
ZIP_LEVEL = 6
"""zlib's default level, as INSEE's archives (and Python's zipfile) use."""

__all__ = [
    "ZIP_TIMESTAMP",
    "connect",
    "copy_lines",
    "copy_table",
    "sql_text",
    "workbook_bytes",
    "write_only_workbook",
    "zip_files",
]


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for the writers: one thread (stable row order), bounded memory."""
    con = duckdb.connect()
    con.execute("set threads = 1")
    con.execute("set memory_limit = '3GB'")
    con.execute("set preserve_insertion_order = true")
    return con


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def copy_lines(
    con: duckdb.DuckDBPyConnection,
    query: str,
    target: Path,
    *,
    header: str = "",
    crlf: bool = False,
) -> None:
    """Write `header` (one line, without its line end) then one line per row of `query` (a
    single VARCHAR column `line` holding the complete line) to `target`.

    Building each line in SQL from a few pre-rendered segments (a type's constant columns, a
    commune's columns) is what makes a 95-column, 2.9-million-row CSV take seconds: DuckDB's CSV
    writer quoting 95 columns one by one takes a minute. With one thread, `union all` keeps the
    header first and the rows in the query's order."""
    newline = "\\r\\n" if crlf else "\\n"
    lines = f"select {sql_text(header)} as line union all ({query})" if header else query
    con.execute(
        f"copy ({lines}) to {sql_text(str(target))} "
        f"(format csv, header false, delimiter '\\x1f', quote '', escape '', new_line '{newline}')"
    )


def copy_table(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> None:
    """`COPY (query) TO target (options)`."""
    con.execute(f"copy ({query}) to {sql_text(str(target))} ({options})")


def zip_files(
    target: Path, members: Sequence[tuple[str, Path | bytes]], *, level: int = ZIP_LEVEL
) -> None:
    """A zip of files (streamed, so a 1.4 GB member never sits in memory) or small byte strings,
    every member dated ZIP_TIMESTAMP as the sample's zips are."""
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level
    ) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if isinstance(content, bytes):
                archive.writestr(info, content, compresslevel=level)
                continue
            with archive.open(info, "w", force_zip64=True) as out, content.open("rb") as source:
                shutil.copyfileobj(source, out, CHUNK)


def write_only_workbook() -> Workbook:
    """A workbook whose rows stream to disk as they are appended: 35,000-row sheets in seconds."""
    return Workbook(write_only=True)


def text_row(sheet, values: Iterable[object], number_format: str | None = None) -> list[object]:
    """Cells for a write-only sheet; `number_format` applies to every cell (e.g. "@")."""
    if number_format is None:
        return list(values)
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        cells.append(cell)
    return cells


def workbook_bytes(workbook: Workbook) -> bytes:
    """The sample's byte-stable xlsx writer (fixed document and member dates)."""
    return xlsx_bytes(workbook)


def frame(columns: dict[str, object]) -> pd.DataFrame:
    """A DataFrame DuckDB can scan (numpy columns, object columns for text)."""
    return pd.DataFrame(columns)
