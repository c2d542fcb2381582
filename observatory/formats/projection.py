"""Projected coordinates as the BPE publishes them: Lambert-93, and UTM overseas.

LAMBERT_X/Y are the Lambert-93 (EPSG 2154, also used in Corsica) projection of a WGS84 point,
rounded to the metre, with IGN's formulas on the GRS80 ellipsoid:

    e = 0.0818191910428158           (first eccentricity)
    n = 0.7256077650532670           C = 11754255.4261 m
    xs = 700000 m                    ys = 12655612.0499 m          lambda0 = 3 degrees E
    L = atanh(sin phi) - e * atanh(e * sin phi)        (isometric latitude)
    R = C * exp(-n * L)              gamma = n * (lambda - lambda0)
    x = xs + R * sin(gamma)          y = ys - R * cos(gamma)

The overseas départements publish their own UTM projection instead (RGAF09, RGFG95, RGR92,
RGM04, all on GRS80). The formulas live here once: the pipeline checks that it projects the
published coordinates back exactly, so every generator must round the same way; the maps
(analysis/maps.py) draw with the same projections (`project`).
"""

from __future__ import annotations

import math

import numpy as np

E = 0.0818191910428158
N = 0.7256077650532670
C = 11754255.4261
XS = 700000.0
YS = 12655612.0499
LON0 = math.radians(3.0)


UTM_ZONES: dict[str, tuple[int, bool]] = {
    "971": (20, False),  # Guadeloupe, RGAF09 / UTM 20N
    "972": (20, False),  # Martinique, RGAF09 / UTM 20N
    "973": (22, False),  # Guyane, RGFG95 / UTM 22N
    "974": (40, True),  # La Réunion, RGR92 / UTM 40S
    "976": (38, True),  # Mayotte, RGM04 / UTM 38S
}
"""Overseas département -> (UTM zone, southern hemisphere): the projection each one publishes.
Metropolitan France and Corsica use Lambert-93."""

OVERSEAS_BOXES: dict[str, tuple[float, float, float, float]] = {
    # département -> (lat min, lat max, lon min, lon max) of the territory, in WGS84 degrees
    "971": (15.8, 16.6, -61.9, -60.9),
    "972": (14.3, 14.9, -61.3, -60.7),
    "973": (2.1, 5.8, -54.7, -51.5),
    "974": (-21.4, -20.8, 55.2, 55.9),
    "976": (-13.1, -12.6, 45.0, 45.3),
}
"""Where each overseas département lies: which UTM zone a point (a map's outlines) belongs to."""


def _metres(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(x + 0.5).astype(np.int64), np.floor(y + 0.5).astype(np.int64)


def lambert93_exact(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lambert-93 (x, y) in metres, unrounded: for areas and lengths, where rounding every
    vertex to the metre would add noise."""
    phi = np.radians(lat)
    isometric = np.arctanh(np.sin(phi)) - E * np.arctanh(E * np.sin(phi))
    radius = C * np.exp(-N * isometric)
    gamma = N * (np.radians(lon) - LON0)
    return XS + radius * np.sin(gamma), YS - radius * np.cos(gamma)


def lambert93(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(LAMBERT_X, LAMBERT_Y) in whole metres (int64) of WGS84 points, in degrees."""
    return _metres(*lambert93_exact(lat, lon))


def lambert93_point(latitude: float, longitude: float) -> tuple[int, int]:
    """`lambert93` of one point, as Python ints."""
    x, y = lambert93(np.array([latitude]), np.array([longitude]))
    return int(x[0]), int(y[0])


def utm(lat: np.ndarray, lon: np.ndarray, zone: int, south: bool) -> tuple[np.ndarray, np.ndarray]:
    """UTM on GRS80 in whole metres (int64), as the overseas BPE coordinates are published."""
    return _metres(*utm_exact(lat, lon, zone, south))


def utm_exact(
    lat: np.ndarray, lon: np.ndarray, zone: int, south: bool
) -> tuple[np.ndarray, np.ndarray]:
    """UTM on GRS80 (the overseas RGAF09/RGFG95/RGR92/RGM04 projections), Snyder's series,
    in metres, unrounded."""
    a, f, k0 = 6378137.0, 1 / 298.257222101, 0.9996
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    phi = np.radians(lat)
    lam = np.radians(lon) - math.radians(-183 + 6 * zone)
    n = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    t = np.tan(phi) ** 2
    c = ep2 * np.cos(phi) ** 2
    big_a = np.cos(phi) * lam
    m = a * (
        (1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256) * phi
        - (3 * e2 / 8 + 3 * e2**2 / 32 + 45 * e2**3 / 1024) * np.sin(2 * phi)
        + (15 * e2**2 / 256 + 45 * e2**3 / 1024) * np.sin(4 * phi)
        - (35 * e2**3 / 3072) * np.sin(6 * phi)
    )
    x = 500000 + k0 * n * (
        big_a
        + (1 - t + c) * big_a**3 / 6
        + (5 - 18 * t + t**2 + 72 * c - 58 * ep2) * big_a**5 / 120
    )
    y = k0 * (
        m
        + n
        * np.tan(phi)
        * (
            big_a**2 / 2
            + (5 - t + 9 * c + 4 * c**2) * big_a**4 / 24
            + (61 - 58 * t + t**2 + 600 * c - 330 * ep2) * big_a**6 / 720
        )
    )
    if south:
        y = y + 10_000_000
    return x, y


def degrees_text(value: float) -> str:
    """A WGS84 coordinate as the BPE writes it: at most 5 decimals, trailing zeros dropped."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def overseas_departement(latitude: float, longitude: float) -> str | None:
    """The overseas département whose box holds this WGS84 point, None in metropolitan France."""
    for code, (lat_min, lat_max, lon_min, lon_max) in OVERSEAS_BOXES.items():
        if lat_min <= latitude <= lat_max and lon_min <= longitude <= lon_max:
            return code
    return None


def project(
    lat: np.ndarray, lon: np.ndarray, departement: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Metres (unrounded) in the département's official projection: its UTM zone overseas
    (UTM_ZONES), Lambert-93 otherwise (and for None). The report's maps draw with it."""
    if departement in UTM_ZONES:
        zone, south = UTM_ZONES[departement]
        return utm_exact(lat, lon, zone, south)
    return lambert93_exact(lat, lon)
