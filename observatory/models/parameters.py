"""Run parameters the SQL models read from `meta.parametres` (e.g. the target COG millésime).

Models stay plain SELECTs that run as they are in the DuckDB CLI: instead of templating, they read
their parameters from a small table written before every build, with the reason each has its value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from observatory.catalog import Catalog
from observatory.settings import Settings
from observatory.warehouse import write_parameters as write_rows


@dataclass(frozen=True)
class Parameter:
    nom: str
    valeur: str
    description: str


def parameters(settings: Settings, catalog: Catalog) -> list[Parameter]:
    cog = catalog.target_cog(settings.cog_millesime)
    origin = "OBSERVATORY_COG_MILLESIME" if settings.cog_millesime else "latest in the catalog"
    return [
        Parameter("cog_millesime", str(cog), f"target COG millésime ({origin})"),
        Parameter("source", settings.source, "source mode of the build"),
    ]


def write_parameters(con: duckdb.DuckDBPyConnection, values: list[Parameter]) -> None:
    """Replace `meta.parametres` (idempotent: same settings, same table)."""
    write_rows(con, [(p.nom, p.valeur, p.description) for p in values])
