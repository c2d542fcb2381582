"""What the published warehouse holds: its tables, their rows, grain and column descriptions.

`observatory tables` and `observatory describe TABLE` read the descriptions DuckDB keeps with the
published file (`COMMENT ON`, written from each model's leading comment by the model runner, whose
`split_table_comment` reads it back), so the documentation an analyst reads is the one shipped
with the data, not a copy that could drift from it. The catalog queries are
`dbt_like_sql/analysis/tables_publiees.sql` and `colonnes_publiees.sql`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from observatory.analysis.queries import run_query
from observatory.models.runner import split_table_comment
from observatory.warehouse import quote_identifier


class UnknownTableError(LookupError):
    """No published table has this name: the message names the closest ones."""


@dataclass(frozen=True)
class PublishedTable:
    """A table (or view) of the published file, with its documentation split in two."""

    schema: str
    name: str
    kind: str
    description: str
    grain: str
    rows: int | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def summary(self) -> str:
        """The description's first sentence: enough to choose a table from a list."""
        first = self.description.split(". ")[0].rstrip(".")
        return first if len(first) <= 100 else first[:99] + "…"


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    data_type: str
    description: str


def _catalog(con: duckdb.DuckDBPyConnection, sql_dir: Path | None = None) -> list[PublishedTable]:
    return [
        PublishedTable(schema, name, kind, *split_table_comment(comment))
        for schema, name, kind, comment in run_query(con, "tables_publiees", sql_dir)
    ]


def _count(con: duckdb.DuckDBPyConnection, table: PublishedTable) -> int:
    return int(
        con.execute(
            f"select count(*) from {quote_identifier(table.schema)}.{quote_identifier(table.name)}"
        ).fetchall()[0][0]
    )


def list_tables(
    con: duckdb.DuckDBPyConnection, sql_dir: Path | None = None
) -> list[PublishedTable]:
    """Every published table with its exact row count (one count per table: cheap in DuckDB)."""
    return [
        PublishedTable(t.schema, t.name, t.kind, t.description, t.grain, _count(con, t))
        for t in _catalog(con, sql_dir)
    ]


def find_table(
    con: duckdb.DuckDBPyConnection, name: str, sql_dir: Path | None = None
) -> PublishedTable:
    """`marts.population`, or `population` when one schema has it (marts first); any case.

    An unknown name raises UnknownTableError naming the closest published tables (difflib), so
    a typo costs one more command, not a trip through the documentation."""
    tables = _catalog(con, sql_dir)
    wanted = name.strip().strip('"').lower()
    exact = [t for t in tables if t.qualified.lower() == wanted]
    if not exact and "." not in wanted:
        exact = sorted(
            (t for t in tables if t.name.lower() == wanted), key=lambda t: t.schema != "marts"
        )
    if exact:
        return exact[0]
    choices = {t.qualified.lower(): t.qualified for t in tables}
    choices.update({t.name.lower(): t.qualified for t in tables})
    close = difflib.get_close_matches(wanted, list(choices), n=6, cutoff=0.6)
    suggestions = list(dict.fromkeys(choices[c] for c in close))[:3]
    hint = (
        f"did you mean {', '.join(suggestions)}?"
        if suggestions
        else "list them with `observatory tables`"
    )
    raise UnknownTableError(f"no published table {name!r}; {hint}")


def describe_table(
    con: duckdb.DuckDBPyConnection, name: str, sql_dir: Path | None = None
) -> tuple[PublishedTable, list[PublishedColumn]]:
    """The table (with its row count) and its columns: name, DuckDB type, description."""
    table = find_table(con, name, sql_dir)
    columns = [
        PublishedColumn(column, data_type, comment or "")
        for column, data_type, comment in run_query(
            con, "colonnes_publiees", sql_dir, table_schema=table.schema, table_name=table.name
        )
    ]
    counted = PublishedTable(
        table.schema, table.name, table.kind, table.description, table.grain, _count(con, table)
    )
    return counted, columns
