"""`observatory query "SQL"`: one read-only statement on the published file."""

from __future__ import annotations

import argparse

import duckdb
import sqlglot
from sqlglot import exp

from observatory.cli.tables import format_table
from observatory.settings import Settings
from observatory.warehouse import reader


class QueryError(ValueError):
    """A query cannot run on the published warehouse."""


def read_only_statement(sql: str) -> str:
    """The statement if it only reads (one SELECT, WITH, DESCRIBE, SHOW, PRAGMA), else an error.

    The published file is opened read-only anyway; refusing first gives a clear message."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryError(f"the query does not parse: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1:
        raise QueryError(f"one statement at a time, got {len(statements)}")
    statement = statements[0]
    allowed = (exp.Query, exp.Describe, exp.Show, exp.Pragma)
    if not isinstance(statement, allowed) or any(
        isinstance(node, (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop))
        for node in statement.walk()
    ):
        raise QueryError(
            f"the published warehouse is read-only: {statement.key.upper()} statements are "
            "refused (build tables with dbt_like_sql models instead)"
        )
    return sql


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    sql = read_only_statement(args.sql)
    with reader(settings.published_path) as con:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from exc
        headers = [d[0] for d in cursor.description or []]
        rows = cursor.fetchmany(args.limit + 1)
    print(format_table(headers, rows[: args.limit]))
    if len(rows) > args.limit:
        print(f"(first {args.limit} rows; --limit to see more)")
    return 0
