"""`observatory query "SQL"`: one read-only statement on the published file.

Two locks, each enough on its own for what it covers: the statement kind is decided by DuckDB's
own parser (only a SELECT, or EXPLAIN of one, passes: no PRAGMA, COPY, ATTACH, SET, CALL...), and
the connection (`published_reader()`) is read-only, cannot reach any other file or the network,
has its configuration locked and is interrupted past OBSERVATORY_QUERY_TIMEOUT_S.
"""

from __future__ import annotations

import argparse
import re

import duckdb

from observatory.cli.tables import format_table
from observatory.settings import Settings
from observatory.warehouse import published_reader


class QueryError(ValueError):
    """A query cannot run on the published warehouse."""


_EXPLAIN = re.compile(r"\s*explain(\s+analyze)?(\s*\([^()]*\))?\s+", re.IGNORECASE)
"""EXPLAIN [ANALYZE] [(options)] before the statement it explains."""


def _statements(sql: str) -> list:
    with duckdb.connect(":memory:", config={"enable_external_access": False}) as parser:
        try:
            return parser.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(f"the query does not parse: {str(exc).splitlines()[0]}") from exc


def read_only_statement(sql: str) -> str:
    """The statement if DuckDB's parser says it is one SELECT (a query, DESCRIBE, SHOW,
    SUMMARIZE...) or EXPLAIN of one, else a one-line QueryError naming its kind."""
    statements = _statements(sql)
    if len(statements) != 1:
        raise QueryError(f"one statement at a time, got {len(statements)}")
    statement = statements[0]
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:
        explained = _EXPLAIN.match(statement.query)
        inner = _statements(statement.query[explained.end() :]) if explained else []
        if len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT:
            return sql
        kind_name = "EXPLAIN of a statement other than SELECT"
    elif kind == duckdb.StatementType.SELECT:
        return sql
    else:
        kind_name = f"{kind.name} statements are"
    raise QueryError(
        f"the published warehouse is read-only: {kind_name} refused, only SELECT "
        "(build tables with dbt_like_sql models instead)"
    )


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    sql = read_only_statement(args.sql)
    with published_reader(settings) as con:
        try:
            cursor = con.execute(sql)
            headers = [d[0] for d in cursor.description or []]
            rows = cursor.fetchmany(args.limit + 1)
        except duckdb.InterruptException:
            raise  # the reader turns it into the time limit's error
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from exc
    print(format_table(headers, rows[: args.limit]))
    if len(rows) > args.limit:
        print(f"(first {args.limit} rows; --limit to see more)")
    return 0
