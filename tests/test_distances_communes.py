"""The one source of commune-to-commune distances (intermediate.int_cog__distances_communes).

On the bundled sample, every pair of communes is measured here by brute force (the haversine
formula written again in numpy, on the same sphere) and the model must hold exactly the pairs at
most 50 km apart: none missing because the grid cut it off, none beyond the radius.
"""

from __future__ import annotations

import numpy as np


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray):
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def test_every_pair_within_50_km_and_no_other(warehouse) -> None:
    points = warehouse.execute(
        "select code_commune, latitude, longitude from intermediate.int_cog__points_communes "
        "where latitude is not null order by code_commune"
    ).fetchall()
    codes = [p[0] for p in points]
    lat = np.array([p[1] for p in points])
    lon = np.array([p[2] for p in points])
    distances = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    expected = {
        (codes[a], codes[b]): distances[a, b]
        for a, b in zip(*np.nonzero(distances <= 50), strict=True)
    }
    assert len(expected) > len(codes)  # the sample has neighbours, not only each commune
    assert any(d > 25 for d in expected.values())  # and pairs that cross grid cells
    rows = warehouse.execute(
        "select code_commune, code_commune_voisine, distance_km "
        "from intermediate.int_cog__distances_communes"
    ).fetchall()
    found = {(a, b): d for a, b, d in rows}
    assert len(found) == len(rows)
    assert found.keys() == expected.keys()
    assert all(abs(found[k] - expected[k]) < 1e-3 for k in expected)
    assert all(found[(c, c)] == 0 for c in codes)
