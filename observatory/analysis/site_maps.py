"""The national maps of the static site's index (départements and EPCI coloured by an indicator).

A separate module so that the maps can be swapped without touching the site: `site.py` only
calls `national_maps` and lays out what it returns. The outlines of the territories are the
commune-outlines work of issue 20 (`marts.territoires__contours`) and the choropleth drawing is
the maps module's (`observatory.analysis.maps`); until the published edition holds the outlines,
there is no map and the index says why.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from observatory.warehouse import table_exists

CONTOURS = "marts.territoires__contours"
MAP_LEVELS = ("departement", "epci")


def national_maps(
    con: duckdb.DuckDBPyConnection, sql_dir: Path | None = None
) -> tuple[dict[str, str], str]:
    """(level -> SVG map whose territories carry `data-niveau`/`data-code`, a note for the
    index): the index's script colours the territories by the indicator chosen."""
    del sql_dir
    if not table_exists(con, CONTOURS):
        return {}, (
            "Cartes nationales indisponibles : l'édition publiée ne contient pas les contours "
            f"des territoires ({CONTOURS})."
        )
    return {}, "Cartes nationales : le module de cartes n'est pas encore branché."
