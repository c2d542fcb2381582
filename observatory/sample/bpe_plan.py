"""The invented facility world of the BPE sample: which facility stands in which commune.

One facility plan, shared by every edition: a list of (commune, concept, count) (concepts:
observatory.sample.bpe_concepts), plus a few awkward cases of some editions. Every code the plan
uses is checked against the seeds: a code must be evidenced in its edition (2025: evidenced, or a
member of the 2025 gamme de proximité, or carried over from 2024 with no renumbering recorded),
and a code change between two editions must be a correspondence of the passage seed. Each
facility keeps its place in every edition.

Coordinates: LONGITUDE/LATITUDE are WGS84 degrees, LAMBERT_X/Y their Lambert-93 projection
(observatory.formats.projection).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from observatory.formats.projection import lambert93_point
from observatory.sample.bpe_concepts import CONCEPTS, EDITIONS, SEEDS, BpeSampleError
from observatory.sample.geography import COMMUNES, SEED, coordinates

# --- the facility plan ----------------------------------------------------------------------------

BOURG = "01901"
SECOND_BOURG = "01910"
SOUTH_BOURG = "01922"
MERGED_2025 = "01925"
NO_BAKERY = ("01902", "01903", "01907", "01908")
"""01902's grid neighbours (and itself) have no boulangerie: its nearest one is in 01901."""

_FIXED: dict[str, dict[str, int]] = {
    BOURG: {
        "boulangerie": 2,
        "superette": 1,
        "epicerie": 1,
        "ecole_maternelle": 1,
        "ecole_elementaire": 1,
        "ecole_primaire": 1,
        "medecin": 3,
        "pharmacie": 2,
        "infirmier": 4,
        "kine": 2,
        "coiffure": 3,
        "restaurant": 4,
        "bureau_poste": 1,
        "bibliotheque": 1,
        "tennis": 1,
        "boulodrome": 1,
        "grands_jeux": 2,
        "plateau": 1,
        "gymnase": 1,
        "immobilier": 2,
        "beaute": 1,
        "recharge": 1,
        "taxi": 2,
        "alsh": 1,
        "macon": 2,
        "platrier": 1,
        "menuisier": 1,
        "plombier": 2,
        "electricien": 1,
        "garage": 2,
        "supermarche": 1,
        "college": 1,
        "dentiste": 2,
        "podologue": 1,
        "laboratoire": 1,
        "ehpad": 1,
        "banque": 2,
        "gendarmerie": 1,
        "france_services": 1,
        "creche": 1,
        "piscine": 1,
        "lycee": 1,
        "urgences": 1,
        "maternite": 1,
        "ophtalmologue": 1,
        "cardiologue": 1,
        "psychiatre": 1,
        "mairie": 1,
        "msp": 1,
    },
    SECOND_BOURG: {  # the gamme de proximité without the post office and the taxi
        "boulangerie": 1,
        "epicerie": 1,
        "ecole_primaire": 1,
        "medecin": 1,
        "pharmacie": 1,
        "infirmier": 2,
        "kine": 1,
        "coiffure": 1,
        "restaurant": 2,
        "bibliotheque": 1,
        "tennis": 1,
        "boulodrome": 1,
        "grands_jeux": 1,
        "plateau": 1,
        "immobilier": 1,
        "beaute": 1,
        "recharge": 1,
        "alsh": 1,
        "macon": 1,
        "platrier": 1,
        "menuisier": 1,
        "plombier": 1,
        "electricien": 1,
        "garage": 1,
        "mairie": 1,
    },
    SOUTH_BOURG: {
        "boulangerie": 1,
        "epicerie": 1,
        "ecole_primaire": 1,
        "medecin": 1,
        "pharmacie": 1,
        "restaurant": 1,
        "mairie": 1,
    },
    MERGED_2025: {"boulodrome": 1},
    "69981": {
        "boulangerie": 2,
        "superette": 1,
        "ecole_maternelle": 1,
        "ecole_elementaire": 1,
        "medecin": 3,
        "pharmacie": 2,
        "infirmier": 2,
        "kine": 1,
        "coiffure": 2,
        "restaurant": 3,
        "bureau_poste": 1,
        "bibliotheque": 1,
        "immobilier": 1,
        "beaute": 1,
        "recharge": 1,
        "taxi": 1,
        "banque": 1,
        "police": 1,
        "mairie": 1,
        "lycee": 1,
        "urgences": 1,
        "cardiologue": 1,
        "cinema": 1,
    },
    "69982": {
        "boulangerie": 1,
        "epicerie": 1,
        "ecole_primaire": 1,
        "medecin": 2,
        "pharmacie": 1,
        "infirmier": 2,
        "kine": 1,
        "coiffure": 1,
        "restaurant": 2,
        "tennis": 1,
        "boulodrome": 1,
        "grands_jeux": 1,
        "gymnase": 1,
        "alsh": 1,
        "supermarche": 1,
        "college": 1,
        "dentiste": 1,
        "ophtalmologue": 1,
        "psychiatre": 1,
    },
    "69983": {
        "boulangerie": 2,
        "ecole_primaire": 1,
        "medecin": 2,
        "pharmacie": 1,
        "infirmier": 1,
        "coiffure": 1,
        "restaurant": 2,
        "relais_poste": 1,
        "plateau": 1,
        "macon": 1,
        "platrier": 1,
        "menuisier": 1,
        "plombier": 1,
        "electricien": 1,
        "garage": 1,
        "laboratoire": 1,
        "ehpad": 1,
        "creche": 1,
        "dentiste": 1,
        "maternite": 1,
        "piscine": 1,
    },
    "69902": {
        "boulangerie": 1,
        "ecole_primaire": 1,
        "medecin": 2,
        "pharmacie": 1,
        "coiffure": 1,
        "restaurant": 1,
        "tennis": 1,
    },
    "2A901": {
        "boulangerie": 1,
        "ecole_primaire": 1,
        "medecin": 1,
        "pharmacie": 1,
        "restaurant": 2,
        "mairie": 1,
    },
    "2A902": {"restaurant": 1},
}

_SMALL_COMMUNE_POOL = (
    "coiffure",
    "restaurant",
    "macon",
    "plombier",
    "electricien",
    "menuisier",
    "platrier",
    "garage",
    "boulodrome",
    "grands_jeux",
    "agence_postale",
    "ecole_primaire",
)
"""What the small Ain communes draw from (0 to 3 kinds each): never a boulangerie."""


@dataclass(frozen=True)
class Facility:
    """One facility, the same in every edition it appears in."""

    commune: str  # original commune (or arrondissement) code, before any merger
    concept: str
    number: int  # rank among the facilities of this commune and concept
    editions: tuple[int, ...] = EDITIONS
    anomaly: str | None = None  # no_xy, far_xy, unknown_commune, unknown_type
    depcom: str | None = None  # as published, when it is not the commune's code
    typequ: str | None = None  # as published, when it is not the concept's code

    @property
    def ident(self) -> str:
        return f"{self.commune}-{self.concept}-{self.number}-{self.anomaly or ''}"

    @property
    def site(self) -> str:
        """The premises: the general practitioners of a commune share one group practice."""
        return f"{self.commune}-medecin" if self.concept == "medecin" else self.ident


@cache
def facility_plan() -> tuple[Facility, ...]:
    """Every facility of the sample: the shared plan, then the awkward cases of some editions."""
    counts: dict[str, dict[str, int]] = {code: dict(kinds) for code, kinds in _FIXED.items()}
    rng = random.Random(f"{SEED}-bpe-plan")
    for commune in COMMUNES:
        if commune.departement != "01" or commune.code in counts:
            continue
        size = rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 2))[0]
        counts[commune.code] = {k: 1 for k in sorted(rng.sample(_SMALL_COMMUNE_POOL, size))}
    plan = [
        Facility(code, concept, number)
        for code in sorted(counts)
        for concept, count in counts[code].items()
        for number in range(count)
    ]
    plan += [
        Facility("01904", "plombier", 9, (2023, 2024, 2025), "no_xy"),
        Facility("01906", "restaurant", 9, (2024,), "far_xy"),
        Facility("01915", "macon", 9, (2025,), "unknown_commune", depcom="01999"),
        Facility("01905", "epicerie", 9, (2025,), "unknown_type", typequ="B999"),
    ]
    bakeries = [code for code in NO_BAKERY if "boulangerie" in counts.get(code, {})]
    if bakeries:
        raise BpeSampleError(f"BPE sample: {', '.join(bakeries)} must have no boulangerie")
    return tuple(plan)


# --- checks against the seeds ---------------------------------------------------------------------


@cache
def check_concepts() -> None:
    """Every code of a used concept is valid in its edition, and every change of code between
    two consecutive editions is a correspondence of the passage seed."""
    used = {f.concept for f in facility_plan()}
    periods = {(2021, 2023): ("2021->2023",), (2023, 2024): ("2023->2024",)}
    periods[2024, 2025] = ("2024->2025", "2023->2025")
    problems = []
    for key in sorted(used):
        concept = CONCEPTS[key]
        for millesime in EDITIONS:
            code = concept.code(millesime)
            if code is None:
                continue
            valid = (
                SEEDS.valid_2025(code)
                if millesime == 2025
                else millesime in SEEDS.editions_of(code)
            )
            if not valid:
                problems.append(f"{key}: {code} is not a TYPEQU of {millesime}")
        for (before_year, after_year), names in periods.items():
            before, after = concept.code(before_year), concept.code(after_year)
            if before and after and before != after:
                if before_year == 2024:
                    before_2023 = concept.code(2023)
                    pairs = {("2024->2025", before, after), ("2023->2025", before_2023, after)}
                else:
                    pairs = {(names[0], before, after)}
                if not pairs & SEEDS.passage:
                    problems.append(f"{key}: no {before} -> {after} in the passage seed")
    if problems:
        raise BpeSampleError("BPE sample: " + "; ".join(problems))


# --- where each facility stands -------------------------------------------------------------------

_COMMUNE = {c.code: c for c in COMMUNES}


@dataclass(frozen=True)
class Place:
    """Where a facility stands, the same in every edition (no coordinates: `None`, `_Z`)."""

    latitude: float | None
    longitude: float | None
    qualite: str  # B, A, M or _Z

    @property
    def lambert(self) -> tuple[int | None, int | None]:
        if self.latitude is None or self.longitude is None:
            return None, None
        return lambert93_point(self.latitude, self.longitude)


def place(facility: Facility) -> Place:
    """Where the facility stands: a few hundred metres from its commune's town hall (the
    boulangeries of 01901 exactly on it; the doctors of one commune share one practice)."""
    if facility.anomaly == "no_xy":
        return Place(None, None, "_Z")
    if facility.anomaly == "far_xy":
        return Place(0.0, 0.0, "M")
    lat, lon = coordinates(_COMMUNE[facility.commune])
    if facility.commune == BOURG and facility.concept == "boulangerie":
        return Place(lat, lon, "B")
    rng = random.Random(f"{SEED}-bpe-xy-{facility.site}")
    lat = round(lat + rng.uniform(-0.004, 0.004), 5)
    lon = round(lon + rng.uniform(-0.005, 0.005), 5)
    return Place(lat, lon, "A" if rng.random() < 0.15 else "B")
