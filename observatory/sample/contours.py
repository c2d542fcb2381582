"""Etalab "contours administratifs" communes file for the sample: outlines that tile the sample.

Each original commune (and arrondissement municipal) gets the Voronoi cell of a seeded, jittered
copy of its town hall (`geography.coordinates`), clipped to an outline of its département (the
hull of its points, widened); the city itself takes its own town hall's cell with its first
arrondissement. A commune of a year's geography is the union of the cells of the original
communes now in it, so the cells tile each département with no gap and no overlap, and every
town hall lies inside its own commune (checked: the generator refuses to write otherwise).

One file per millésime of the catalog (2018-2025), each in that year's geography; the latest,
2025, is the one the pipeline places, on purpose: the 2026 merger (01926 into 01924) must then
be harmonised by the pipeline, as a union of two 2025 outlines. Properties as Etalab writes
them: `code`, `nom`, `departement`, `region`, `plm` (true on the city), `commune` (on an
arrondissement), `epci`.
"""

from __future__ import annotations

import random

import shapely
from shapely.geometry import MultiPoint, Point

from observatory.formats.geojson import feature_collection
from observatory.sample.geography import (
    COMMUNES,
    DEPARTEMENTS,
    EPCIS,
    SEED,
    Commune,
    coordinates,
    geography,
)

JITTER_DEG = 0.01
"""At most 0.01° each way: under half the grid step, so a town hall stays in its own cell."""
MARGIN_DEG = 0.035
"""How far the département's outline reaches beyond its outermost town halls."""
DECIMALS = 6


def _generators() -> dict[str, list[tuple[float, float]]]:
    """Original commune or arrondissement -> (lon, lat) Voronoi generators, jittered. The city
    with arrondissements has no cell of its own: its town hall joins its first arrondissement."""
    generators: dict[str, list[tuple[float, float]]] = {}
    for commune in COMMUNES:
        lat, lon = coordinates(commune)
        rng = random.Random(f"{SEED}-contour-{commune.code}")
        point = (
            lon + rng.uniform(-JITTER_DEG, JITTER_DEG),
            lat + rng.uniform(-JITTER_DEG, JITTER_DEG),
        )
        owner = commune.code
        if any(c.parent == commune.code for c in COMMUNES):
            owner = min(c.code for c in COMMUNES if c.parent == commune.code)
        generators.setdefault(owner, []).append(point)
    return generators


def _outline(points: list[tuple[float, float]]) -> shapely.Geometry:
    """A département's outline: the hull of its generators, widened and rounded coarsely."""
    hull = MultiPoint(points).convex_hull
    return hull.buffer(MARGIN_DEG, quad_segs=2)


def cells() -> dict[str, shapely.Geometry]:
    """Original commune or arrondissement -> its cell (the city: none; see `_generators`)."""
    generators = _generators()
    by_code = {c.code: c for c in COMMUNES}
    found: dict[str, shapely.Geometry] = {}
    for departement in DEPARTEMENTS:
        owners = [o for o in generators if by_code[o].departement == departement.code]
        points = [(o, p) for o in owners for p in generators[o]]
        outline = _outline([p for _, p in points])
        diagram = shapely.voronoi_polygons(MultiPoint([p for _, p in points]), extend_to=outline)
        for owner, point in points:
            cell = next(g for g in diagram.geoms if g.contains(Point(point)))
            clipped = shapely.intersection(cell, outline)
            found[owner] = clipped if owner not in found else found[owner].union(clipped)
    return {code: shapely.set_precision(cell, 10**-DECIMALS) for code, cell in found.items()}


def _town_hall(commune: Commune) -> Point:
    lat, lon = coordinates(commune)
    return Point(lon, lat)


def outlines(millesime: int) -> dict[str, shapely.Geometry]:
    """Commune or arrondissement of the COG of `millesime` -> its outline."""
    geo = geography(millesime)
    parts = cells()
    by_code = {c.code: c for c in COMMUNES}
    members: dict[str, list[shapely.Geometry]] = {}
    for original, cell in parts.items():
        code = geo.code_of(original)
        members.setdefault(code, []).append(cell)
        parent = by_code[original].parent
        if parent:
            members.setdefault(parent, []).append(cell)
    shapes = {code: shapely.union_all(cells_) for code, cells_ in members.items()}
    for commune in geo.communes:
        if not shapes[commune.code].contains(_town_hall(commune)):
            raise ValueError(f"sample outlines: the town hall of {commune.code} is outside it")
    return shapes


def _epci_of(millesime: int) -> dict[str, str]:
    geo = geography(millesime)
    return {geo.code_of(m): e.siren for e in EPCIS for m in e.members}


def contours_communes(millesime: int) -> bytes:
    """`communes-1000m.geojson` of `millesime`, in that year's geography."""
    geo = geography(millesime)
    shapes = outlines(millesime)
    regions = {d.code: d.region for d in DEPARTEMENTS}
    epci = _epci_of(millesime)
    features = []
    for commune in sorted(geo.communes, key=lambda c: c.code):
        properties: dict[str, object] = {
            "code": commune.code,
            "nom": geo.names.get(commune.code, commune.name),
            "departement": commune.departement,
            "region": regions[commune.departement],
        }
        if any(c.parent == commune.code for c in geo.communes):
            properties["plm"] = True
        if commune.parent:
            properties["commune"] = commune.parent
        elif commune.code in epci:
            properties["epci"] = epci[commune.code]
        features.append((properties, shapes[commune.code]))
    return feature_collection(features, DECIMALS)
