"""The release sensor: asks every remote source whether it published something new, and
launches the refresh of the family of each source that did.

Nothing here touches the network when definitions load: the sensor asks only when it ticks
(observatory.ingest.releases does the asking).
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from observatory.catalog import Catalog
from observatory.defs.jobs import REFRESH_EVERYTHING, refresh_job_name
from observatory.defs.resources import ObservatoryResource
from observatory.ingest.releases import ReleaseCheck, check_releases

RELEASE_SENSOR = "source_releases"
SENSOR_INTERVAL_S = 6 * 3600
"""Publishers release a few times a year at most: four questions a day are plenty."""


def run_requests(found: ReleaseCheck) -> list[dg.RunRequest]:
    """One run of its family's refresh job per family with new releases, keyed by the releases
    (a run key Dagster launches once)."""
    return [
        dg.RunRequest(
            run_key=f"{refresh_job_name(family)}:{';'.join(releases)}",
            job_name=refresh_job_name(family),
            tags={"observatory/releases": ", ".join(releases)[:4000]},
        )
        for family, releases in found.releases.items()
    ]


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
        if found.releases:
            return dg.SensorResult(run_requests=run_requests(found), cursor=found.cursor)
        reason = f"no new release among {found.asked} remote inputs"
        if found.problems:
            reason += f"; {len(found.problems)} could not be checked: {found.problems[0]}"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=found.cursor)

    return source_releases
