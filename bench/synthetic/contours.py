"""Etalab "contours administratifs" communes file for the synthetic France.

Every base commune's point and every arrondissement's point is the generator of a Voronoi cell,
computed per group (metropolitan France with Corsica; each overseas département on its own) and
clipped to an envelope of the group's points, so the cells tile each group with no gap and no
overlap. A commune of a year's COG is the union of the cells of the base communes now in it; a
city is its own cell and its arrondissements'; an arrondissement is its cell (the first one also
takes its city's own cell, so the arrondissements tile their city). Drawn once per run
(`World.cells`), written for every millésime in that year's geography.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from bench.synthetic.geography import Geography
from bench.synthetic.world import World
from observatory.formats.geojson import feature_collection
from observatory.formats.names import libelle

MARGIN_DEG = 0.08
"""How far a group's envelope reaches beyond its outermost points."""
DECIMALS = 5


def _generators(geo: Geography) -> np.ndarray:
    """(lon, lat) of every place, rounded; places drawn on the same spot (they happen at scale
    1) are set apart by 0.0002° each, since a Voronoi diagram needs distinct points."""
    coords = np.round(np.column_stack([geo.place_lon, geo.place_lat]), DECIMALS)
    seen: dict[tuple[float, float], int] = {}
    for i, (x, y) in enumerate(coords):
        rank = seen.get((x, y), 0)
        seen[(x, y)] = rank + 1
        coords[i, 0] += rank * 0.0002
    return coords


def draw_cells(geo: Geography) -> np.ndarray:
    """One clipped Voronoi cell per place (base communes, then arrondissements)."""
    points = shapely.points(_generators(geo))
    cells = np.empty(geo.n_places, dtype=object)
    overseas = np.array([d.overseas for d in geo.departements])[geo.place_dep]
    groups = [np.flatnonzero(~overseas)]
    groups += [
        np.flatnonzero(geo.place_dep == i) for i, d in enumerate(geo.departements) if d.overseas
    ]
    for members in groups:
        if len(members) == 0:
            continue
        cloud = shapely.multipoints(points[members])
        envelope = shapely.buffer(shapely.convex_hull(cloud), MARGIN_DEG, quad_segs=2)
        if len(members) == 1:
            cells[members] = envelope
            continue
        diagram = shapely.voronoi_polygons(cloud, extend_to=envelope, ordered=True)
        cells[members] = shapely.intersection(
            np.array(shapely.get_parts(diagram), dtype=object), envelope
        )
    return shapely.set_precision(cells, 10**-DECIMALS)


def _outlines(geo: Geography, cells: np.ndarray, year: int) -> dict[str, shapely.Geometry]:
    """Code (commune or arrondissement of the COG of `year`) -> its outline."""
    owner = geo.target(year)
    groups: dict[int, list[int]] = {}
    for base in range(geo.n):
        groups.setdefault(int(owner[base]), []).append(base)
    for k, parent in enumerate(geo.arm_parent):
        groups.setdefault(int(parent), []).append(geo.n + k)
    found = {
        str(geo.code[c]): shapely.union_all(cells[places]) if len(places) > 1 else cells[places[0]]
        for c, places in groups.items()
    }
    first_arm: dict[int, int] = {}
    for k, parent in enumerate(geo.arm_parent):
        first_arm.setdefault(int(parent), k)
    for k, code in enumerate(geo.arm_code):
        parts = [cells[geo.n + k]]
        if first_arm[int(geo.arm_parent[k])] == k:
            parts.append(cells[int(geo.arm_parent[k])])
        found[str(code)] = shapely.union_all(parts)
    return found


def contours_communes(world: World, millesime: int, target: Path) -> None:
    """`communes-1000m.geojson` of `millesime`: communes then arrondissements, by code."""
    geo = world.geo
    outlines = _outlines(geo, world.cells, millesime)
    names = geo.names(millesime)
    deps = geo.dep_codes()
    regions = geo.region_codes()
    epci = geo.zones["epci"]
    entries = []
    for i in np.flatnonzero(geo.alive(millesime)):
        properties: dict[str, object] = {
            "code": str(geo.code[i]),
            "nom": libelle(names[i], geo.tncc[i]),
            "departement": str(deps[i]),
            "region": str(regions[i]),
        }
        if geo.is_city[i]:
            properties["plm"] = True
        if epci[i] >= 0:
            properties["epci"] = str(geo.epci_siren[epci[i]])
        entries.append(properties)
    for k, code in enumerate(geo.arm_code):
        parent = int(geo.arm_parent[k])
        entries.append(
            {
                "code": str(code),
                "nom": geo.arm_name[k],
                "departement": str(deps[parent]),
                "region": str(regions[parent]),
                "commune": str(geo.code[parent]),
            }
        )
    ordered = sorted(entries, key=lambda p: str(p["code"]))
    target.write_bytes(
        feature_collection(((p, outlines[str(p["code"])]) for p in ordered), DECIMALS)
    )
