"""Writing large official-format files fast: lines built and written by DuckDB.

`observatory.formats.delimited.csv_bytes` builds a whole file in memory from Python rows: right
for a few thousand rows, too slow and too big for millions. Here the lines of the big files are
assembled in SQL and written by DuckDB `COPY`, then zipped by `observatory.formats.archive`.

DuckDB runs single-threaded here: with one thread a `COPY (select ...)` writes rows in the order
of its input, so the same seed always gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


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
    commune's columns) is what makes a 95-column, 2.9-million-row CSV fast: DuckDB's CSV writer
    quoting 95 columns one by one is many times slower. With one thread, `union all` keeps the
    header first and the rows in the query's order."""
    newline = "\\r\\n" if crlf else "\\n"
    lines = f"select {sql_text(header)} as line union all ({query})" if header else query
    con.execute(
        f"copy ({lines}) to {sql_text(str(target))} "
        f"(format csv, header false, delimiter '\\x1f', quote '', escape '', new_line '{newline}')"
    )
