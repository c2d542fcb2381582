"""Geometry functions for the outline models, registered on the models' DuckDB connection.

The DuckDB here has no spatial extension (it is installed from the network, and builds run
offline), so the few operations the outline models need are Python scalar functions over WKB
(WGS84 longitude/latitude) computed with shapely, called row by row (pyarrow, which vectorised
functions need, is not a dependency of the package; the outlines are tens of thousands of rows
at most). They are registered by `Project.prepare`, so `observatory build` and Dagster runs
both have them; the models that call them (`int_cog__contours_communes`,
`marts.territoires__contours`, `marts.territoires__voisins`) cannot run in a bare DuckDB CLI.
This module's text enters every model's fingerprint (`CONTEXT`, see models.project): changing
a function rebuilds the models.

Areas and lengths are measured in a projection, never in degrees: Lambert-93 for metropolitan
France and Corsica, the UTM zone each overseas département publishes in
(`formats.projection.UTM_ZONES`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import shapely
from duckdb.sqltypes import BLOB, DOUBLE, VARCHAR

from observatory.formats.projection import UTM_ZONES, lambert93_exact, utm_exact

CONTEXT = Path(__file__).read_text(encoding="utf-8")
"""This module's source: part of the models' fingerprint context."""

METROPOLE = (-6.0, 41.0, 10.0, 51.5)
"""(lon min, lat min, lon max, lat max): where a geometry with no département is projected in
Lambert-93; elsewhere, the UTM zone of its longitude (the zones of UTM_ZONES)."""

BBOX = duckdb.struct_type({"xmin": DOUBLE, "ymin": DOUBLE, "xmax": DOUBLE, "ymax": DOUBLE})


class GeometryError(ValueError):
    """A geometry function met something that is not a readable WKB geometry."""


def _geometry(wkb: bytes, function: str) -> shapely.Geometry:
    try:
        return shapely.from_wkb(wkb)
    except shapely.errors.GEOSException as exc:
        raise GeometryError(f"{function}: a value is not a readable WKB geometry: {exc}") from exc


def _valid(geometry: shapely.Geometry) -> shapely.Geometry:
    """Generalised outlines can self-touch; a union needs valid polygons."""
    return geometry if shapely.is_valid(geometry) else shapely.make_valid(geometry)


def union(items: list[bytes | None] | None) -> bytes | None:
    """`geo_union(list(geometrie))`: the union of each list (NULLs ignored; NULL when none)."""
    wkbs = [w for w in items or () if w is not None]
    if not wkbs:
        return None
    if len(wkbs) == 1:
        return bytes(wkbs[0])
    parts = [_valid(_geometry(w, "geo_union")) for w in wkbs]
    return bytes(shapely.to_wkb(shapely.union_all(parts)))


def _projection(departement: str | None, lon: float, lat: float) -> tuple[int, bool] | None:
    """(UTM zone, south) or None for Lambert-93: by département when known, else by place."""
    if departement:
        return UTM_ZONES.get(departement)
    xmin, ymin, xmax, ymax = METROPOLE
    if xmin <= lon <= xmax and ymin <= lat <= ymax:
        return None
    return int((lon + 180) // 6) + 1, lat < 0


def project(geometries: np.ndarray, departements: Sequence[str | None]) -> np.ndarray:
    """The geometries in metres, each in its département's projection (see module doc); NULL
    and empty geometries are left as they are."""
    geometries = np.asarray(geometries, dtype=object)
    present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
    lons = np.zeros(len(geometries))
    lats = np.zeros(len(geometries))
    centres = shapely.centroid(geometries[present])
    lons[present], lats[present] = shapely.get_x(centres), shapely.get_y(centres)
    keys = [
        _projection(d, float(x), float(y)) if here else None
        for here, d, x, y in zip(present, departements, lons, lats, strict=True)
    ]
    projected = geometries.copy()
    for key in {k for k, here in zip(keys, present, strict=True) if here}:
        mask = present & np.array([k == key for k in keys], dtype=bool)

        def forward(xy: np.ndarray, key: tuple[int, bool] | None = key) -> np.ndarray:
            if key is None:
                x, y = lambert93_exact(xy[:, 1], xy[:, 0])
            else:
                x, y = utm_exact(xy[:, 1], xy[:, 0], *key)
            return np.column_stack([x, y])

        projected[mask] = shapely.transform(geometries[mask], forward)
    return projected


def _measured(geometry: shapely.Geometry, departement: str | None) -> shapely.Geometry:
    return project(np.array([geometry], dtype=object), [departement])[0]


def area_km2(wkb: bytes | None, departement: str | None) -> float | None:
    """`geo_surface_km2(geometrie, code_departement)`: projected area in km²."""
    if wkb is None:
        return None
    return float(shapely.area(_measured(_geometry(wkb, "geo_surface_km2"), departement))) / 1e6


def bbox(wkb: bytes | None) -> dict[str, float] | None:
    """`geo_emprise(geometrie)`: {xmin, ymin, xmax, ymax} in degrees (NULL for NULL)."""
    if wkb is None:
        return None
    bounds = shapely.bounds(_geometry(wkb, "geo_emprise"))
    return dict(zip(("xmin", "ymin", "xmax", "ymax"), map(float, bounds), strict=True))


def border_km(first: bytes | None, second: bytes | None, departement: str | None) -> float | None:
    """`geo_frontiere_km(a, b, code_departement)`: length of the border two outlines share,
    in km (0 when they only touch at a point or not at all)."""
    if first is None or second is None:
        return None
    a = _valid(_geometry(first, "geo_frontiere_km"))
    b = _valid(_geometry(second, "geo_frontiere_km"))
    shared = shapely.intersection(shapely.boundary(a), shapely.boundary(b))
    return float(shapely.length(_measured(shared, departement))) / 1000


FUNCTIONS: dict[str, tuple[Callable[..., Any], list[Any], Any]] = {
    "geo_union": (union, [duckdb.list_type(BLOB)], BLOB),
    "geo_surface_km2": (area_km2, [BLOB, VARCHAR], DOUBLE),
    "geo_emprise": (bbox, [BLOB], BBOX),
    "geo_frontiere_km": (border_km, [BLOB, BLOB, VARCHAR], DOUBLE),
}


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or recreate) the geometry functions on this connection."""
    for name, (function, parameters, returns) in FUNCTIONS.items():
        with contextlib.suppress(duckdb.InvalidInputException):  # not created yet
            con.remove_function(name)
        con.create_function(
            name, function, parameters, returns, type="native", null_handling="special"
        )
