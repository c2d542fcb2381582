"""One BPE facility in one edition: every column it has in the current format (2023+).

A facility's commune code is the one of the COG of the edition's year (the city's facilities
carry an arrondissement code, never the city's); the commune-level columns (EPCI, unité urbaine,
bassin de vie, aire d'attraction, density, IRIS) are those of that COG. SIRETs, addresses and the
type-specific columns are drawn from the facility's identity, so they are the same in every
edition.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from observatory.formats.bpe import INDIC_COLUMNS
from observatory.formats.delimited import Cell
from observatory.formats.siren import luhn_digit
from observatory.sample.bpe_concepts import CONCEPTS, Concept
from observatory.sample.bpe_plan import BOURG, SECOND_BOURG, SOUTH_BOURG, Facility, place
from observatory.sample.geography import (
    BASSINS_DE_VIE,
    DEPARTEMENTS,
    EPCIS,
    SEED,
    Geography,
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

# --- what a concept implies for its columns -------------------------------------------------------

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


# --- the commune-level columns of each edition ----------------------------------------------------

_DEPARTEMENT = {d.code: d for d in DEPARTEMENTS}
_IRIS_SPLIT = {BOURG: 3}
"""Communes split into IRIS (as in the census sample): 01901 has three, each arrondissement one."""


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


def facility_record(facility: Facility, millesime: int) -> dict[str, Cell]:
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
