"""Sample copies of the zoning files: EPCI composition, appartenance, centroids, census ages.

Layouts follow ../shared/reference/formats.md: the DGCL `epcicomYYYY.xlsx` (one sheet named after
the previous year, header on row 1, SIREN and populations as numbers), INSEE's table
d'appartenance (a zipped workbook of five sheets, four title rows, labels on row 5, codes on
row 6, every code as text, one empty formatted row at the end of each data sheet), the
geo.api.gouv.fr `/communes` JSON array (compact, keys in the order of `fields`, [lon, lat]) and
the census `base-ic-evol-struct-pop` IRIS file (`;`, weighted decimals, upper-case `.CSV`).
Workbooks are written with fixed document dates and zip timestamps so they are byte-stable.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence

from observatory.formats.appartenance import NO_EPT, appartenance_sheets, member_name
from observatory.formats.archive import zip_bytes
from observatory.formats.census import census_dictionary_csv, census_header, decimal
from observatory.formats.delimited import csv_bytes
from observatory.formats.epcicom import epcicom_sheet
from observatory.formats.names import libelle
from observatory.formats.siren import commune_siren
from observatory.formats.xlsx import to_bytes as xlsx_bytes
from observatory.sample.geography import (
    BASSINS_DE_VIE,
    COMMUNES,
    CUSTOM_LEVEL,
    CUSTOM_TERRITORIES,
    DEPARTEMENTS,
    EPCIS,
    REGIONS,
    SEED,
    Commune,
    Geography,
    coordinates,
    geography,
    population,
)

_DEPARTEMENT = {d.code: d for d in DEPARTEMENTS}
_REGION = {r.code: r for r in REGIONS}
_COMMUNE = {c.code: c for c in COMMUNES}
_DEPARTEMENT_ORDER = {d.code: i for i, d in enumerate(DEPARTEMENTS)}  # DGCL: Corsica last

# --- shared helpers -----------------------------------------------------------------------------


def _ctcd(departement: str) -> str:
    return "20R" if departement in ("2A", "2B") else f"{departement}D"


def _libelle(geo: Geography, commune: Commune) -> str:
    """The COG LIBELLE (article included) of a commune or arrondissement in `geo`."""
    if commune.typecom == "ARM":
        return commune.name
    return libelle(geo.names[commune.code], commune.tncc)


def _place(geo: Geography, original: str) -> str:
    """Code of the commune holding `original` in `geo`, arrondissements folded into their city."""
    code = geo.code_of(original)
    return _COMMUNE[code].parent or code


def _zone_of(geo: Geography, zones: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Commune or arrondissement code of `geo` -> code of the zone listing it (or its originals)."""
    found = {}
    for zone, members in zones:
        for original in members:
            found[geo.code_of(original)] = zone
    return found


def _commune_populations(geo: Geography, millesime: int) -> dict[str, tuple[int, int]]:
    """(PMUN, PCAP) of a census millésime per commune of `geo`, arrondissements kept apart."""
    totals: dict[str, tuple[int, int]] = {}
    for commune in COMMUNES:
        pmun, pcap = population(commune, millesime)
        code = geo.code_of(commune.code)
        before = totals.get(code, (0, 0))
        totals[code] = (before[0] + pmun, before[1] + pcap)
    return totals


# --- DGCL: epcicomYYYY.xlsx ---------------------------------------------------------------------

_MODE_FINANC = {"200999903": "FA"}  # the other CC levies the FPU, as most do


def epci_composition(millesime: int) -> bytes:
    """DGCL list of EPCI members: perimeters of 1 January `millesime`, populations in force the
    year before (`ptot_{millesime - 1}` = populations de référence of millésime `millesime - 4`,
    as in the real 2026 file whose `pmun_2025` is the 2022 population)."""
    geo = geography(millesime)
    column_year = millesime - 1
    census = column_year - 3
    totals: dict[str, list[int]] = {}
    for commune in COMMUNES:
        pmun, pcap = population(commune, census)
        target = totals.setdefault(_place(geo, commune.code), [0, 0])
        target[0] += pmun
        target[1] += pcap
    rows = []
    for epci in EPCIS:
        members = sorted({_place(geo, m) for m in epci.members})
        members.sort(key=lambda code: -sum(totals[code]))
        pops = [(sum(totals[m]), totals[m][0]) for m in members]
        mode = "FPU" if epci.nature != "CC" else _MODE_FINANC.get(epci.siren, "FPU")
        for code, (ptot, pmun) in zip(members, pops, strict=True):
            rows.append(
                [
                    epci.departement,
                    int(epci.siren),
                    epci.name,
                    epci.nature,
                    mode,
                    len(members),
                    sum(p[0] for p in pops),
                    sum(p[1] for p in pops),
                    _COMMUNE[code].departement,
                    code,
                    commune_siren(code),
                    _libelle(geo, _COMMUNE[code]),
                    ptot,
                    pmun,
                ]
            )
    rows.sort(key=lambda r: (_DEPARTEMENT_ORDER[r[0]], r[1], -r[12], r[9]))
    return xlsx_bytes([epcicom_sheet(column_year, rows)])


# --- INSEE: table d'appartenance géographique ---------------------------------------------------

# Invented study zonings, well-formed but outside the ranges real codes use.
_ZE2020 = {"01": "8490", "69": "8491", "2A": "9490"}
_URBAN = {"01901": "01990", "01902": "01990", "69901": "69990", "69902": "69990", "2A901": "2A990"}
_AAV2020 = {"01": "901", "69": "902", "2A": "903"}
_AAV_MEMBERS = {
    *(f"01{n}" for n in range(901, 911)),
    "69901",
    "69981",
    "69982",
    "69983",
    "69902",
    "2A901",
    "2A902",
}


def _tagc_row(geo: Geography, commune: Commune, epci: dict[str, str], bv: dict[str, str]):
    city = commune.parent or commune.code
    dep = _DEPARTEMENT[commune.departement]
    return [
        commune.code,
        _libelle(geo, commune),
        dep.code,
        _ctcd(dep.code),
        dep.region,
        epci.get(commune.code, NO_EPT),
        NO_EPT,
        commune.arrondissement,
        commune.canton,
        _ZE2020[dep.code],
        _URBAN.get(city, f"{dep.code}000"),
        _AAV2020[dep.code] if commune.code in _AAV_MEMBERS else "000",
        bv[commune.code],
    ]


def appartenance_geo(millesime: int) -> bytes:
    """`table-appartenance-geo-communes-YYYY.zip` holding the five-sheet workbook."""
    geo = geography(millesime)
    epci = _zone_of(geo, ((e.siren, e.members) for e in EPCIS))
    bv = _zone_of(geo, BASSINS_DE_VIE.items())
    communes = sorted((c for c in geo.communes if c.typecom == "COM"), key=lambda c: c.code)
    arms = sorted((c for c in geo.communes if c.typecom == "ARM"), key=lambda c: c.code)
    com_rows = [_tagc_row(geo, c, epci, bv) for c in communes]
    arm_rows = [[*_tagc_row(geo, c, epci, bv), c.parent] for c in arms]

    counts: dict[tuple[str, str], int] = {}
    for row in com_rows:
        for level, code in (
            ("EPCI", row[5]),
            ("BV2022", row[12]),
            ("DEP", row[2]),
            ("REG", row[4]),
        ):
            counts[level, code] = counts.get((level, code), 0) + 1
    names = {
        "EPCI": {
            e.siren: e.name.replace("CA ", "Communauté d'agglomération ", 1).replace(
                "CC ", "Communauté de communes ", 1
            )
            for e in EPCIS
        },
        "BV2022": {code: _libelle(geo, _COMMUNE[code]) for code in BASSINS_DE_VIE},
        "DEP": {d.code: d.name for d in DEPARTEMENTS},
        "REG": {r.code: r.name for r in REGIONS},
    }
    zones = [[level, code, names[level][code], count] for (level, code), count in counts.items()]
    zones.sort(key=lambda z: (z[0], z[1]))
    sheets = appartenance_sheets(
        millesime,
        com_rows,
        arm_rows,
        zones,
        "Échantillon synthétique : communes, zonages et codes inventés pour les tests.",
    )
    return zip_bytes([(member_name(millesime), xlsx_bytes(sheets))])


# --- geo.api.gouv.fr: /communes JSON ------------------------------------------------------------

NO_MAIRIE = "01915"
"""The API gives no town hall for some communes: the sample's parser must fall back to `centre`."""


def _number(value: float) -> float | int:
    """A coordinate as JavaScript's JSON writes it: 46 rather than 46.0."""
    return int(value) if value == int(value) else value


def _point(lon: float, lat: float) -> dict[str, object]:
    return {"type": "Point", "coordinates": [_number(lon), _number(lat)]}


def communes_centroides(millesime: int) -> bytes:
    """`/communes?fields=code,nom,codeDepartement,centre,mairie&type=commune-actuelle,...`."""
    geo = geography(millesime)
    records = []
    for commune in sorted(geo.communes, key=lambda c: c.code):
        lat, lon = coordinates(commune)
        rng = random.Random(f"{SEED}-centre-{commune.code}")
        centre = _point(
            round(lon + rng.uniform(-0.006, 0.006), 4), round(lat + rng.uniform(-0.004, 0.004), 4)
        )
        record: dict[str, object] = {
            "code": commune.code,
            "nom": _libelle(geo, commune),
            "codeDepartement": commune.departement,
            "centre": centre,
        }
        if commune.code != NO_MAIRIE:
            record["mairie"] = _point(round(lon, 5), round(lat, 5))
        records.append(record)
    return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- INSEE census: base-ic-evol-struct-pop-YYYY -------------------------------------------------

_MALE_SHARE = (0.512, 0.503, 0.494, 0.492, 0.478, 0.392)
_CS_MALE_SHARE = (0.71, 0.72, 0.56, 0.49, 0.24, 0.79, 0.46, 0.42)
_MAIN_TOWN = "01901"
_OLDEST = "01930"
_MAIN_TOWN_IRIS = ((1, 0.41), (2, 0.34), (3, 0.25))  # (IRIS number, share of the population)


def _structure(code: str, millesime: int, urban: bool) -> list[float]:
    """Shares of the six age bands (summing to 1): seeded per IRIS, nudged per census year."""
    rng = random.Random(f"{SEED}-ages-{code}")
    drift = random.Random(f"{SEED}-ages-{code}-{millesime}")
    if code[:5] == _OLDEST:
        old = rng.uniform(0.21, 0.24)
    elif urban:
        old = rng.uniform(0.062, 0.085)
    else:
        old = rng.uniform(0.105, 0.175)
    old += drift.uniform(-0.002, 0.002)
    ranges = (
        ((0.16, 0.19), (0.19, 0.24), (0.21, 0.25), (0.18, 0.21), (0.14, 0.17))
        if urban
        else ((0.14, 0.18), (0.12, 0.15), (0.15, 0.19), (0.20, 0.23), (0.20, 0.25))
    )
    weights = [rng.uniform(*bounds) * (1 + drift.uniform(-0.01, 0.01)) for bounds in ranges]
    scale = (1 - old) / sum(weights)
    return [w * scale for w in weights] + [old]


def _census_values(code: str, millesime: int, pop: float, urban: bool) -> list[float]:
    """Every numeric column of one IRIS, consistent with its population `pop`."""
    shares = _structure(code, millesime, urban)
    b0014, b1529, b3044, b4559, b6074 = (pop * s for s in shares[:5])
    b75p = pop - (b0014 + b1529 + b3044 + b4559 + b6074)
    bands = [b0014, b1529, b3044, b4559, b6074, b75p]
    fine = [
        b0014 * 3 / 15,
        b0014 * 3 / 15,
        b0014 * 5 / 15,
        b0014 * 4 / 15 + b1529 * 3 / 15,
        b1529 * 7 / 15,
        b1529 * 5 / 15 + b3044 * 10 / 15,
        b3044 * 5 / 15 + b4559 * 10 / 15,
        b4559 * 5 / 15 + b6074 * 5 / 15,
        b6074 * 10 / 15 + b75p * 0.35,
        b75p * 0.65,
    ]

    def broad(values: Sequence[float]) -> list[float]:
        v0014, v1529, v3044, v4559, v6074, v75p = values
        return [
            v0014 + v1529 * 5 / 15,
            v1529 * 10 / 15 + v3044 + v4559 + v6074 * 5 / 15,
            v6074 * 10 / 15 + v75p,
        ]

    rng = random.Random(f"{SEED}-census-{code}-{millesime}")
    men = [b * (m + rng.uniform(-0.01, 0.01)) for b, m in zip(bands, _MALE_SHARE, strict=True)]
    women = [b - h for b, h in zip(bands, men, strict=True)]
    values = [pop, *fine, *bands, *broad(bands)]
    values += [sum(men), *men, *broad(men)]
    values += [sum(women), *women, *broad(women)]

    adults = pop - b0014
    cs = [
        rng.uniform(0.002, 0.004) if urban else rng.uniform(0.015, 0.04),
        rng.uniform(0.025, 0.04),
        rng.uniform(0.12, 0.18) if urban else rng.uniform(0.04, 0.08),
        rng.uniform(0.14, 0.18),
        rng.uniform(0.14, 0.17),
        rng.uniform(0.08, 0.11) if urban else rng.uniform(0.12, 0.16),
        rng.uniform(0.20, 0.25) if urban else rng.uniform(0.28, 0.36),
        rng.uniform(0.12, 0.16),
    ]
    total = sum(cs)
    pop_cs = [adults * s / total for s in cs]
    men_cs = [v * m for v, m in zip(pop_cs, _CS_MALE_SHARE, strict=True)]
    women_cs = [v - h for v, h in zip(pop_cs, men_cs, strict=True)]
    for group in (pop_cs, men_cs, women_cs):
        values += [sum(group), *group]

    foreign = pop * (rng.uniform(0.05, 0.09) if urban else rng.uniform(0.01, 0.04))
    immigrant = foreign * rng.uniform(1.3, 1.7)
    outside = pop * rng.uniform(0.01, 0.025) if urban else 0.0
    values += [pop - foreign, foreign, immigrant, pop - outside, outside]
    return values


def population_ages(millesime: int) -> bytes:
    """`base-ic-evol-struct-pop-YYYY_csv.zip`: the IRIS file (codes of COG YYYY + 2) and its
    dictionary."""
    geo = geography(millesime + 2)
    totals = _commune_populations(geo, millesime)
    parents = {c.parent for c in geo.communes if c.parent}
    rows = []
    for commune in sorted(geo.communes, key=lambda c: c.code):
        if commune.code in parents:
            continue  # a city split into arrondissements has its IRIS under the arrondissements
        pmun = totals[commune.code][0]
        if commune.code == _MAIN_TOWN:
            irises = [
                (f"{commune.code}01{n:02d}", "H", "1", pmun * share, True)
                for n, share in _MAIN_TOWN_IRIS
            ]
        elif commune.typecom == "ARM":
            irises = [(f"{commune.code}0101", "H", "1", float(pmun), True)]
        else:
            irises = [(f"{commune.code}0000", "Z", "5", float(pmun), False)]
        for iris, typ, lab, pop, urban in irises:
            values = _census_values(iris, millesime, pop, urban)
            rows.append([iris, commune.code, typ, lab, *(decimal(v) for v in values)])
    header = census_header(millesime)
    name = f"base-ic-evol-struct-pop-{millesime}"
    data = csv_bytes(header, rows, separator=";", crlf=True, encoding="latin-1")
    meta = census_dictionary_csv(header, millesime)
    return zip_bytes([(f"{name}.CSV", data), (f"meta_{name}.CSV", meta)])


# --- the custom territories file a user would write ---------------------------------------------

CUSTOM_YEAR = 2026


def territoires_personnalises() -> bytes:
    """`code_commune,code_territoire,libelle,niveau`: the sample's user-defined level, in the
    COG 2026 (absorbed members replaced by the commune they merged into, listed once)."""
    geo = geography(CUSTOM_YEAR)
    rows = []
    for code, name, members in CUSTOM_TERRITORIES:
        for commune in sorted({_place(geo, m) for m in members}):
            rows.append([commune, code, name, CUSTOM_LEVEL])
    return csv_bytes(["code_commune", "code_territoire", "libelle", "niveau"], rows, separator=",")
