"""The Dagster code location: ingestion assets, SQL model assets, checks, publication, jobs.

Loading it reads only local files (the catalog and the SQL models): no network, no secrets.
"""

from __future__ import annotations

import dagster as dg

from observatory.catalog import load_catalog
from observatory.ingest import build_ingest_assets, ingest_asset_key
from observatory.orchestration import build_jobs
from observatory.publish import build_publish_asset
from observatory.quality import build_catalog_checks
from observatory.resources import ObservatoryResource
from observatory.settings import Settings, load_settings
from observatory.sql_models import build_sql_assets, load_models


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Assemble the code location; given settings are pinned into the resource (CLI, tests),
    otherwise the resource reads the environment when a run starts (UI)."""
    resource = ObservatoryResource() if settings is None else ObservatoryResource.pinned(settings)
    settings = settings or load_settings()
    catalog = load_catalog(settings.catalog_dir)
    raw_keys = {d.target_table: ingest_asset_key(d) for d in catalog}
    models = load_models(settings.sql_dir, known_tables=raw_keys)
    ingest_assets = build_ingest_assets(catalog)
    sql_assets = build_sql_assets(models, raw_keys)
    published = build_publish_asset([*raw_keys.values(), *(m.asset_key for m in models)])
    checks = build_catalog_checks(catalog, {d.id: ingest_asset_key(d) for d in catalog})
    return dg.Definitions(
        assets=[*ingest_assets, *sql_assets, published],
        asset_checks=checks,
        jobs=build_jobs(),
        resources={"observatory": resource},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
