"""Outlines on screen: projected as the State maps France, simplified, framed, written as SVG paths.

Outlines come as WKB in WGS84 degrees (`marts.territoires__contours.geometrie`). They are
projected in Lambert-93 in metropolitan France and Corsica and in the UTM zone of each overseas
département (formats/projection.py: the formulas live there once), simplified for the screen (in
projected metres, a tolerance relative to the map's extent, shared borders kept shared) and
written in whole pixels, so a page with a few hundred communes stays small. maps.py draws with
these paths; nothing here writes HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
import shapely

from observatory.formats.projection import overseas_departement, project

WIDTH = 600
MARGIN = 6
TOLERANCE = 0.0025
"""Simplification tolerance as a share of the map's larger side (1.5 pixel at 600): the square
root of the smallest triangle area kept (coverage simplification is Visvalingam-Whyatt's)."""


class Outlined(Protocol):
    """What a locator map draws of each context member: a `Shape`, or any record with these
    (map_data.LocatorShape, so a page does not copy its département's 350 communes)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def geometry(self) -> bytes | shapely.Geometry: ...


def as_geometry(value: bytes | shapely.Geometry) -> shapely.Geometry:
    """A shapely geometry from the warehouse's WKB (DuckDB hands BLOBs as bytes), or as it is."""
    if isinstance(value, shapely.Geometry):
        return value
    return shapely.from_wkb(bytes(value))


def as_geometries(values: Sequence[bytes | shapely.Geometry]) -> list[shapely.Geometry]:
    """`as_geometry` of each, the WKB parsed in one call."""
    found = list(values)
    raw = [i for i, v in enumerate(found) if not isinstance(v, shapely.Geometry)]
    if raw:
        parsed = shapely.from_wkb(np.asarray([bytes(found[i]) for i in raw], dtype=object))
        for i, geometry in zip(raw, parsed, strict=True):
            found[i] = geometry
    return found


def projection_of(geometries: Sequence[shapely.Geometry]) -> str | None:
    """The overseas département whose UTM zone fits these outlines (their bounding box's centre),
    None for Lambert-93 (metropolitan France and Corsica)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(geometries, dtype=object))
    if not np.isfinite([xmin, ymin, xmax, ymax]).all():
        return None
    return overseas_departement((ymin + ymax) / 2, (xmin + xmax) / 2)


Drawn = TypeVar("Drawn", bound="Outlined")


def by_projection(shapes: Sequence[Drawn]) -> dict[str | None, list[Drawn]]:
    """Shapes grouped by the projection they are drawn in: None (Lambert-93, metropolitan France
    and Corsica) and each overseas département's code, by the centre of each outline's bounds;
    for a national map with the overseas départements as separate insets."""
    groups: dict[str | None, list[Drawn]] = {}
    for shape in shapes:
        groups.setdefault(projection_of([as_geometry(shape.geometry)]), []).append(shape)
    return groups


def projected(geometries: Sequence[shapely.Geometry], departement: str | None = None) -> np.ndarray:
    """Outlines in metres of the département's projection (Lambert-93 when None)."""

    def transformation(coords: np.ndarray) -> np.ndarray:
        x, y = project(coords[:, 1], coords[:, 0], departement)
        return np.column_stack([x, y]).astype(float)

    return shapely.transform(np.asarray(geometries, dtype=object), transformation)


def simplified(geometries: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplified for the screen; borders shared by neighbours stay shared (coverage
    simplification) unless the outlines do not form a clean coverage."""
    try:
        simple = shapely.coverage_simplify(geometries, tolerance)
        if not shapely.is_empty(simple).any():
            return simple
    except shapely.errors.GEOSException:
        pass
    return shapely.simplify(geometries, tolerance, preserve_topology=True)


@dataclass(frozen=True)
class Frame:
    """Projected metres -> SVG pixels (y downwards), for a map `width` x `height`."""

    xmin: float
    ymax: float
    scale: float
    width: int
    height: int

    @classmethod
    def around(cls, geometries: np.ndarray, width: int = WIDTH) -> Frame:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geometries)
        span_x, span_y = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
        scale = (width - 2 * MARGIN) / span_x
        height = min(round(span_y * scale + 2 * MARGIN), int(1.4 * width))
        scale = min(scale, (height - 2 * MARGIN) / span_y)
        return cls(xmin - MARGIN / scale, ymax + MARGIN / scale, scale, width, height)


def svg_path(geometry: shapely.Geometry, frame: Frame) -> str:
    """The SVG path `d` of one projected (Multi)Polygon (see `svg_paths`)."""
    return svg_paths([geometry], frame)[0]


def svg_paths(geometries: Sequence[shapely.Geometry] | np.ndarray, frame: Frame) -> list[str]:
    """The SVG path `d` of each projected (Multi)Polygon: one subpath per ring, its first point
    in whole pixels then relative steps (`l`, shorter), repeated points after rounding dropped
    (holes drawn with fill-rule evenodd); `""` for an empty outline. Whole pixels: the
    outlines are simplified to 1.5 pixels first, and neighbours round their shared vertices
    alike, so borders stay shared; integers are also quick to write.

    All the rings of all the outlines are rounded and differenced in one numpy pass (a national
    site writes 160,000 paths of a few rings each: per-ring numpy calls cost more than the
    arithmetic); only the text is written ring by ring."""
    shapes = np.asarray(geometries, dtype=object)
    if not len(shapes):
        return []
    parts, owner = shapely.get_parts(shapes, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, owner = parts[polygon], owner[polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    points = np.column_stack(
        [
            np.rint((coords[:, 0] - frame.xmin) * frame.scale),
            np.rint((frame.ymax - coords[:, 1]) * frame.scale),
        ]
    ).astype(np.int64)
    same_ring = np.zeros(len(points), dtype=bool)
    same_ring[1:] = point_ring[1:] == point_ring[:-1]
    keep = ~same_ring
    keep[1:] |= np.any(points[1:] != points[:-1], axis=1)
    points, point_ring = points[keep], point_ring[keep]
    starts = np.searchsorted(point_ring, np.arange(len(rings)), "left")
    ends = np.searchsorted(point_ring, np.arange(len(rings)), "right")
    # a ring closed on its first point after rounding loses that last point
    closed = (ends - starts > 1) & np.all(
        points[np.maximum(ends - 1, 0)] == points[np.minimum(starts, len(points) - 1)], axis=1
    )
    ends = ends - closed
    # each point's step from the previous one, except a ring's first point: the point itself
    steps = points.copy()
    steps[same_ring[keep]] -= points[np.flatnonzero(same_ring[keep]) - 1]
    flat = list(map(str, steps.ravel().tolist()))
    texts: list[list[str]] = [[] for _ in range(len(shapes))]
    ring_owner = owner[ring_part].tolist()
    for ring, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        if end - start < 3:
            continue
        body = " ".join(flat[2 * start + 2 : 2 * end])
        texts[ring_owner[ring]].append(f"M{flat[2 * start]} {flat[2 * start + 1]}l{body}z")
    return ["".join(t) for t in texts]


def screen_paths(
    geometries: Sequence[shapely.Geometry],
    departement: str | None = None,
    width: int = WIDTH,
    frame_of: Sequence[shapely.Geometry] | None = None,
) -> tuple[list[str], Frame]:
    """The `d` of each outline, projected, simplified and framed (the frame fits `frame_of`
    when given, else every outline), with the frame."""
    shapes = projected(geometries, departement)
    framing = shapes if frame_of is None else projected(frame_of, departement)
    frame = Frame.around(framing, width)
    extent = max(frame.width, frame.height) / frame.scale
    simple = simplified(shapes, extent * TOLERANCE)
    return svg_paths(simple, frame), frame


def outlines(
    geometries: Sequence[bytes | shapely.Geometry], width: int = WIDTH
) -> tuple[list[str], Frame]:
    """The screen paths of shapes as `choropleth` draws them (the projection of where they lie):
    computed once for the several maps of the same shapes and given to each as `paths`."""
    shapes = as_geometries(geometries)
    if not shapes:
        return [], Frame(0, 0, 1, width, 50)
    return screen_paths(shapes, projection_of(shapes), width)
