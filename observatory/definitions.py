"""The Dagster code location: ingestion assets, SQL model assets, checks, publication, jobs,
the monthly schedule and the release sensor.

Loading it reads only local files (the catalog and the SQL models): no network, no secrets.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from observatory import territories
from observatory.catalog import Catalog, load_catalog
from observatory.expectations import Suite
from observatory.ingest import build_ingest_assets, ensure_raw_table, ingest_asset_key
from observatory.orchestration import build_orchestration, with_freshness_policies
from observatory.parameters import COG_DATASET, parameters, write_parameters
from observatory.publish import build_publish_asset
from observatory.quality import (
    SqlCheck,
    build_sql_checks,
    build_suite_checks,
    catalog_suites,
    load_sql_checks,
    model_suites,
)
from observatory.resources import ObservatoryResource
from observatory.seeds import build_seed_assets, load_seeds
from observatory.settings import Settings, load_settings
from observatory.sql_models import TESTS_FOLDER, build_sql_assets, load_macros, load_models
from observatory.warehouse import table_exists

NON_ASSET_TABLES = ("meta.parametres",)
"""Tables the models read that are written by the build itself, not by an asset."""


def _preparation(catalog: Catalog, macros: list[tuple[Path, str]]):
    """Before the models run: the run's parameters, the macros, and an empty raw table for every
    source not ingested yet, so a model reading several sources builds with those it has."""

    def prepare(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        write_parameters(con, parameters(settings, catalog))
        for _path, statement in macros:
            con.execute(statement)
        for dataset in catalog:
            ensure_raw_table(con, dataset)
        if not table_exists(con, territories.TABLE):
            territories.create_table(con)

    return prepare


def _models(settings: Settings, catalog: Catalog) -> tuple[dict[str, dg.AssetKey], list]:
    raw_keys = {d.target_table: ingest_asset_key(d) for d in catalog}
    raw_keys[territories.TABLE] = territories.ASSET_KEY
    raw_keys.update({s.table: s.asset_key for s in load_seeds(settings.sql_dir)})
    return raw_keys, load_models(settings.sql_dir, known_tables=[*raw_keys, *NON_ASSET_TABLES])


def validation_plan(settings: Settings) -> tuple[list[Suite], list[SqlCheck]]:
    """Every validation suite and SQL check of the project, for `observatory validate`."""
    catalog = load_catalog(settings.catalog_dir)
    raw_keys, models = _models(settings, catalog)
    table_keys = {**raw_keys, **{m.table: m.asset_key for m in models}}
    suites = [*catalog_suites(catalog), *model_suites(models)]
    return suites, load_sql_checks(settings.sql_dir / TESTS_FOLDER, table_keys)


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Assemble the code location; given settings are pinned into the resource (CLI, tests),
    otherwise the resource reads the environment when a run starts (UI)."""
    resource = ObservatoryResource() if settings is None else ObservatoryResource.pinned(settings)
    settings = settings or load_settings()
    catalog = load_catalog(settings.catalog_dir)
    seeds = load_seeds(settings.sql_dir)
    raw_keys, models = _models(settings, catalog)
    table_keys = {**raw_keys, **{m.table: m.asset_key for m in models}}
    assets = [
        *with_freshness_policies(build_ingest_assets(catalog), catalog),
        territories.build_custom_territories_asset(
            catalog, ingest_asset_key(catalog.get(COG_DATASET))
        ),
        *build_seed_assets(seeds),
        *build_sql_assets(models, raw_keys, _preparation(catalog, load_macros(settings.sql_dir))),
        build_publish_asset(list(table_keys.values())),
    ]
    checks = [
        *build_suite_checks([*catalog_suites(catalog), *model_suites(models)], table_keys),
        *build_sql_checks(load_sql_checks(settings.sql_dir / TESTS_FOLDER, table_keys), table_keys),
    ]
    orchestration = build_orchestration(catalog)
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=orchestration.jobs,
        schedules=orchestration.schedules,
        sensors=orchestration.sensors,
        resources={"observatory": resource},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
