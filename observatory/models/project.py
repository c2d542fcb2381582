"""Every table of the project and what each one reads: the engine's own graph.

Sources (one raw table per catalog dataset, and the user's custom territories), seeds, SQL
models and the publication. The build plans on this graph (what has no input, what reads only
missing sources) and `observatory.defs` turns it into Dagster assets; both see the same tables.
Loading reads local files only (catalog, SQL): no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import duckdb

from observatory.catalog import COG_DATASET, Catalog, load_catalog
from observatory.ingest.load import ensure_raw_table
from observatory.ingest.territoires import TABLE as CUSTOM_TERRITORIES
from observatory.ingest.territoires import create_table as create_custom_territories
from observatory.models import geometry, implantation
from observatory.models.graph import SqlModel, load_models
from observatory.models.macros import Macro, load_macros
from observatory.models.parameters import parameters, write_parameters
from observatory.models.seeds import Seed, load_seeds
from observatory.settings import Settings
from observatory.warehouse import PARAMETERS, table_exists

PUBLICATION = "published.observatory"
"""The published edition: reads every other table of the project."""
NON_ASSET_TABLES = (PARAMETERS,)
"""Tables the models read that are written by the build itself, not by an asset."""


@dataclass(frozen=True)
class Project:
    """The catalog, seeds, macros and models of one configuration, checked."""

    catalog: Catalog
    seeds: list[Seed]
    macros: list[Macro]
    models: list[SqlModel]

    @cached_property
    def source_tables(self) -> dict[str, str]:
        """Raw table -> catalog dataset id (the custom territories have no dataset: '')."""
        tables = {d.target_table: d.id for d in self.catalog}
        tables[CUSTOM_TERRITORIES] = ""
        return tables

    @cached_property
    def upstream(self) -> dict[str, frozenset[str]]:
        """Every table -> the tables it reads (in the project; `meta.parametres` left out)."""
        graph: dict[str, frozenset[str]] = {t: frozenset() for t in self.source_tables}
        cog = self.catalog.get(COG_DATASET).target_table
        graph[CUSTOM_TERRITORIES] = frozenset({cog})
        graph.update({s.table: frozenset() for s in self.seeds})
        for model in self.models:
            graph[model.table] = frozenset(d for d in model.deps if d not in NON_ASSET_TABLES)
        graph[PUBLICATION] = frozenset(graph)
        return graph

    def downstream(self, tables: set[str]) -> set[str]:
        """The tables given and everything built from them."""
        found = set(tables)
        changed = True
        while changed:
            more = {t for t, ups in self.upstream.items() if ups & found and t not in found}
            found |= more
            changed = bool(more)
        return found

    def upstream_closure(self, table: str) -> set[str]:
        """The table and everything it is built from."""
        found, todo = {table}, [table]
        while todo:
            for parent in self.upstream.get(todo.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    @property
    def context_texts(self) -> list[str]:
        """What every model's fingerprint includes besides its SQL and inputs: the macros'
        texts, and the sources of the Python functions the models call (models.geometry,
        models.implantation)."""
        return [*(m.text for m in self.macros), geometry.CONTEXT, implantation.CONTEXT]

    def prepare(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        """Before the models run: the run's parameters, the macros, the geometry and location
        functions (Python, registered on this connection), and an empty raw table for every
        source not ingested yet, so a model reading several sources builds with those it has."""
        write_parameters(con, parameters(settings, self.catalog))
        for macro in self.macros:
            con.execute(macro.statement)
        geometry.register(con)
        implantation.register(con)
        for dataset in self.catalog:
            ensure_raw_table(con, dataset)
        if not table_exists(con, CUSTOM_TERRITORIES):
            create_custom_territories(con)


def load_project(settings: Settings) -> Project:
    """Read and check the catalog and `dbt_like_sql/` of these settings."""
    catalog = load_catalog(settings.catalog_dir)
    seeds = load_seeds(settings.sql_dir)
    known = [
        *(d.target_table for d in catalog),
        CUSTOM_TERRITORIES,
        *(s.table for s in seeds),
        *NON_ASSET_TABLES,
    ]
    models = load_models(settings.sql_dir, known_tables=known)
    return Project(catalog, seeds, load_macros(settings.sql_dir), models)
