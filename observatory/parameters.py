"""Run parameters the SQL models read from `meta.parametres` (e.g. the target COG millésime).

Models stay plain SELECTs that run as they are in the DuckDB CLI: instead of templating, they read
their parameters from a small table written before every build, with the reason each has its value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from observatory.catalog import Catalog
from observatory.settings import Settings

COG_DATASET = "insee_cog_communes"


@dataclass(frozen=True)
class Parameter:
    nom: str
    valeur: str
    description: str


def target_cog(settings: Settings, catalog: Catalog) -> int:
    """The COG every commune-coded input is harmonised to: the setting, else the latest edition."""
    if settings.cog_millesime is not None:
        return settings.cog_millesime
    return max(catalog.get(COG_DATASET).years)


def parameters(settings: Settings, catalog: Catalog) -> list[Parameter]:
    cog = target_cog(settings, catalog)
    origin = "OBSERVATORY_COG_MILLESIME" if settings.cog_millesime else "latest in the catalog"
    return [
        Parameter("cog_millesime", str(cog), f"target COG millésime ({origin})"),
        Parameter("source", settings.source, "source mode of the build"),
    ]


def write_parameters(con: duckdb.DuckDBPyConnection, values: list[Parameter]) -> None:
    """Replace `meta.parametres` (idempotent: same settings, same table)."""
    con.execute(
        "create or replace table meta.parametres "
        "(nom varchar primary key, valeur varchar not null, description varchar)"
    )
    con.executemany(
        "insert into meta.parametres values (?, ?, ?)",
        [(p.nom, p.valeur, p.description) for p in values],
    )
