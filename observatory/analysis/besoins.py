"""Needs, not just supply: the services of a target population measured against it.

A crèche serves small children, a collège teenagers, a nursing home the very old
(`seeds.populations_cibles`): `marts.services__besoins` gives, per territory and service, the
facilities and places per 1,000 people of the target population (the "taux d'équipement") and
how far that population lives from the nearest facility. The profile shows the services whose
target population is narrower than all ages, for the territory and each reference, read by one
query for a batch of territories (`profil_besoins.sql`, `profil_refs` like profile.py's
sections). A published file without the mart gives no section.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

from observatory.analysis.queries import run_query
from observatory.warehouse import table_exists

BESOINS = "marts.services__besoins"

LIBELLES_POPULATIONS_CIBLES = {
    "0-2": "enfants de moins de 3 ans",
    "3-5": "enfants de 3 à 5 ans",
    "6-10": "enfants de 6 à 10 ans",
    "3-10": "enfants de 3 à 10 ans",
    "11-17": "jeunes de 11 à 17 ans",
    "0-17": "moins de 18 ans",
    "65-79": "personnes de 65 à 79 ans",
    "65+": "personnes de 65 ans et plus",
    "80+": "personnes de 80 ans et plus",
}
"""How the report names each target population (a group not listed is shown as its code)."""


def _values(items: list | None) -> tuple[float | None, ...]:
    return tuple(None if v is None else float(v) for v in items or [])


@dataclass(frozen=True)
class Need:
    """One service against its target population, values aligned on the profile's references."""

    code_regroupement: str
    label: str
    gamme: str
    population_cible: str
    millesime_recensement: int | None
    millesime: int
    populations: tuple[float | None, ...]
    facilities: tuple[float | None, ...]
    facilities_per_1000: tuple[float | None, ...]
    places_per_1000: tuple[float | None, ...]
    distances: tuple[float | None, ...]
    shares_beyond_20_km: tuple[float | None, ...]

    @property
    def target_label(self) -> str:
        return LIBELLES_POPULATIONS_CIBLES.get(self.population_cible, self.population_cible)


def load_needs(
    con: duckdb.DuckDBPyConnection, profil_refs: list[dict], sql_dir: Path | None
) -> dict[int, list[Need]]:
    """The needs section of every territory of a batch, keyed by its `cle`."""
    if not table_exists(con, BESOINS):
        return {}
    found: dict[int, list[Need]] = defaultdict(list)
    for row in run_query(con, "profil_besoins", sql_dir, profil_refs=profil_refs):
        cle, code, label, gamme, cible, recensement, millesime = row[:7]
        populations, facilities, per_1000, places, distances, beyond_20 = row[7:]
        found[cle].append(
            Need(
                code,
                label or code,
                gamme or "",
                cible,
                None if recensement is None else int(recensement),
                int(millesime),
                _values(populations),
                _values(facilities),
                _values(per_1000),
                _values(places),
                _values(distances),
                _values(beyond_20),
            )
        )
    return dict(found)
