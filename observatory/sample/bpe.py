"""Sample copies of the BPE (Base permanente des équipements) and of its reference files.

One facility plan, shared by every edition: a list of (commune, concept, count) where a concept
("médecin généraliste", "boulangerie"...) maps to the TYPEQU of each edition (D201 in 2021 and
2023, D265 in 2024 and 2025). The codes come from the seeds `dbt_like_sql/seeds/bpe_typequ.csv`
and `bpe_typequ_passage.csv`, read at generation time, and every code is checked against them:
a code must be evidenced in its edition (2025: evidenced, or a member of the 2025 gamme de
proximité, or carried over from 2024 with no renumbering recorded), and a code change between
two editions must be a correspondence of the passage seed. Each facility keeps its place in
every edition; its commune code is the one of the COG of the edition's year (the city's
facilities carry an arrondissement code, never the city's).

Layouts follow ../shared/reference/formats.md §1: BPE 2025 (`BPE25.parquet`, the 95 columns of
the 2025 header, text except counts and coordinates), BPE 2024 and 2023 (`BPE24.zip`,
`BPE23.zip`: one `;` CSV of 89 and 74 columns, every text field double-quoted, empty ones
included, numbers unquoted and empty when missing), BPE 2021 (`bpe21_ensemble_xy_csv.zip`: the
old 24-column format, unquoted, latin-1, CRLF, Lambert coordinates only, with its `varmod`
file); `TYPEQU_2025.csv` and `BPE_gammes_equipements_2025.xlsx`.

Coordinates: LONGITUDE/LATITUDE are WGS84 degrees, LAMBERT_X/Y their Lambert-93 projection
(observatory.formats.projection).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from observatory.formats.archive import zip_bytes
from observatory.formats.bpe import (
    COLUMNS_2021,
    COLUMNS_2023,
    COLUMNS_2024,
    COLUMNS_2025,
    INDIC_COLUMNS,
    NUMERIC_COLUMNS,
    gammes_sheet,
    quoted_csv,
    sql_type,
)
from observatory.formats.bpe_seeds import BpeSeeds, GammeEntry, bpe_seeds
from observatory.formats.delimited import Cell, csv_bytes
from observatory.formats.projection import lambert93_point
from observatory.formats.siren import luhn_digit
from observatory.formats.xlsx import to_bytes as xlsx_bytes
from observatory.sample.geography import (
    BASSINS_DE_VIE,
    COMMUNES,
    DEPARTEMENTS,
    EPCIS,
    SEED,
    Geography,
    coordinates,
    geography,
)
from observatory.sample.zonages import (
    _AAV2020,
    _AAV_MEMBERS,
    _URBAN,
    _libelle,
    _zone_of,
    commune_siren,
)
from observatory.settings import REPOSITORY_ROOT

SEEDS_DIR = REPOSITORY_ROOT / "dbt_like_sql" / "seeds"
EDITIONS = (2021, 2023, 2024, 2025)


class BpeSampleError(ValueError):
    """The facility plan uses a code the seeds do not support for its edition."""


_EMPTY_TEXT = frozenset(("CNOMRS", "NUMVOIE", "INDREP", "TYPVOIE", "LIBVOIE", "CADR", "SIRET"))

# --- the seeds ------------------------------------------------------------------------------------

SEEDS: BpeSeeds = bpe_seeds(SEEDS_DIR)


# --- the concepts: one facility kind, its TYPEQU in each edition --------------------------------


@dataclass(frozen=True)
class Concept:
    key: str
    codes: tuple[str | None, str | None, str | None, str | None]  # 2021, 2023, 2024, 2025
    name: str  # NOMRS
    naf: str = "_Z"  # APET when the facility has a SIRET

    def code(self, millesime: int) -> str | None:
        return self.codes[EDITIONS.index(millesime)]


def _same(code: str, name: str, naf: str = "_Z") -> tuple[str, str, str, str, str, str]:
    return (code, code, code, code, name, naf)


_CONCEPT_ROWS: dict[str, tuple[str | None, ...]] = {
    # gamme de proximité 2025 (26 regroupements)
    "boulangerie": ("B203", "B207", "B207", "B207", "BOULANGERIE PATISSERIE DU CENTRE", "1071C"),
    "superette": _same("B201", "SUPERETTE DE LA PLACE", "4711C"),
    "epicerie": _same("B202", "EPICERIE DU VILLAGE", "4711B"),
    "ecole_maternelle": ("C101", "C107", "C107", "C107", "ECOLE MATERNELLE PUBLIQUE", "_Z"),
    "ecole_elementaire": ("C104", "C109", "C109", "C109", "ECOLE ELEMENTAIRE PUBLIQUE", "_Z"),
    "ecole_primaire": ("C104", "C108", "C108", "C108", "ECOLE PRIMAIRE PUBLIQUE", "_Z"),
    "medecin": ("D201", "D201", "D265", "D265", "CABINET MEDICAL DU CENTRE", "_Z"),
    "pharmacie": _same("D307", "PHARMACIE DE LA PLACE", "4773Z"),
    "infirmier": ("D232", "D244", "D281", "D281", "CABINET INFIRMIER", "_Z"),
    "kine": ("D233", "D233", "D279", "D279", "CABINET DE KINESITHERAPIE", "_Z"),
    "coiffure": _same("A501", "SALON DE COIFFURE", "9602A"),
    "restaurant": _same("A504", "CAFE RESTAURANT DU COMMERCE", "5610A"),
    "bureau_poste": _same("A206", "BUREAU DE POSTE", "5310Z"),
    "relais_poste": _same("A207", "RELAIS POSTE", "4726Z"),
    "agence_postale": _same("A208", "AGENCE POSTALE COMMUNALE", "_Z"),
    "bibliotheque": _same("F307", "BIBLIOTHEQUE MUNICIPALE", "_Z"),
    "tennis": _same("F103", "COURTS DE TENNIS MUNICIPAUX", "_Z"),
    "boulodrome": _same("F102", "BOULODROME", "_Z"),
    "grands_jeux": _same("F113", "STADE MUNICIPAL", "_Z"),
    "plateau": _same("F111", "PLATEAU MULTISPORTS", "_Z"),
    "gymnase": _same("F121", "GYMNASE MUNICIPAL", "_Z"),
    "immobilier": _same("A505", "AGENCE IMMOBILIERE DE LA GARE", "6831Z"),
    "beaute": _same("A507", "INSTITUT DE BEAUTE", "9602B"),
    "recharge": (None, None, "B326", "B326", "BORNES DE RECHARGE DU PARKING", "_Z"),
    "taxi": _same("E101", "TAXI DU CANTON", "4932Z"),
    "alsh": (None, "D505", "D505", "D505", "ACCUEIL DE LOISIRS", "_Z"),
    "macon": _same("A401", "MACONNERIE GENERALE", "4399C"),
    "platrier": _same("A402", "PLATRERIE PEINTURE DECORATION", "4334Z"),
    "menuisier": _same("A403", "MENUISERIE CHARPENTE", "4332A"),
    "plombier": _same("A404", "PLOMBERIE CHAUFFAGE", "4322A"),
    "electricien": _same("A405", "ELECTRICITE GENERALE", "4321A"),
    "garage": _same("A301", "GARAGE DE LA ROUTE", "4520A"),
    # gamme intermédiaire (invented composition)
    "supermarche": ("B102", "B105", "B105", "B105", "SUPERMARCHE", "4711D"),
    "college": _same("C201", "COLLEGE PUBLIC", "_Z"),
    "dentiste": ("D221", "D221", "D277", "D277", "CABINET DENTAIRE", "_Z"),
    "podologue": ("D237", "D237", "D280", "D280", "CABINET DE PODOLOGIE", "_Z"),
    "laboratoire": _same("D302", "LABORATOIRE D ANALYSES MEDICALES", "8690B"),
    "ehpad": _same("D401", "EHPAD LES TILLEULS", "8710A"),
    "banque": _same("A203", "BANQUE", "6419Z"),
    "gendarmerie": _same("A104", "BRIGADE DE GENDARMERIE", "_Z"),
    "police": ("A101", "A101", "A101", "A140", "COMMISSARIAT DE POLICE", "_Z"),
    "france_services": _same("A128", "FRANCE SERVICES", "_Z"),
    "creche": _same("D502", "MULTI-ACCUEIL PETITE ENFANCE", "_Z"),
    "piscine": _same("F101", "PISCINE MUNICIPALE", "_Z"),
    # gamme supérieure (invented composition)
    "lycee": _same("C301", "LYCEE GENERAL ET TECHNOLOGIQUE", "_Z"),
    "urgences": _same("D106", "CENTRE HOSPITALIER", "_Z"),
    "maternite": _same("D107", "CENTRE HOSPITALIER", "_Z"),
    "ophtalmologue": ("D208", "D208", "D270", "D270", "CABINET D OPHTALMOLOGIE", "_Z"),
    "cardiologue": ("D202", "D202", "D266", "D266", "CABINET DE CARDIOLOGIE", "_Z"),
    "psychiatre": ("D207", "D207", "D269", "D269", "CABINET DE PSYCHIATRIE", "_Z"),
    "cinema": _same("F303", "CINEMA LE PALACE", "5914Z"),
    # hors gamme
    "mairie": _same("A129", "MAIRIE", "_Z"),
    "msp": _same("D113", "MAISON DE SANTE PLURIPROFESSIONNELLE", "_Z"),
}

CONCEPTS: dict[str, Concept] = {
    key: Concept(key, tuple(row[:4]), str(row[4]), str(row[5]))  # type: ignore[arg-type]
    for key, row in _CONCEPT_ROWS.items()
}

INTERMEDIAIRE = (
    "supermarche",
    "college",
    "dentiste",
    "podologue",
    "laboratoire",
    "ehpad",
    "banque",
    "gendarmerie",
    "police",
    "france_services",
    "creche",
    "piscine",
)
SUPERIEURE = (
    "lycee",
    "urgences",
    "maternite",
    "ophtalmologue",
    "cardiologue",
    "psychiatre",
    "cinema",
)
HORS_GAMME = ("mairie", "msp")
_REGROUPEMENT_LABELS = {
    "supermarche": "supermarché",
    "college": "collège",
    "dentiste": "chirurgien-dentiste",
    "podologue": "pédicure-podologue",
    "laboratoire": "laboratoire d'analyses et de biologie médicale",
    "ehpad": "hébergement de personnes âgées",
    "banque": "banque, caisse d'épargne",
    "gendarmerie": "gendarmerie",
    "police": "police",
    "france_services": "France services",
    "creche": "établissement d'accueil du jeune enfant",
    "piscine": "bassin de natation",
    "lycee": "lycée",
    "urgences": "urgences",
    "maternite": "maternité",
    "ophtalmologue": "ophtalmologue",
    "cardiologue": "cardiologue",
    "psychiatre": "psychiatre",
    "cinema": "cinéma",
    "mairie": "mairie",
    "msp": "maison de santé pluriprofessionnelle",
}
"""Regroupement labels of the sample's own intermédiaire, supérieure and hors-gamme types (each
type is its own regroupement), in the lower case of the seed's proximité labels."""

_SPECIALITE = {
    "medecin": "MÉDECINE GÉNÉRALE",
    "ophtalmologue": "OPHTALMOLOGIE",
    "cardiologue": "CARDIOLOGIE ET MALADIES VASCULAIRES",
    "psychiatre": "PSYCHIATRIE",
}
_PUBLIC = frozenset(
    (
        "ecole_maternelle",
        "ecole_elementaire",
        "ecole_primaire",
        "agence_postale",
        "bibliotheque",
        "tennis",
        "boulodrome",
        "grands_jeux",
        "plateau",
        "gymnase",
        "alsh",
        "mairie",
        "piscine",
        "creche",
    )
)
"""Facilities run by the commune: their SIRET is the commune's SIREN plus an establishment
number, as the real school row's `21971101700075`."""
_PRIVATE_WITH_SIRET = frozenset(k for k, c in CONCEPTS.items() if c.naf != "_Z")


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
_DEPARTEMENT = {d.code: d for d in DEPARTEMENTS}
_IRIS_SPLIT = {BOURG: 3}
"""Communes split into IRIS (as in the census sample): 01901 has three, each arrondissement one."""


@dataclass(frozen=True)
class Place:
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


@dataclass(frozen=True)
class Zoning:
    """The commune-level columns of a facility in one edition."""

    depcom: str
    dep: str
    reg: str
    libcom: str
    codpos: str
    epci: str
    uu2020: str
    bv2022: str
    aav2020: str
    dens3: str
    dens7: str
    iris: tuple[str, ...]  # IRIS numbers (4 digits) of the commune; ("0000",) when not split


def _codpos(code: str) -> str:
    if code[:2] == "2A":
        return "20290"
    if code[:2] == "69":
        return {"69981": "69991", "69982": "69992", "69983": "69993"}.get(code, "69990")
    return "01990" if code <= "01915" else "01995"


def _density(code: str) -> tuple[str, str]:
    if code[:3] == "699" and code != "69902":
        return "1", "1"
    if code in (BOURG, "69902", "2A901"):
        return "2", "4"
    if code in (SECOND_BOURG, SOUTH_BOURG):
        return "3", "5"
    return "3", "6"


@cache
def _zonings(millesime: int) -> dict[str, Zoning]:
    """Zoning of every commune and arrondissement of the COG of `millesime`."""
    geo: Geography = geography(millesime)
    epci = _zone_of(geo, ((e.siren, e.members) for e in EPCIS))
    bv = _zone_of(geo, BASSINS_DE_VIE.items())
    zones = {}
    for commune in geo.communes:
        if commune.code in {c.parent for c in geo.communes}:
            continue  # the city itself holds no facility: its arrondissements do
        dep = _DEPARTEMENT[commune.departement]
        city = commune.parent or commune.code
        split = _IRIS_SPLIT.get(commune.code, 1 if commune.typecom == "ARM" else 0)
        zones[commune.code] = Zoning(
            depcom=commune.code,
            dep=dep.code,
            reg=dep.region,
            libcom=_libelle(geo, commune).upper(),
            codpos=_codpos(commune.code),
            epci=epci[commune.code],
            uu2020=_URBAN.get(city, f"{dep.code}000"),
            bv2022=bv[commune.code],
            aav2020=_AAV2020[dep.code] if commune.code in _AAV_MEMBERS else "000",
            dens3=_density(commune.code)[0],
            dens7=_density(commune.code)[1],
            iris=tuple(f"01{n:02d}" for n in range(1, split + 1)) or ("0000",),
        )
    return zones


def _unknown_zoning(depcom: str) -> Zoning:
    """A commune code of no COG (a data error of the source): nothing can be attached to it."""
    return Zoning(depcom, depcom[:2], "84", "", _codpos("01901"), *["_U"] * 6, iris=("_U",))


# --- one row per facility and edition -------------------------------------------------------------


def _siret(facility: Facility, zoning: Zoning) -> str:
    if facility.concept in _PUBLIC and facility.anomaly != "unknown_commune":
        siren = str(commune_siren(facility.commune))
        body = f"{siren}{(facility.number + 1) * 10 + len(facility.concept) % 10:04d}"
        return body + luhn_digit(body)
    if facility.concept in _PRIVATE_WITH_SIRET:
        rng = random.Random(f"{SEED}-bpe-siret-{facility.ident}")
        if rng.random() < 0.8:
            siren = f"999{rng.randrange(100000):05d}"
            siren += luhn_digit(siren)
            body = f"{siren}0001"
            return body + luhn_digit(body)
    return ""


_STREETS = (
    ("RUE", "DE LA MAIRIE"),
    ("PL", "DE L EGLISE"),
    ("AV", "DE LA GARE"),
    ("GR", "GRANDE RUE"),
    ("RTE", "DU MOULIN"),
    ("CHE", "DES VIGNES"),
    ("IMP", "DES TILLEULS"),
    ("BD", "DES ECOLES"),
    ("ALL", "DU PARC"),
    ("RUE", "DU COMMERCE"),
)


def _attributes(facility: Facility, concept: Concept, millesime: int) -> dict[str, Cell]:
    """The type-specific columns (schools, sports, cinema, charging, health professionals)."""
    rng = random.Random(f"{SEED}-bpe-attributes-{facility.ident}")
    code = concept.code(2025) or ""
    values: dict[str, Cell] = {}
    if code[:1] == "C":
        values.update(
            CANTINE="1",
            INTERNAT="_Z" if code[:2] == "C1" else rng.choice(("0", "1")),
            RPI="0" if code[:2] == "C1" else "_Z",
            EP="0",
            CL_PGE="0" if code[:2] == "C3" else "_Z",
            SECT="_Z" if millesime >= 2025 else "PU",
            SECTEUR="1",
            CAPACITE=rng.randint(40, 320) if code[:2] == "C1" else rng.randint(300, 900),
        )
    elif code[:2] == "F1":
        covered = code in ("F101", "F121")
        values.update(
            ACCES_AIRE_PRATIQUE="1",
            ACCES_LIBRE="0" if covered else "1",
            ACCES_SANITAIRE=rng.choice(("0", "1")),
            ACCES_VESTIAIRE="1" if covered else "0",
            CAPACITE_D_ACCUEIL="_U",
            PRES_DOUCHE="1" if covered else "0",
            PRES_SANITAIRE="1",
            SAISONNIER="0",
            COUVERT="1" if covered else "0",
            ECLAIRE=rng.choice(("0", "1", "_U")),
            NBEQUIDENT=rng.randint(1, 3),
        )
    elif code == "F303":
        values.update(CATEGORIE="_U", MULTIPLEXE="0", NBSALLES=3)
    elif code == "B326":
        slow = rng.randint(0, 2)
        values.update(
            IMPLANTATION_STATION="1",
            NB_PDC=4 + slow,
            NB_PDC_PA=4 + slow,
            NB_PDC_ACCELEREE=4,
            NB_PDC_LENTE=slow,
            NB_PDC_RAPIDE=0,
            NB_PDC_ULTRARAPIDE=0,
            NB_JOURS_OUVERT=7,
        )
    elif code[:2] == "D2":
        group = facility.concept == "medecin" or rng.random() < 0.4
        values.update(
            STRUCTURE_EXERCICE="CG" if group else "CI",
            SPECIALITE=_SPECIALITE.get(facility.concept, "_Z"),
        )
    elif code in ("D401", "D502"):
        values.update(CAPACITE=rng.randint(60, 110) if code == "D401" else rng.randint(20, 45))
    if facility.concept == "restaurant":
        values.update(TYPERESTO=concept.naf)
    return values


def _record(facility: Facility, millesime: int) -> dict[str, Cell]:
    """Every column a facility has in the current format (2023+), by name."""
    concept = CONCEPTS[facility.concept]
    typequ = facility.typequ or concept.code(millesime)
    assert typequ is not None
    geo_code = geography(millesime).code_of(facility.commune)
    zoning = _unknown_zoning(facility.depcom) if facility.depcom else _zonings(millesime)[geo_code]
    spot = place(facility)
    lambert_x, lambert_y = spot.lambert
    rng = random.Random(f"{SEED}-bpe-address-{facility.site}")
    kind, street = rng.choice(_STREETS)
    number = str(rng.randint(1, 48)) if rng.random() < 0.7 else ""
    iris = zoning.iris[rng.randrange(len(zoning.iris))]
    siret = _siret(facility, zoning)
    located = spot.latitude is not None
    geoloc = {"B": ("11", "< 100"), "A": ("12", "[100 - 500["), "M": ("33", ">= 500")}
    quality, precision = geoloc.get(spot.qualite, ("_Z", "_Z"))
    record: dict[str, Cell] = {
        "AN": str(millesime),
        "APET": concept.naf if siret and facility.concept in _PRIVATE_WITH_SIRET else "_Z",
        "NOMRS": concept.name if facility.anomaly != "unknown_type" else "COMMERCE NON REPERTORIE",
        "NUMVOIE": number,
        "TYPVOIE": kind,
        "LIBVOIE": street,
        "CODPOS": zoning.codpos,
        "DEPCOM": zoning.depcom,
        "DEP": zoning.dep,
        "REG": zoning.reg,
        "LIBCOM": zoning.libcom,
        "DOM": typequ[0],
        "SDOM": typequ[:2],
        "TYPEQU": typequ,
        "SIRET": siret,
        "STATUT_DIFFUSION": "O" if siret else "_Z",
        "LAMBERT_X": lambert_x,
        "LAMBERT_Y": lambert_y,
        "LONGITUDE": spot.longitude,
        "LATITUDE": spot.latitude,
        "QUALITE_XY": spot.qualite,
        "EPSG": "2154",
        "QUALITE_GEOLOC": quality if located else "_Z",
        "TR_DIST_PRECISION": precision if located else "_Z",
        "DCIRIS": f"{zoning.depcom}{iris}" if iris != "_U" else "_U",
        "QUALI_IRIS": "1" if iris not in ("0000", "_U") else "_Z",
        "IRISEE": "1" if iris not in ("0000", "_U") else "0",
        "EPCI": zoning.epci,
        "UU2020": zoning.uu2020,
        "BV2022": zoning.bv2022,
        "AAV2020": zoning.aav2020,
        "DENS3": zoning.dens3,
        "DENS7": zoning.dens7,
    }
    for column in ("QP2024", "QP2015", "QP", "QVA", "ZUS"):
        record[column] = "CSZ"
    record.update(_attributes(facility, concept, millesime))
    for count, indic in INDIC_COLUMNS.items():
        record[indic] = "0" if record.get(count) is None else "1"
    return record


def _current_rows(millesime: int, columns: Sequence[str]) -> list[list[Cell]]:
    """The facilities of an edition of the current format, sorted by commune and type."""
    check_concepts()
    rows = []
    for facility in facility_plan():
        if millesime not in facility.editions:
            continue
        if CONCEPTS[facility.concept].code(millesime) is None and not facility.typequ:
            continue  # the type does not exist in this edition
        record = _record(facility, millesime)
        row = []
        for column in columns:
            if column in record:
                row.append(record[column])
            elif column in NUMERIC_COLUMNS:
                row.append(None)
            else:
                row.append("" if column in _EMPTY_TEXT else "_Z")
        rows.append((str(record["DEPCOM"]), str(record["TYPEQU"]), facility.ident, row))
    return [row for *_, row in sorted(rows, key=lambda r: r[:3])]


def _parquet(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """Typed Parquet written by DuckDB (text, INTEGER counts and metres, DOUBLE degrees)."""

    definition = ", ".join(f'"{c}" {sql_type(c)}' for c in columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bpe.parquet"
        con = duckdb.connect()
        try:
            con.execute("set threads = 1")
            con.execute(f"create table bpe ({definition})")
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(f"insert into bpe values ({placeholders})", [list(r) for r in rows])
            con.execute(f"copy (select * from bpe) to '{path}' (format parquet)")
        finally:
            con.close()
        return path.read_bytes()


_QUALITE_2021 = {"B": "Bonne", "A": "Acceptable", "M": "Mauvaise"}


def _old_rows() -> list[list[Cell]]:
    """bpe21_ensemble_xy.csv: the 2021 facilities in the old 24-column format."""
    check_concepts()
    rows = []
    for facility in facility_plan():
        typequ = CONCEPTS[facility.concept].code(2021)
        if 2021 not in facility.editions or typequ is None:
            continue
        record = _record(facility, 2021)
        iris = str(record["DCIRIS"])
        record.update(
            BV2012=record["BV2022"],
            DCIRIS=iris[:5] if iris.endswith("0000") else f"{iris[:5]}_{iris[5:]}",
            QUALITE_XY=_QUALITE_2021[str(record["QUALITE_XY"])],
            ZFU="CSZ",
            **{f"QUALI_{z}": "_Z" for z in ("QP", "QVA", "ZFU", "ZUS")},
        )
        rows.append(
            (str(record["DEPCOM"]), typequ, facility.ident, [record[c] for c in COLUMNS_2021])
        )
    return [row for *_, row in sorted(rows, key=lambda r: r[:3])]


def _sentence(label: str) -> str:
    """`BOULANGERIE-PÂTISSERIE` -> `Boulangerie-pâtisserie` (the old varmod files' case)."""
    text = label[0] + label[1:].lower() if label.isupper() else label
    return text.replace("’", "'")


def _varmod_2021(codes: Iterable[str]) -> list[list[Cell]]:
    seed = SEEDS.typequ
    codes = sorted(set(codes))
    rows: list[list[Cell]] = [
        ["AN", "2021", "Année de la base"],
        ["DCIRIS", "", "Département, Commune et IRIS d'implantation de l'équipement"],
    ]
    rows += [["DEP", d.code, d.name] for d in sorted(DEPARTEMENTS, key=lambda d: d.code)]
    rows.append(["DEPCOM", "", "Département et Commune d'implantation de l'équipement"])
    for dom in sorted({c[0] for c in codes}):
        first = next(c for c in codes if c[0] == dom)
        rows.append(["DOM", dom, _sentence(seed[first]["libelle_dom"])])
    for value, label in _QUALITE_2021.items():
        rows.append(
            ["QUALITE_XY", label, f"Qualité de la géolocalisation : {label.lower()} ({value})"]
        )
    regions = sorted({d.region for d in DEPARTEMENTS})
    rows += [["REG", r, next(d.name for d in DEPARTEMENTS if d.region == r)] for r in regions]
    for sdom in sorted({c[:2] for c in codes}):
        first = next(c for c in codes if c[:2] == sdom)
        rows.append(["SDOM", sdom, _sentence(seed[first]["libelle_sdom"])])
    rows += [["TYPEQU", c, _sentence(seed[c]["libelle"])] for c in codes]
    return rows


# --- the writers ----------------------------------------------------------------------------------


def bpe(millesime: int) -> bytes:
    """The detailed BPE file of an edition, packaged as INSEE publishes it."""
    if millesime == 2025:
        return _parquet(COLUMNS_2025, _current_rows(2025, COLUMNS_2025))
    if millesime in (2023, 2024):
        columns = COLUMNS_2024 if millesime == 2024 else COLUMNS_2023
        member = f"BPE{millesime % 100}.csv"
        return zip_bytes([(member, quoted_csv(columns, _current_rows(millesime, columns)))])
    if millesime == 2021:
        rows = _old_rows()
        data = csv_bytes(COLUMNS_2021, rows, separator=";", crlf=True, encoding="latin-1")
        codes = [str(r[COLUMNS_2021.index("TYPEQU")]) for r in rows]
        varmod = csv_bytes(
            ["VARIABLE", "MODALITE", "MODLIBELLE"],
            _varmod_2021(codes),
            separator=";",
            crlf=True,
            encoding="latin-1",
        )
        return zip_bytes(
            [("bpe21_ensemble_xy.csv", data), ("varmod_bpe21_ensemble_xy.csv", varmod)]
        )
    raise BpeSampleError(f"no BPE sample layout for millésime {millesime}")


def codes_used(millesime: int) -> list[str]:
    """The TYPEQU of the facilities of an edition (those of the awkward cases included)."""
    codes = set()
    for facility in facility_plan():
        code = facility.typequ or CONCEPTS[facility.concept].code(millesime)
        if millesime in facility.editions and code:
            codes.add(code)
    return sorted(codes)


def bpe_nomenclature(millesime: int, used: Iterable[str] | None = None) -> bytes:
    """`TYPEQU_2025.csv`: the codes the seed evidences for the edition, plus those the BPE uses
    (by default the sample's, except the deliberately unknown B999), with the seed's labels."""
    return SEEDS.nomenclature_csv(millesime, codes_used(millesime) if used is None else used)


def gammes_rows(millesime: int) -> list[list[Cell]]:
    """One row per member type: the seed's 26 proximité regroupements, then the sample's
    intermédiaire, supérieure and hors-gamme types."""
    entries: list[GammeEntry] = SEEDS.proximite_entries()
    for gamme, keys in (
        ("intermediaire", INTERMEDIAIRE),
        ("superieure", SUPERIEURE),
        ("hors", HORS_GAMME),
    ):
        for key in keys:
            code = CONCEPTS[key].code(millesime)
            assert code is not None
            entries.append((code, _REGROUPEMENT_LABELS[key], code, gamme))
    return SEEDS.gamme_rows(entries)


def bpe_gammes(millesime: int) -> bytes:
    """`BPE_gammes_equipements_YYYY.xlsx`: one sheet, three title rows, then the header."""
    return xlsx_bytes([gammes_sheet(millesime, gammes_rows(millesime))])
