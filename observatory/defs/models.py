"""Seeds and SQL models as Dagster assets: two subsettable multi-assets, one connection each.

All models run in one multi-asset on one DuckDB connection, in dependency order, each yielding
its own materialization, the way dbt models run in Dagster; one connection also means one
writer, which is all DuckDB allows. The engine does the work (observatory.models).
"""

from collections.abc import Iterator, Mapping

import dagster as dg
from dagster import AssetExecutionContext

from observatory.defs.ingestion import asset_key
from observatory.defs.metadata import table_metadata
from observatory.defs.resources import WRITER_POOL, ObservatoryResource
from observatory.models.project import Project
from observatory.models.runner import run_models
from observatory.models.seeds import load_seed
from observatory.warehouse import writer


def build_seed_assets(project: Project) -> list[dg.AssetsDefinition]:
    seeds = project.seeds
    if not seeds:
        return []
    specs = [
        dg.AssetSpec(
            key=asset_key(s.table),
            description=s.description,
            group_name="seeds",
            owners=["team:observatory"],
            kinds={"duckdb", "csv"},
            skippable=True,
            metadata={"path": s.display_path},
        )
        for s in seeds
    ]

    @dg.multi_asset(specs=specs, can_subset=True, pool=WRITER_POOL, name="seeds")
    def seed_tables(
        context: AssetExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.MaterializeResult]:
        with writer(observatory.settings()) as con:
            for seed in seeds:
                if asset_key(seed.table) in context.selected_asset_keys:
                    rows = load_seed(con, seed)
                    yield dg.MaterializeResult(
                        asset_key=asset_key(seed.table), metadata={"dagster/row_count": rows}
                    )

    return [seed_tables]


def build_sql_assets(
    project: Project, keys: Mapping[str, dg.AssetKey]
) -> list[dg.AssetsDefinition]:
    """One subsettable multi-asset holding every model; the connection is prepared first (run
    parameters, macros, empty tables for sources not ingested yet). Tables that are not assets
    (`meta.parametres`) are read but are not dependencies."""
    models = project.models
    if not models:
        return []
    specs = [
        dg.AssetSpec(
            key=keys[m.table],
            deps=[keys[d] for d in sorted(m.deps) if d in keys],
            description=f"{m.description}\n\nGrain: {m.grain}",
            group_name=m.schema,
            owners=["team:observatory"],
            kinds={"duckdb", "sql"},
            skippable=True,
            metadata={
                "table": m.table,
                "grain": m.grain,
                "sql_path": m.display_path,
                "sql": dg.MetadataValue.md(f"```sql\n{m.sql}\n```"),
            },
        )
        for m in models
    ]

    @dg.multi_asset(specs=specs, can_subset=True, pool=WRITER_POOL, name="sql_models")
    def sql_models(
        context: AssetExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.MaterializeResult]:
        selected = [m for m in models if keys[m.table] in context.selected_asset_keys]
        settings = observatory.settings()
        with writer(settings) as con:
            project.prepare(con, settings)
            context_texts = project.context_texts
            for run in run_models(con, selected, context_texts, log=context.log.info):
                yield dg.MaterializeResult(
                    asset_key=keys[run.model.table],
                    metadata={**table_metadata(run.description), "rebuilt": run.rebuilt},
                )

    return [sql_models]
