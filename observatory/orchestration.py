"""Jobs, the monthly schedule, the release sensor, retries and freshness, and the Dagster instance.

The CLI and the UI use the same DAGSTER_HOME (under OBSERVATORY_HOME unless set), so a build run
from the command line shows up in the UI's run history, and the `duckdb_writer` pool is limited
to one step at a time in both.

What runs when (all visible in `make dev`):

- `refresh_everything`: every asset, then the publication; `refresh_<family>`: the ingestion
  assets of one source family (the catalog's `group:`) and everything built from them, including
  the publication. A refresh downloads with conditional requests, so an unchanged source costs
  one request and is not reloaded.
- `monthly_refresh` (schedule, stopped by default): `refresh_everything` once a month, which is how
  corrections and new files at known URLs are picked up.
- `source_releases` (sensor, stopped by default): asks every remote source "changed since the
  copy in the cache?" (conditional HEAD with the cached ETag / Last-Modified) and launches the
  refresh of the family of each source that answers with a new validator.
- A retry policy on the refresh jobs' steps, for the network: a source that is down when the
  run starts is asked again a few minutes later.
- Freshness policies on the ingestion assets, from each source's publication rhythm.

Nothing here touches the network when definitions load: the sensor asks only when it ticks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dagster as dg

from observatory import fetch
from observatory.catalog import Catalog, Dataset
from observatory.ingest import ingest_asset_key, planned_inputs
from observatory.resources import WRITER_POOL, ObservatoryResource
from observatory.settings import Settings

DAGSTER_YAML = f"""\
# Written by the observatory (observatory/orchestration.py); edit freely, it is not overwritten.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1   # the {WRITER_POOL} pool: one warehouse writer at a time
freshness:
  enabled: true        # evaluate the freshness policies of the ingestion assets
"""

REFRESH_EVERYTHING = "refresh_everything"
MONTHLY_SCHEDULE = "monthly_refresh"
RELEASE_SENSOR = "source_releases"
TIMEZONE = "Europe/Paris"
MONTHLY_CRON = "0 4 2 * *"
"""04:00 on the 2nd of every month: after the publishers' month-end and 1 January releases."""
SENSOR_INTERVAL_S = 6 * 3600
"""Publishers release a few times a year at most: four questions a day are plenty."""
PROBE_TIMEOUT_S = 30.0
"""Per request; a sensor tick must finish within Dagster's tick timeout."""

NETWORK_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""A failed step of a refresh job is run again after about 1, 2 and 4 minutes: official portals
have short outages (deployments, 503s) that fetch.py's own retries, seconds apart, outlast."""


def ensure_dagster_home(settings: Settings) -> Path:
    """Point DAGSTER_HOME at the observatory's folder (unless already set) and configure it."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


# --- jobs and schedule ---------------------------------------------------------------------------


def refresh_job_name(family: str) -> str:
    return f"refresh_{family}"


def source_families(catalog: Catalog) -> dict[str, list[dg.AssetKey]]:
    """The ingestion assets of each source family (the catalog's `group:`), families sorted."""
    families: dict[str, list[dg.AssetKey]] = {}
    for dataset in catalog:
        families.setdefault(dataset.group, []).append(ingest_asset_key(dataset))
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


# --- release sensor ------------------------------------------------------------------------------


def download_folder(settings: Settings, dataset: Dataset, millesime: int) -> Path:
    """Where ingest.py's download of one dataset-millésime is cached (keep in step with it)."""
    return settings.download_dir / dataset.id / str(millesime)


@dataclass(frozen=True)
class ReleaseCheck:
    """What one look at the sources found: runs to launch, the new cursor, what could not be
    asked."""

    run_requests: list[dg.RunRequest]
    cursor: str
    problems: list[str]
    asked: int


def check_releases(
    settings: Settings,
    catalog: Catalog,
    cursor: str | None,
    *,
    log: Callable[[str], None] | None = None,
) -> ReleaseCheck:
    """Ask every remote input whether it changed since it was cached; one run per family.

    The cursor maps each URL to the last validator (ETag, else Last-Modified) a run was requested
    for. Until that run has downloaded the new file, the server keeps answering 200 to the cache's
    old validator; the cursor is what stops a second run for the same release. A new validator
    after that (another release, or the same URL republished) requests a new run.
    """
    say = log or (lambda _m: None)
    try:
        seen: dict[str, str] = json.loads(cursor) if cursor else {}
    except ValueError:  # a cursor reset by hand in the UI: start afresh
        seen = {}
    if settings.source not in ("live", "mirror"):
        problem = f"source mode {settings.source!r} downloads nothing: no release to look for"
        return ReleaseCheck([], cursor or "{}", [problem], 0)
    changes: dict[str, list[str]] = {}
    problems: list[str] = []
    asked = 0
    for dataset in catalog:
        items, _missing = planned_inputs(settings, dataset)
        for item in items:
            if not item.is_remote:  # a file ingested by hand wins over the source
                continue
            asked += 1
            try:
                answer = fetch.probe(
                    item.location,
                    download_folder(settings, dataset, item.millesime),
                    label=item.label,
                    file_name=dataset.edition(item.millesime).file_name_override,
                    timeout_s=min(settings.http_timeout_s, PROBE_TIMEOUT_S),
                )
            except fetch.FetchError as exc:
                problems.append(str(exc))
                continue
            if not answer.changed:
                continue
            if answer.validator is None:
                problems.append(
                    f"{item.label}: the server gives neither ETag nor Last-Modified, so a new "
                    f"release cannot be told from the cached one ({item.location})"
                )
                continue
            if seen.get(item.location) == answer.validator:
                continue  # a run was already requested for this release
            seen[item.location] = answer.validator
            say(f"{item.label}: new release ({answer.validator}) at {item.location}")
            changes.setdefault(dataset.group, []).append(f"{item.label}@{answer.validator}")
    run_requests = [
        dg.RunRequest(
            run_key=f"{refresh_job_name(family)}:{';'.join(sorted(found))}",
            job_name=refresh_job_name(family),
            tags={"observatory/releases": ", ".join(sorted(found))[:4000]},
        )
        for family, found in sorted(changes.items())
    ]
    return ReleaseCheck(run_requests, json.dumps(seen, sort_keys=True), problems, asked)


def build_release_sensor(
    catalog: Catalog, jobs: Sequence[dg.UnresolvedAssetJobDefinition]
) -> dg.SensorDefinition:
    family_jobs = [j for j in jobs if j.name != REFRESH_EVERYTHING]

    @dg.sensor(
        name=RELEASE_SENSOR,
        jobs=family_jobs,
        minimum_interval_seconds=SENSOR_INTERVAL_S,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Detects a new release of a source: a conditional HEAD request with the "
        "ETag / Last-Modified of the cached download (live and mirror modes); a source that "
        "changed launches the refresh job of its family, once per new validator. Stopped until "
        "you start it.",
    )
    def source_releases(
        context: dg.SensorEvaluationContext, observatory: ObservatoryResource
    ) -> dg.SensorResult:
        found = check_releases(
            observatory.settings(), catalog, context.cursor, log=context.log.info
        )
        for problem in found.problems:
            context.log.warning(problem)
        if found.run_requests:
            return dg.SensorResult(run_requests=found.run_requests, cursor=found.cursor)
        reason = f"no new release among {found.asked} remote inputs"
        if found.problems:
            reason += f"; {len(found.problems)} could not be checked: {found.problems[0]}"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=found.cursor)

    return source_releases


# --- freshness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rhythm:
    """How a producer publishes a dataset, and the freshness expected of its ingestion asset."""

    summary: str
    policy: dg.FreshnessPolicy


def _yearly(summary: str) -> Rhythm:
    """Yearly release, month not pinned down: at most a year (and a month's margin) old."""
    return Rhythm(
        summary,
        dg.FreshnessPolicy.time_window(
            fail_window=timedelta(days=400), warn_window=timedelta(days=370)
        ),
    )


def _yearly_by(summary: str, deadline_cron: str, since: timedelta) -> Rhythm:
    """Yearly release in a known window: refreshed within `since` before each deadline."""
    return Rhythm(
        summary,
        dg.FreshnessPolicy.cron(
            deadline_cron=deadline_cron, lower_bound_delta=since, timezone=TIMEZONE
        ),
    )


_COG = "yearly: the geography on 1 January, published in the first quarter"
RHYTHMS: dict[str, Rhythm] = {
    # By 1 April, refreshed since 1 January: the year's COG is in.
    "insee_cog_communes": _yearly_by(_COG, "0 6 1 4 *", timedelta(days=90)),
    "insee_cog_departements": _yearly_by(_COG, "0 6 1 4 *", timedelta(days=90)),
    "insee_cog_regions": _yearly_by(_COG, "0 6 1 4 *", timedelta(days=90)),
    "insee_cog_mouvements": _yearly_by(_COG, "0 6 1 4 *", timedelta(days=90)),
    "dgcl_epci_composition": _yearly_by(
        "yearly: EPCI perimeters on 1 January, published in the first quarter",
        "0 6 1 4 *",
        timedelta(days=90),
    ),
    "communes_centroides": _yearly_by(
        "follows the COG (geo.api.gouv.fr is updated when INSEE publishes it)",
        "0 6 1 4 *",
        timedelta(days=90),
    ),
    # Published at the end of December: by 1 February, refreshed since early January.
    "insee_populations_reference": _yearly_by(
        "yearly, published at the end of December, in force on 1 January",
        "0 6 1 2 *",
        timedelta(days=35),
    ),
    "insee_appartenance_geo": _yearly("yearly, on the geography of 1 January"),
    "insee_population_ages": _yearly("yearly (census results)"),
    "insee_bpe": _yearly("yearly: facilities on 1 January of the edition"),
    "insee_bpe_gammes": _yearly("yearly, with the BPE"),
    "insee_bpe_nomenclature": _yearly("yearly, with the BPE"),
    "ameli_demographie": _yearly("yearly: libéraux active on 31 December"),
    "drees_demographie": _yearly("yearly: RPPS on 1 January"),
    # Changes every day; the observatory follows it monthly (the schedule's rhythm).
    "ans_annuaire_sante": Rhythm(
        "daily extraction; followed monthly",
        dg.FreshnessPolicy.time_window(
            fail_window=timedelta(days=35), warn_window=timedelta(days=8)
        ),
    ),
    "laposte_codes_postaux": Rhythm(
        "updated several times a year",
        dg.FreshnessPolicy.time_window(
            fail_window=timedelta(days=190), warn_window=timedelta(days=100)
        ),
    ),
}
DEFAULT_RHYTHM = _yearly("not declared in orchestration.RHYTHMS: assumed yearly")


def rhythm(dataset: Dataset) -> Rhythm:
    return RHYTHMS.get(dataset.id, DEFAULT_RHYTHM)


def with_freshness_policies(
    assets: Iterable[dg.AssetsDefinition], catalog: Catalog
) -> list[dg.AssetsDefinition]:
    """The ingestion assets with their source's freshness policy and rhythm (shown in the UI)."""
    by_key = {ingest_asset_key(d): rhythm(d) for d in catalog}

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        found = by_key.get(spec.key)
        if found is None:
            return spec
        return spec.replace_attributes(
            freshness_policy=found.policy,
            metadata={**spec.metadata, "publication_rhythm": found.summary},
        )

    return list(dg.map_asset_specs(attach, assets))  # type: ignore[arg-type]


# --- assembled -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Orchestration:
    jobs: list[dg.UnresolvedAssetJobDefinition]
    schedules: list[dg.ScheduleDefinition]
    sensors: list[dg.SensorDefinition]


def build_orchestration(catalog: Catalog) -> Orchestration:
    jobs = build_jobs(catalog)
    return Orchestration(jobs, build_schedules(), [build_release_sensor(catalog, jobs)])
