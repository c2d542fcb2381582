"""GeoParquet 1.1 metadata for the published tables that hold outlines.

The published Parquet copy of a table with a WKB column (`geometrie`, marts.territoires__contours)
carries the GeoParquet "geo" key-value metadata, so QGIS, geopandas or DuckDB's spatial
extension open it as a layer: the column is WKB, its CRS is omitted, which GeoParquet defines
as OGC:CRS84 (WGS84 longitude/latitude, what the outlines are). DuckDB writes the metadata itself
(`copy ... (format parquet, kv_metadata {geo: ...})`); its geometry types and bounding box are
read from the table here, without parsing any geometry: the type is in the WKB header, and the
table's own xmin/ymin/xmax/ymax columns hold each outline's bounds.
"""

from __future__ import annotations

import json
import struct

import duckdb

from observatory.warehouse import quote_identifier

GEOMETRY_COLUMN = "geometrie"
BBOX_COLUMNS = ("xmin", "ymin", "xmax", "ymax")
VERSION = "1.1.0"
WKB_TYPES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _type_name(header: bytes) -> str:
    """The geometry type of a WKB value from its first five bytes (byte order, type)."""
    order = "<" if header[0] == 1 else ">"
    code = struct.unpack(f"{order}I", header[1:5])[0]
    return WKB_TYPES[code % 1000]


def geo_metadata(con: duckdb.DuckDBPyConnection, relation: str) -> str | None:
    """The "geo" metadata (JSON text) of a table, or None when it has no outline column."""
    columns = {r[0]: r[1] for r in con.execute(f"describe select * from {relation}").fetchall()}
    if columns.get(GEOMETRY_COLUMN) != "BLOB":
        return None
    column = quote_identifier(GEOMETRY_COLUMN)
    headers = con.execute(
        f"select distinct {column}[1:5] from {relation} where {column} is not null"
    ).fetchall()
    description: dict[str, object] = {
        "encoding": "WKB",
        "geometry_types": sorted({_type_name(bytes(h[0])) for h in headers}),
    }
    if all(c in columns for c in BBOX_COLUMNS):
        (bbox,) = con.execute(
            f"select [min(xmin), min(ymin), max(xmax), max(ymax)] from {relation}"
        ).fetchall()
        if None not in bbox[0]:
            description["bbox"] = list(bbox[0])
    return json.dumps(
        {
            "version": VERSION,
            "primary_column": GEOMETRY_COLUMN,
            "columns": {GEOMETRY_COLUMN: description},
        },
        separators=(",", ":"),
    )
