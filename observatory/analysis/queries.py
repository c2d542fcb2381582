"""Run the analysts' SQL files (`dbt_like_sql/analysis/`) on a connection to the published file.

The SQL lives in files, not in Python strings, so the model engine parses and checks it with the
models (observatory.models.analysis: header, tables read, variables read) and a test fails when a
query reads a table the published file no longer holds. Here we only set the query's DuckDB
variables and run it; a variable the file reads but the caller did not give, or one given that
the file does not read, is a programming error named at once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from observatory.models.analysis import AnalysisQuery, load_analysis_queries
from observatory.settings import default_sql_dir


def analysis_queries(sql_dir: Path | None = None) -> dict[str, AnalysisQuery]:
    """Every analysis query of this SQL folder (by default `Settings.sql_dir`'s default: the
    clone's or the installed package's), parsed once per process."""
    return _parsed_queries(sql_dir or default_sql_dir())


@cache
def _parsed_queries(sql_dir: Path) -> dict[str, AnalysisQuery]:
    return load_analysis_queries(sql_dir)


def run_query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sql_dir: Path | None = None,
    **values: Any,
) -> list[tuple]:
    """Set the variables of `dbt_like_sql/analysis/<name>.sql` to `values` and run it.

    Variables are the connection's session state, so they are set before every query: a query
    never sees a value left by a previous one."""
    query = analysis_queries(sql_dir)[name]
    missing = sorted(query.variables - set(values))
    extra = sorted(set(values) - query.variables)
    if missing or extra:
        raise TypeError(
            f"{query.path}: variables missing {missing or 'none'}, not read by the query "
            f"{extra or 'none'}"
        )
    for variable in sorted(query.variables):
        con.execute(f"set variable {variable} = ?", [values[variable]])
    return con.execute(query.sql).fetchall()
