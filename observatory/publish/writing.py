"""Write a new edition of the working warehouse's published schemas, then make it current.

The edition is built under a hidden name, renamed once complete, and only then switched to
(editions.py), so a refresh that fails or is killed leaves the current edition in place.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.catalog import load_catalog
from observatory.models.runner import split_table_comment
from observatory.publish.datapackage import write_datapackage
from observatory.publish.editions import (
    BUILDING_PREFIX,
    DATABASE_NAME,
    EDITION_VIEW,
    EDITIONS_FOLDER,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    PARQUET_FOLDER,
    PUBLISHED_SCHEMAS,
    adopt_unlisted,
    clean_leftovers,
    current_id,
    editions_dir,
    fsync,
    prune,
    publication_lock,
    read_manifest,
    repair_current,
    switch,
    write_json,
)
from observatory.publish.geoparquet import geo_metadata
from observatory.settings import Settings
from observatory.state import sha256_file, warehouse_token
from observatory.warehouse import (
    escape_literal,
    latest_ingestions,
    quote_identifier,
    read_sources,
    write_sources,
    writer,
)

STORAGE_VERSION = "v1.0.0"
"""The storage format the published file is written in: the oldest DuckDB 2.0 can write.

DuckDB 2.0 writes its own format by default, which no 1.x client opens (the DuckDB CLI on the
registries and DuckDB-WASM of static dashboards are 1.x). Storage v1.0.0 is read by every DuckDB
from 0.10 on, 2.x included, and holds everything the published tables use (VARCHAR, INTEGER,
BIGINT, DOUBLE, DECIMAL, BOOLEAN, TIMESTAMP, views, comments on tables and columns). Newer
compressions are given up: the sample's file is 10 % larger (5.5 MB instead of 5.0)."""


@dataclass(frozen=True)
class Publication:
    """What one publication wrote."""

    path: Path
    tables: dict[str, int]
    edition: str = ""
    folder: Path | None = None
    removed: list[str] = field(default_factory=list)
    unchanged: bool = False


def _new_edition_id() -> str:
    """UTC time to the microsecond: unique per publication and sorted like the editions."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _copy_schema(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    """Copy every table of a schema into the attached `published` database, with comments."""
    tables = {}
    names = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? order by table_name",
        [schema],
    ).fetchall()
    con.execute(f"create schema if not exists published.{schema}")
    for name, comment in names:
        target = f"published.{schema}.{quote_identifier(name)}"
        con.execute(f"create table {target} as select * from {schema}.{quote_identifier(name)}")
        if comment:
            con.execute(f"comment on table {target} is '{escape_literal(comment)}'")
        for column, text in con.execute(
            "select column_name, comment from duckdb_columns() where database_name = "
            "current_database() and schema_name = ? and table_name = ? and comment is not null",
            [schema, name],
        ).fetchall():
            con.execute(
                f"comment on column {target}.{quote_identifier(column)} is '{escape_literal(text)}'"
            )
        row = con.execute(f"select count(*) from {target}").fetchall()[0]
        tables[f"{schema}.{name}"] = int(row[0]) if row else 0
    return tables


def _describe_table(
    con: duckdb.DuckDBPyConnection, qualified: str, rows: int, parquet: Path, folder: Path
) -> dict[str, Any]:
    """The manifest entry of one published table (read from the `published` database)."""
    schema, name = qualified.split(".", 1)
    comment = con.execute(
        "select comment from duckdb_tables() where database_name = 'published' "
        "and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0][0]
    description, grain = split_table_comment(comment)
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where database_name = 'published' and schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, name],
    ).fetchall()
    millesimes = None
    if any(c[0] == "millesime" for c in columns):
        millesimes = [
            r[0]
            for r in con.execute(
                f"select distinct millesime from published.{schema}.{quote_identifier(name)} "
                "where millesime is not null order by 1"
            ).fetchall()
        ]
    return {
        "table": qualified,
        "description": description,
        "grain": grain,
        "rows": rows,
        "millesimes": millesimes,
        "columns": [{"name": c, "type": t, "description": d or ""} for c, t, d in columns],
        "parquet": {
            "path": parquet.relative_to(folder).as_posix(),
            "bytes": parquet.stat().st_size,
            "sha256": sha256_file(parquet),
        },
    }


SOURCE_COLUMNS = (
    "dataset_id",
    "millesime",
    "origine",
    "source",
    "file_name",
    "sha256",
    "bytes",
    "etag",
    "last_modified",
    "finished_at",
)


def _source_versions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The input of every dataset-millésime the tables were built from (latest load of each)."""
    return [
        {
            ("ingested_at" if k == "finished_at" else k): (
                v.isoformat() if isinstance(v, datetime) else v
            )
            for k, v in row.items()
        }
        for row in latest_ingestions(con, SOURCE_COLUMNS)
    ]


def _credit_sources(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Rewrite meta.sources from the catalog as it is now: a licence or a landing page corrected
    in the YAML is published with the next edition."""
    write_sources(
        con,
        [
            (d.id, d.producer, d.title, d.licence, d.licence_url, d.landing_page)
            for d in load_catalog(settings.catalog_dir)
        ],
    )


def _write_edition(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    folder: Path,
    edition_id: str,
    built_at: datetime,
    schemas: Sequence[str],
) -> tuple[dict[str, int], dict[str, Any]]:
    """Database, Parquet files, datapackage.json and manifest of one edition, inside `folder`."""
    database = folder / DATABASE_NAME
    tables: dict[str, int] = {}
    entries = []
    con.execute(
        f"attach '{escape_literal(str(database))}' as published "
        f"(storage_version '{STORAGE_VERSION}')"
    )
    try:
        # One transaction: hundreds of comments and tables in one commit, not one each.
        con.execute("begin transaction")
        try:
            for schema in schemas:
                tables.update(_copy_schema(con, schema))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("create schema if not exists published.meta")
        con.execute(
            f"create view published.{EDITION_VIEW} as select '{edition_id}' as edition_id, "
            f"timestamp '{built_at:%Y-%m-%d %H:%M:%S.%f}' as built_at, "
            f"'{escape_literal(settings.source)}' as source_mode"
        )
        con.execute(
            f"comment on view published.{EDITION_VIEW} is 'The edition this file is: its "
            f"folder published/{EDITIONS_FOLDER}/<edition_id> holds its manifest and Parquet "
            "files.'"
        )
        for qualified, rows in tables.items():
            schema, name = qualified.split(".", 1)
            parquet = folder / PARQUET_FOLDER / schema / f"{name}.parquet"
            parquet.parent.mkdir(parents=True, exist_ok=True)
            relation = f"published.{schema}.{quote_identifier(name)}"
            geo = geo_metadata(con, relation)  # outlines: a GeoParquet file
            kv = f", kv_metadata {{geo: '{escape_literal(geo)}'}}" if geo else ""
            con.execute(
                f"copy (select * from {relation}) "
                f"to '{escape_literal(str(parquet))}' (format parquet, compression zstd{kv})"
            )
            entries.append(_describe_table(con, qualified, rows, parquet, folder))
        sources = _source_versions(con)
        package = write_datapackage(folder, edition_id, built_at, entries, read_sources(con))
    finally:
        con.execute("detach published")  # checkpoints: the file is complete, no WAL beside it
    manifest = {
        "format": MANIFEST_FORMAT,
        "edition": edition_id,
        "built_at": built_at.isoformat(),
        "source_mode": settings.source,
        "database": {
            "path": DATABASE_NAME,
            "bytes": database.stat().st_size,
            "sha256": sha256_file(database),
            "storage_version": STORAGE_VERSION,
        },
        "tables": entries,
        "sources": sources,
        "datapackage": package,
    }
    return tables, manifest


def _storage_version(manifest: dict[str, Any]) -> str | None:
    """The storage version an edition's file was written in (None: DuckDB's default, before
    the publication chose one): an edition in another format is rewritten, not kept."""
    database = manifest.get("database")
    return database.get("storage_version") if isinstance(database, dict) else None


def publish(
    settings: Settings,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
    *,
    skip_unchanged: bool = False,
) -> Publication:
    """Write a new edition of the given schemas of the working warehouse and make it current.

    `skip_unchanged` (a refresh): when the current edition was made of the same models and
    ingestions and written in the same storage version, keep it instead of writing an identical
    one (at national scale, minutes).
    """
    edition_id = _new_edition_id()
    built_at = datetime.now(UTC).replace(tzinfo=None)
    # The warehouse lock first, the publication lock second: the order a CLI build takes them
    # (it holds the writer for the whole run), so two processes never wait for each other.
    with writer(settings) as con, publication_lock(settings):
        clean_leftovers(settings)
        adopt_unlisted(settings)
        repair_current(settings)  # a publication stopped between its two renames
        token = warehouse_token(con)
        if skip_unchanged and token is not None:
            folders = sorted(p for p in editions_dir(settings).glob("*") if p.is_dir())
            current = current_id(settings, folders)
            manifest = read_manifest(editions_dir(settings) / current) if current else {}
            # an edition written before datapackage.json existed, or in another storage format,
            # is written again
            if (
                current
                and manifest.get("content_token") == token
                and "datapackage" in manifest
                and _storage_version(manifest) == STORAGE_VERSION
            ):
                tables = {t["table"]: int(t["rows"]) for t in manifest.get("tables", [])}
                folder = editions_dir(settings) / current
                removed = prune(settings, settings.published_editions_kept)
                return Publication(settings.published_path, tables, current, folder, removed, True)
        if "meta" in schemas:
            _credit_sources(con, settings)
        building = editions_dir(settings) / f"{BUILDING_PREFIX}{edition_id}"
        building.mkdir(parents=True)
        try:
            tables, manifest = _write_edition(
                con, settings, building, edition_id, built_at, schemas
            )
            write_json(building / MANIFEST_NAME, {**manifest, "content_token": token})
            for path in building.rglob("*"):
                if path.is_file():
                    fsync(path)
            final = editions_dir(settings) / edition_id
            os.rename(building, final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        fsync(editions_dir(settings))
        switch(settings, edition_id)
        removed = prune(settings, settings.published_editions_kept)
    return Publication(settings.published_path, tables, edition_id, final, removed)
