"""GeoJSON outlines (Etalab "contours administratifs", france-geojson): one row per feature.

A FeatureCollection, plain or gzipped (`communes-1000m.geojson.gz`), becomes the file table:
every property of the features as text (`code`, `nom`, `departement`, `region`, `epci`, `plm`,
`commune`... whatever the file has; the catalog's columns match them leniently, so the
france-geojson variant with only `code` and `nom` reads too), plus `geometry`, the feature's
outline as WKB (WGS84 longitude/latitude, as the file gives it), stored as a BLOB in the raw
table. `_source_row` is the feature's number in the collection (1 for the first).

A file that is not a FeatureCollection, and a feature without a readable Polygon or
MultiPolygon, are refused with the file, the feature's number and code, and what was wrong:
the producer generates these files in one pass, so one broken feature means a broken file,
not a row to set aside.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import shapely
import shapely.geometry

from observatory.catalog import Dataset
from observatory.sources.columns import column_expressions
from observatory.sources.errors import ParseError
from observatory.sources.tabular import FILE_DATA, _numbered_view
from observatory.warehouse import quote_identifier

GEOMETRY = "geometry"
"""The file table's column holding each feature's WKB."""
GEOMETRY_COLUMN = "geometrie"
"""The catalog column (raw table) fed by GEOMETRY; stored as BLOB, not text."""
AREAL_TYPES = ("Polygon", "MultiPolygon")


def _load(path: Path, label: str) -> dict[str, Any]:
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    try:
        if gzipped:
            with gzip.open(path, "rb") as handle:
                data = handle.read()
        else:
            data = path.read_bytes()
        document = json.loads(data.decode("utf-8-sig"))
    except (OSError, EOFError) as exc:
        raise ParseError(f"{label}: {path.name}: not a readable gzip file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ParseError(f"{label}: {path.name}: not UTF-8 text at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"{label}: {path.name}: not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise ParseError(
            f"{label}: {path.name}: expected a GeoJSON FeatureCollection, found {found!r}"
        )
    if not isinstance(document.get("features"), list):
        raise ParseError(f"{label}: {path.name}: the FeatureCollection has no `features` list")
    return document


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _geometry(feature: object, number: int, where: str) -> bytes:
    """The feature's outline as WKB, or a ParseError saying which feature and why."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ParseError(f"{where}: feature {number} is not a GeoJSON Feature", column=GEOMETRY)
    properties = feature.get("properties") or {}
    code = properties.get("code") if isinstance(properties, dict) else None
    which = f"feature {number}" + (f" (code {code})" if code else "")
    geometry = feature.get("geometry")
    if not geometry:
        raise ParseError(f"{where}: {which} has no geometry", column=GEOMETRY)
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in AREAL_TYPES:
        raise ParseError(
            f"{where}: {which} has a geometry of type {kind!r}; expected Polygon or MultiPolygon",
            column=GEOMETRY,
        )
    try:
        shape = shapely.geometry.shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
        raise ParseError(
            f"{where}: {which}: unreadable {kind} coordinates ({exc})", column=GEOMETRY
        ) from exc
    if shape.is_empty:
        raise ParseError(f"{where}: {which} has an empty {kind}", column=GEOMETRY)
    return shapely.to_wkb(shape)


def read_geojson(con: duckdb.DuckDBPyConnection, path: Path, label: str) -> int:
    """Fill the file table (tabular.FILE_DATA) with one row per feature; returns 0 (no header
    line in a GeoJSON file)."""
    where = f"{label}: {path.name}"
    features = _load(path, label)["features"]
    keys: dict[str, None] = {}
    rows: list[dict[str, object]] = []
    for number, feature in enumerate(features, start=1):
        wkb = _geometry(feature, number, where)
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise ParseError(f"{where}: feature {number}: `properties` is not an object")
        row: dict[str, object] = {k: _text(v) for k, v in properties.items() if k != GEOMETRY}
        keys.update(dict.fromkeys(row))
        row[GEOMETRY] = wkb
        row["_source_row"] = number
        rows.append(row)
    columns = [*keys, GEOMETRY, "_source_row"]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    con.register("_observatory_geojson", frame)
    selects = [f"cast({quote_identifier(k)} as varchar) as {quote_identifier(k)}" for k in keys]
    selects += [
        f"cast({GEOMETRY} as blob) as {GEOMETRY}",
        "cast(_source_row as bigint) as _source_row",
    ]
    try:
        con.execute(
            f"create temp table {FILE_DATA} as select {', '.join(selects)} "
            "from _observatory_geojson"
        )
    finally:
        con.unregister("_observatory_geojson")
    _numbered_view(con, None)
    return 0


def column_expressions_contours(
    dataset: Dataset, matched: dict[str, str | None]
) -> list[tuple[str, str]]:
    """The generic columns, except the outline: its WKB is kept as it is (not trimmed text)."""
    expressions = []
    for name, expr in column_expressions(dataset, matched):
        header = matched.get(name)
        if name == GEOMETRY_COLUMN and header:
            expr = quote_identifier(header)
        expressions.append((name, expr))
    return expressions
