"""Freshness policies of the ingestion assets, from each source's publication rhythm.

The UI evaluates them when `dagster.yaml` has `freshness: enabled: true` (see instance.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import dagster as dg

from observatory.catalog import Catalog, Dataset
from observatory.defs.ingestion import asset_key
from observatory.defs.jobs import TIMEZONE


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
    "etalab_contours_communes": _yearly(
        "yearly, on the COG of the year, published some months after it"
    ),
    # Published at the end of December: by 1 February, refreshed since early January.
    "insee_populations_reference": _yearly_by(
        "yearly, published at the end of December, in force on 1 January",
        "0 6 1 2 *",
        timedelta(days=35),
    ),
    "insee_appartenance_geo": _yearly("yearly, on the geography of 1 January"),
    "insee_population_ages": _yearly("yearly (census results)"),
    "insee_grille_densite": _yearly("yearly, on the geography of 1 January"),
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
DEFAULT_RHYTHM = _yearly("not declared in defs/freshness.py RHYTHMS: assumed yearly")


def rhythm(dataset: Dataset) -> Rhythm:
    return RHYTHMS.get(dataset.id, DEFAULT_RHYTHM)


def rhythms_by_key(catalog: Catalog) -> dict[dg.AssetKey, Rhythm]:
    """Each ingestion asset's rhythm: its policy, and what the freshness alert says of it."""
    return {asset_key(d.target_table): rhythm(d) for d in catalog}


def with_freshness_policies(
    assets: Iterable[dg.AssetsDefinition], catalog: Catalog
) -> list[dg.AssetsDefinition]:
    """The ingestion assets with their source's freshness policy and rhythm (shown in the UI)."""
    by_key = rhythms_by_key(catalog)

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        found = by_key.get(spec.key)
        if found is None:
            return spec
        return spec.replace_attributes(
            freshness_policy=found.policy,
            metadata={**spec.metadata, "publication_rhythm": found.summary},
        )

    return list(dg.map_asset_specs(attach, assets))  # type: ignore[arg-type]
