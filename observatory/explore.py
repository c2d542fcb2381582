"""What the published warehouse holds: its tables, their rows, grain and column descriptions.

`observatory tables` and `observatory describe TABLE` read the descriptions DuckDB keeps with the
published file (`COMMENT ON`, written from each model's leading comment), so the documentation an
analyst reads is the one shipped with the data, not a copy that could drift from it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import duckdb

GRAIN_MARKER = " Grain: "
"""How sql_models appends the model's `grain:` to its table comment."""

SQL_TABLES = """
select tab.schema_name, tab.table_name, 'table' as kind, tab.comment
from duckdb_tables() as tab
where tab.database_name = current_database() and not tab.temporary
union all
select vie.schema_name, vie.view_name, 'view', vie.comment
from duckdb_views() as vie
where vie.database_name = current_database() and not vie.internal and not vie.temporary
order by 1, 2
"""

SQL_COLUMNS = """
select col.column_name, col.data_type, col.comment
from duckdb_columns() as col
where col.database_name = current_database()
    and col.schema_name = $schema and col.table_name = $table
order by col.column_index
"""


class UnknownTableError(LookupError):
    """No published table has this name: the message names the closest ones."""


@dataclass(frozen=True)
class PublishedTable:
    """A table (or view) of the published file, with its documentation split in two."""

    schema: str
    name: str
    kind: str
    description: str
    grain: str | None
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


def _split(comment: str | None) -> tuple[str, str | None]:
    """Description and grain, which sql_models writes into one table comment."""
    text = (comment or "").strip()
    if GRAIN_MARKER in text:
        description, grain = text.rsplit(GRAIN_MARKER, 1)
        return description.strip(), grain.strip()
    return text, None


def _catalog(con: duckdb.DuckDBPyConnection) -> list[PublishedTable]:
    return [
        PublishedTable(schema, name, kind, *_split(comment))
        for schema, name, kind, comment in con.execute(SQL_TABLES).fetchall()
    ]


def _count(con: duckdb.DuckDBPyConnection, table: PublishedTable) -> int:
    return int(
        con.execute(f'select count(*) from "{table.schema}"."{table.name}"').fetchall()[0][0]
    )


def list_tables(con: duckdb.DuckDBPyConnection) -> list[PublishedTable]:
    """Every published table with its exact row count (one count per table: cheap in DuckDB)."""
    return [
        PublishedTable(t.schema, t.name, t.kind, t.description, t.grain, _count(con, t))
        for t in _catalog(con)
    ]


def find_table(con: duckdb.DuckDBPyConnection, name: str) -> PublishedTable:
    """`marts.population`, or `population` when one schema has it (marts first); any case.

    An unknown name raises UnknownTableError naming the closest published tables (difflib), so
    a typo costs one more command, not a trip through the documentation."""
    tables = _catalog(con)
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
    con: duckdb.DuckDBPyConnection, name: str
) -> tuple[PublishedTable, list[PublishedColumn]]:
    """The table (with its row count) and its columns: name, DuckDB type, description."""
    table = find_table(con, name)
    columns = [
        PublishedColumn(column, data_type, comment or "")
        for column, data_type, comment in con.execute(
            SQL_COLUMNS, {"schema": table.schema, "table": table.name}
        ).fetchall()
    ]
    counted = PublishedTable(
        table.schema, table.name, table.kind, table.description, table.grain, _count(con, table)
    )
    return counted, columns
