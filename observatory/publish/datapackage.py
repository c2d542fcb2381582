"""Each edition's `datapackage.json`: its Parquet files described as a Frictionless Data Package.

A Data Package (v1, the format of schema.data.gouv.fr) lets a reuser or a portal read the
edition's Parquet files without this project: each file's path, format, size, checksum and
schema (column names, Table Schema types mapped from DuckDB's, descriptions from the column
comments), and the sources with their producers and licences (meta.sources), so the attribution
the licences ask for travels with the files. It is written from what the manifest already holds
(the tables' entries) and from meta.sources; nothing is read twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from observatory.publish.editions import write_json
from observatory.state import sha256_file

DATAPACKAGE_NAME = "datapackage.json"
PACKAGE_NAME = "shared-services-observatory"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
MISSING_VALUES = ["", "nan"]
"""Parquet's NULL has no text form, but a reader going through pandas (the Frictionless validator
among them) sees a NULL integer as NaN: declared missing, it is not a type error."""

_TYPES = (
    (r"^.*\[\d*\]$", "array"),  # first: `TIMESTAMP[]` is a list, not a timestamp
    (
        r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$",
        "integer",
    ),
    (r"^(FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$", "number"),
    (r"^BOOLEAN$", "boolean"),
    (r"^DATE$", "date"),
    (r"^TIME( WITH TIME ZONE)?$", "time"),
    (r"^TIMESTAMP.*$", "datetime"),
    (r"^(VARCHAR|UUID|ENUM\(.*\))$", "string"),
    (r"^(STRUCT|MAP)\(.*\)$", "object"),
    (r"^JSON$", "object"),
    (r"^BLOB$", "any"),  # WKB outlines: no binary type in Table Schema; GeoParquet says what it is
)
"""DuckDB type -> Table Schema type, first match wins (an unknown type is `any`)."""


def table_schema_type(duckdb_type: str) -> str:
    """The Table Schema type of a DuckDB column type (`DECIMAL(18,3)` -> `number`)."""
    text = duckdb_type.strip().upper()
    return next((kind for pattern, kind in _TYPES if re.match(pattern, text)), "any")


def _resource(table: Mapping[str, Any]) -> dict[str, Any]:
    """One published table's Parquet file as a Tabular Data Resource."""
    description = table.get("description") or ""
    if table.get("grain"):
        description = f"{description} Grain: {table['grain']}.".strip()
    return {
        "name": table["table"],
        "path": table["parquet"]["path"],
        "profile": "tabular-data-resource",
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        "encoding": "utf-8",
        "bytes": table["parquet"]["bytes"],
        "hash": f"sha256:{table['parquet']['sha256']}",
        "description": description,
        "schema": {
            "missingValues": MISSING_VALUES,
            "fields": [
                {
                    "name": column["name"],
                    "type": table_schema_type(column["type"]),
                    "description": column.get("description") or "",
                }
                for column in table["columns"]
            ],
        },
    }


def _source(row: Mapping[str, Any]) -> dict[str, Any]:
    """One dataset-millésime of meta.sources: who produced it, where, under which licence.

    `path` is the URL it was downloaded from; for a file ingested by hand or the bundled sample
    (a local path, meaningless elsewhere) the producer's landing page."""
    source = str(row.get("source") or "")
    path = source if source.startswith(("http://", "https://")) else row.get("landing_page")
    title = f"{row.get('producer') or '?'} — {row.get('title') or row['dataset_id']}"
    described = {
        "title": f"{title}, millésime {row['millesime']}",
        "path": path,
        "licence": row.get("licence"),
        "licence_url": row.get("licence_url"),
        "file": row.get("file_name"),
        "sha256": row.get("sha256"),
        "origine": row.get("origine"),
        "ingested_at": row.get("ingested_at"),
    }
    return {key: value for key, value in described.items() if value}


def _licences(sources: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The distinct licences of the sources: the terms under which the figures may be reused."""
    seen: dict[str, str] = {}
    for row in sources:
        url, name = row.get("licence_url"), row.get("licence")
        if url and url not in seen:
            seen[str(url)] = str(name or url)
    return [{"path": url, "title": title} for url, title in seen.items()]


def datapackage(
    edition_id: str,
    built_at: datetime,
    tables: Sequence[Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The descriptor of one edition: every table that has a Parquet file, the sources and their
    licences (tables are the manifest's entries, sources the rows of meta.sources)."""
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "id": edition_id,
        "title": "Observatoire des services partagés — édition " + edition_id,
        "description": "Services and health professionals in every French territory, built "
        "from public datasets (see sources); one Parquet file per published table.",
        "created": built_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": _licences(sources),
        "sources": [_source(row) for row in sources],
        "resources": [_resource(t) for t in tables if t.get("parquet")],
    }


def write_datapackage(
    folder: Path,
    edition_id: str,
    built_at: datetime,
    tables: Sequence[Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Write `<folder>/datapackage.json`; returns its manifest entry (path, bytes, sha256)."""
    path = folder / DATAPACKAGE_NAME
    write_json(path, datapackage(edition_id, built_at, tables, sources))
    return {"path": DATAPACKAGE_NAME, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
