"""A stand-in for `marts.territoires__contours` in a copy of the sample's published file.

Each sample commune becomes the box of its grid cell around its town hall (the sample's communes
sit on a grid, observatory/sample/geography.py), every other territory the union of its
communes' boxes; the columns are those of the contract (WKB in WGS84 degrees, area, bounds)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import shapely

from observatory.sample.geography import COMMUNES, GRID_STEP_DEG, coordinates

TABLE = "marts.territoires__contours"


def commune_box(code: str) -> shapely.Polygon:
    commune = next(c for c in COMMUNES if c.code == code)
    lat, lon = coordinates(commune)
    half_lat, half_lon = GRID_STEP_DEG[0] / 2, GRID_STEP_DEG[1] / 2
    return shapely.box(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def add_box_contours(path: Path) -> None:
    """Add the boxes as marts.territoires__contours to the DuckDB file `path` (a copy)."""
    con = duckdb.connect(str(path))
    try:
        members = con.execute(
            "select niveau, code_territoire, list(code_commune order by code_commune) "
            "from marts.territoires__communes group by all order by all"
        ).fetchall()
        rows = []
        for niveau, code, communes in members:
            geometry = shapely.union_all([commune_box(c) for c in communes])
            xmin, ymin, xmax, ymax = geometry.bounds
            rows.append((niveau, code, shapely.to_wkb(geometry), 30.0, xmin, ymin, xmax, ymax))
        con.execute(f"drop table if exists {TABLE}")
        con.execute(
            f"create table {TABLE} (niveau varchar, code_territoire varchar, geometrie blob, "
            "surface_km2 double, xmin double, ymin double, xmax double, ymax double)"
        )
        con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()
