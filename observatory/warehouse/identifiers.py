"""Names and literals in SQL built from Python, and whether a table exists: what every module
that writes SQL needs, below the meta tables and the connections."""

from __future__ import annotations

import duckdb


def table_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    """A table's (or view's) column names in their order, empty when it does not exist.

    The name is bound, nothing is run: much cheaper than a query of information_schema, and a
    build asks some 500 times (docs/benchmarks.md). A catalog error while binding leaves an open
    transaction usable."""
    try:
        return list(con.table(qualified).columns)
    except duckdb.CatalogException:
        return []


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether a table or view exists (see table_columns)."""
    return bool(table_columns(con, qualified))


def quote_identifier(name: str) -> str:
    """Quote an identifier for DuckDB SQL (headers of official files contain spaces, accents)."""
    return '"' + name.replace('"', '""') + '"'


def escape_literal(text: str) -> str:
    """Text to put between single quotes in SQL, where a statement takes no parameter (COMMENT
    ON, ATTACH)."""
    return text.replace("'", "''")
