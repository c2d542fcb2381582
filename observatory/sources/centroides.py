"""geo.api.gouv.fr communes: one point per commune, the town hall when known, else the centre.

The API returns GeoJSON points (`{"type": "Point", "coordinates": [longitude, latitude]}`); the
JSON reader keeps each as JSON text, from which the coordinates are taken here.
"""

from __future__ import annotations

from observatory.catalog import Dataset
from observatory.sources.columns import column_expressions


def column_expressions_centroides(
    dataset: Dataset, matched: dict[str, str | None]
) -> list[tuple[str, str]]:
    expressions = column_expressions(dataset, matched)
    value = dict(expressions)

    def coordinate(point: str, index: int) -> str:
        return f"json_extract_string({point}, '$.coordinates[{index}]')"

    has_town_hall = f"{coordinate(value['mairie'], 0)} is not null"
    for name, index in (("longitude", 0), ("latitude", 1)):
        expressions.append(
            (
                name,
                f"coalesce({coordinate(value['mairie'], index)}, "
                f"{coordinate(value['centre'], index)})",
            )
        )
    expressions.append(("type_point", f"case when {has_town_hall} then 'mairie' else 'centre' end"))
    return expressions
