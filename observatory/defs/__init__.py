"""ALL the Dagster wiring, and nothing else: assets, asset checks, jobs, the schedule, the
release sensor, freshness policies and the resource, assembled over the engine.

Dagster is one client of the engine (the command line is another): every asset and check calls
an engine function and turns its result into Dagster metadata. Assembling reads only local
files (the catalog and the SQL): no network, no secrets.

- resources.py: the settings carried into every step; instance.py: DAGSTER_HOME;
- ingestion.py, models.py, publication.py: the assets; checks.py: the asset checks;
- jobs.py (and the schedule), sensors.py, freshness.py: what runs when; alerts.py: who is
  told when a run fails or a source is late;
- execution.py: a build's selection run in-process (the Runner of observatory.build);
  progress.py: its steps as they start and finish, from the run's event stream.
"""

from __future__ import annotations

import dagster as dg

from observatory.defs.alerts import (
    build_check_failure_sensor,
    build_failure_sensor,
    build_freshness_sensor,
)
from observatory.defs.checks import build_sql_checks, build_suite_checks
from observatory.defs.freshness import rhythms_by_key, with_freshness_policies
from observatory.defs.ingestion import (
    asset_key,
    build_custom_territories_asset,
    build_ingest_assets,
)
from observatory.defs.jobs import build_jobs, build_schedules
from observatory.defs.models import build_seed_assets, build_sql_assets
from observatory.defs.publication import build_publish_asset
from observatory.defs.resources import ObservatoryResource
from observatory.defs.sensors import build_release_sensor
from observatory.models.project import PUBLICATION, load_project
from observatory.quality.plan import project_sql_checks, project_suites
from observatory.settings import Settings, load_settings


def assemble(settings: Settings | None = None) -> dg.Definitions:
    """The code location. Given settings are pinned into the resource (CLI, tests); otherwise
    the resource reads the environment when a run starts (UI)."""
    resource = ObservatoryResource() if settings is None else ObservatoryResource.pinned(settings)
    settings = settings or load_settings()
    project = load_project(settings)
    catalog = project.catalog
    keys = {table: asset_key(table) for table in project.upstream}
    tables = {t: k for t, k in keys.items() if t != PUBLICATION}
    assets = [
        *with_freshness_policies(build_ingest_assets(catalog), catalog),
        build_custom_territories_asset(catalog),
        *build_seed_assets(project),
        *build_sql_assets(project, keys),
        build_publish_asset(list(tables.values())),
    ]
    checks = [
        *build_suite_checks(project_suites(project), tables),
        *build_sql_checks(project_sql_checks(settings, project), tables),
    ]
    jobs = build_jobs(catalog)
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs,
        schedules=build_schedules(),
        sensors=[
            build_release_sensor(catalog, jobs),
            build_failure_sensor(),
            build_check_failure_sensor(),
            build_freshness_sensor({k: r.summary for k, r in rhythms_by_key(catalog).items()}),
        ],
        resources={"observatory": resource},
        executor=dg.in_process_executor,
    )
