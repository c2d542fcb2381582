"""Jobs and the monthly schedule: what runs when (all visible in `make dev`).

- `refresh_everything`: every asset, then the publication; `refresh_<family>`: the ingestion
  assets of one source family (the catalog's `group:`) and everything built from them, including
  the publication. A refresh downloads with conditional requests, so an unchanged source costs
  one request and is not reloaded.
- `monthly_refresh` (schedule, stopped by default): `refresh_everything` once a month, which is how
  corrections and new files at known URLs are picked up.
- A retry policy on the refresh jobs' steps, for the network: a source that is down when the
  run starts is asked again a few minutes later.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from observatory.catalog import Catalog
from observatory.defs.ingestion import asset_key

REFRESH_EVERYTHING = "refresh_everything"
MONTHLY_SCHEDULE = "monthly_refresh"
TIMEZONE = "Europe/Paris"
MONTHLY_CRON = "0 4 2 * *"
"""04:00 on the 2nd of every month: after the publishers' month-end and 1 January releases."""

NETWORK_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""A failed step of a refresh job is run again after about 1, 2 and 4 minutes: official portals
have short outages (deployments, 503s) that the fetch package's own retries, seconds apart,
outlast."""


def refresh_job_name(family: str) -> str:
    return f"refresh_{family}"


def source_families(catalog: Catalog) -> dict[str, list[dg.AssetKey]]:
    """The ingestion assets of each source family (the catalog's `group:`), families sorted."""
    families: dict[str, list[dg.AssetKey]] = {}
    for dataset in catalog:
        families.setdefault(dataset.group, []).append(asset_key(dataset.target_table))
    return dict(sorted(families.items()))


def family_selection(keys: Sequence[dg.AssetKey]) -> dg.AssetSelection:
    """A family's ingestion assets and everything built from them (publication included)."""
    return dg.AssetSelection.assets(*keys).downstream()


def build_jobs(catalog: Catalog) -> list[dg.UnresolvedAssetJobDefinition]:
    jobs = [
        dg.define_asset_job(
            REFRESH_EVERYTHING,
            selection=dg.AssetSelection.all(),
            description="Ingest every dataset, build every model, run the checks, publish.",
            op_retry_policy=NETWORK_RETRY_POLICY,
        )
    ]
    for family, keys in source_families(catalog).items():
        datasets = ", ".join(".".join(k.path) for k in keys)
        jobs.append(
            dg.define_asset_job(
                refresh_job_name(family),
                selection=family_selection(keys),
                description=f"Refresh the {family} sources ({datasets}), rebuild what reads "
                "them, run the checks, publish. Launched by the source_releases sensor.",
                op_retry_policy=NETWORK_RETRY_POLICY,
                tags={"observatory/family": family},
            )
        )
    return jobs


def build_schedules() -> list[dg.ScheduleDefinition]:
    return [
        dg.ScheduleDefinition(
            name=MONTHLY_SCHEDULE,
            job_name=REFRESH_EVERYTHING,
            cron_schedule=MONTHLY_CRON,
            execution_timezone=TIMEZONE,
            default_status=dg.DefaultScheduleStatus.STOPPED,
            description="Once a month, look for new editions: every source is revalidated with "
            "a conditional request (an unchanged file is neither downloaded nor reloaded), the "
            "models and checks run, and a new edition is published. Stopped until you start it.",
        )
    ]
