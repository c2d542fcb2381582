"""Write-audit-publish: copy the audited marts into a new file, then atomically replace the old.

Analysts and dashboards open only the published file, read-only. It is written under a temporary
name in the same folder and renamed over the previous edition in one `os.replace`: a reader that
has the old file open keeps a consistent edition, and a refresh that fails or is killed before the
rename leaves the last good edition in place.
"""

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from observatory.resources import WRITER_POOL, ObservatoryResource
from observatory.settings import Settings
from observatory.warehouse import quote_identifier, writer

PUBLISHED_SCHEMAS = ("marts", "quarantine", "meta")


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: dict[str, int]


def _escape(text: str) -> str:
    return text.replace("'", "''")


def _copy_schema(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    tables = {}
    names = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? order by table_name",
        [schema],
    ).fetchall()
    con.execute(f"create schema if not exists published.{schema}")
    for name, comment in names:
        target = f"published.{schema}.{name}"
        con.execute(f"create table {target} as select * from {schema}.{name}")
        if comment:
            con.execute(f"comment on table {target} is '{_escape(comment)}'")
        for column, text in con.execute(
            "select column_name, comment from duckdb_columns() where database_name = "
            "current_database() and schema_name = ? and table_name = ? and comment is not null",
            [schema, name],
        ).fetchall():
            con.execute(
                f"comment on column {target}.{quote_identifier(column)} is '{_escape(text)}'"
            )
        row = con.execute(f"select count(*) from {target}").fetchall()[0]
        tables[f"{schema}.{name}"] = int(row[0]) if row else 0
    return tables


def publish(settings: Settings, schemas: Sequence[str] = PUBLISHED_SCHEMAS) -> Publication:
    """Copy the given schemas of the working warehouse into a fresh published file."""
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    temporary = settings.published_dir / f".observatory-{uuid.uuid4().hex}.duckdb"
    tables: dict[str, int] = {}
    try:
        with writer(settings) as con:
            con.execute(f"attach '{_escape(str(temporary))}' as published")
            try:
                for schema in schemas:
                    tables.update(_copy_schema(con, schema))
            finally:
                con.execute("detach published")
        os.replace(temporary, settings.published_path)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return Publication(settings.published_path, tables)


def build_publish_asset(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The published file, built after every mart (and its blocking checks) succeeded."""

    @dg.asset(
        key=dg.AssetKey(["published", "observatory"]),
        deps=list(upstream),
        group_name="published",
        description="The published DuckDB file analysts and dashboards open read-only: every "
        "marts.* table, the quarantine.* tables (rows a source could not place, with the reason) "
        "and the meta.* tables, replaced atomically.",
        owners=["team:observatory"],
        kinds={"duckdb"},
        pool=WRITER_POOL,
    )
    def published(observatory: ObservatoryResource) -> dg.MaterializeResult:
        result = publish(observatory.settings())
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "tables": dg.MetadataValue.json(result.tables),
                "dagster/row_count": sum(result.tables.values()),
            }
        )

    return published
