"""GeoJSON FeatureCollections as Etalab's "contours administratifs" writes them.

Shared by the sample's and the national generator's outlines: coordinates rounded to a fixed
number of decimals (a shared border, computed once, stays shared after rounding), compact
separators, UTF-8 names as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import shapely
import shapely.geometry


def _rounded(value: object, decimals: int) -> object:
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, (list, tuple)):
        return [_rounded(v, decimals) for v in value]
    return value


def feature_collection(
    features: Iterable[tuple[Mapping[str, Any], shapely.Geometry]], decimals: int
) -> bytes:
    """(properties, outline) pairs, in order, as one FeatureCollection."""
    written = []
    for properties, outline in features:
        geometry = shapely.geometry.mapping(outline)
        written.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _rounded(geometry["coordinates"], decimals),
                },
                "properties": dict(properties),
            }
        )
    collection = {"type": "FeatureCollection", "features": written}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
