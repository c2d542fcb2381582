"""BPE (Base permanente des équipements) of the synthetic France: ~2.9 million facilities at
scale 1, four editions, and the nomenclature and gammes files.

Facility types come from the seeds (dbt_like_sql/seeds: types evidenced per edition and the
code passage between editions), read through the bundled sample's helpers, so every code is
valid in its edition and a renumbered type (D201 -> D265) keeps its facilities from one edition
to the next. Counts per type follow INSEE's 2021 national rates per inhabitant
(reference.BPE_RATES_2021), scaled to the 2.92 million rows of BPE 2025; a type's facilities go to
communes in proportion to population^beta, beta higher for rare types (hospitals, lycées,
cinemas sit in towns) and a town hall in every commune. General practitioners, nurses,
physiotherapists, dentists, midwives and podiatrists are the Annuaire santé's libéraux (one per
practitioner x site), so the two sources agree per département. Each facility lives from a first
to a last edition; its commune code is the one of its edition's COG.

Layouts (formats.md §1, as the sample's observatory/sample/bpe.py; column lists and projections
from observatory.formats): BPE25.parquet (95 columns, text except counts and coordinates);
BPE24.zip and BPE23.zip holding one `;` CSV of 89 and 74 columns, every text field
double-quoted (empty ones too), numbers bare, a missing number empty; bpe21_ensemble_xy_csv.zip
(24 columns, unquoted, latin-1, CRLF, Lambert coordinates only, overseas ones in their UTM
projection) with its varmod file. Rows are assembled in DuckDB from pre-rendered segments (a
type's constant columns, a commune's columns) and streamed to disk: nothing loops over rows in
Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from bench.synthetic.files import copy_lines, sql_text
from bench.synthetic.geography import Geography, rng_for
from bench.synthetic.reference import BPE_RATES_2021, BPE_TOTAL_2025, OVERSEAS
from bench.synthetic.sante import PLAN, HealthPlan, _place_weights
from bench.synthetic.world import World
from observatory.formats import xlsx
from observatory.formats.archive import zip_files
from observatory.formats.bpe import (
    COLUMNS_2021,
    COLUMNS_2023,
    COLUMNS_2024,
    COLUMNS_2025,
    COUNT_COLUMNS,
    GAMME_LABELS,
    INDIC_COLUMNS,
    NUMERIC_COLUMNS,
    gammes_sheet,
    sql_type,
)
from observatory.formats.bpe_seeds import bpe_seeds
from observatory.formats.delimited import csv_bytes
from observatory.formats.names import libelle, upper_ascii
from observatory.formats.projection import lambert93, utm
from observatory.settings import REPOSITORY_ROOT

SEEDS = bpe_seeds(REPOSITORY_ROOT / "dbt_like_sql" / "seeds")
"""The BPE nomenclature the types are drawn from (the sample's seeds)."""
EDITIONS = (2021, 2023, 2024, 2025)
BIRTH = (0.86, 0.05, 0.05, 0.04)
"""Edition index a facility first appears in (most already exist in 2021)."""
DEATH = (0.03, 0.03, 0.04, 0.90)
"""Edition index after which it is gone (index 3: still there in 2025)."""
FROM_HEALTH_PLAN = {"D265": "gp", "D281": "60", "D279": "70", "D277": "40", "D278": "50"}
FROM_HEALTH_PLAN |= {"D280": "80", "D282": "91"}
"""Types counted from the Annuaire santé's libéraux (series keyed by their latest code)."""
VARIANTS = 4
"""Versions of a type's attribute columns (capacities, access...), assigned round-robin."""

# --- the type series ------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One kind of facility through the editions: its code in each (None: absent)."""

    codes: tuple[str | None, str | None, str | None, str | None]  # 2021, 2023, 2024, 2025
    rate: float  # facilities per 100,000 inhabitants at scale 1
    beta: float
    plan: str | None  # health plan key when counted from the Annuaire santé

    def code(self, edition: int) -> str | None:
        return self.codes[EDITIONS.index(edition)]

    @property
    def latest(self) -> str:
        return next(c for c in reversed(self.codes) if c)


def _passage_rows() -> list[dict[str, str]]:
    return SEEDS.rows("bpe_typequ_passage")


@cache
def series() -> tuple[Series, ...]:
    """Every facility type series the seeds support, with its national rate."""
    rows = _passage_rows()

    def predecessor(code: str | None, periode: str) -> str | None:
        if code is None:
            return None
        before = sorted(
            r["typequ_avant"]
            for r in rows
            if r["periode"] == periode and r["typequ_apres"] == code and r["typequ_avant"]
        )
        return before[0] if before else None

    def codes_of(edition: int) -> list[str]:
        return sorted(c for c in SEEDS.typequ if edition in SEEDS.editions_of(c))

    found: list[tuple[str | None, ...]] = []
    used23, used21 = set(), set()
    for c24 in codes_of(2024):
        c23 = predecessor(c24, "2023->2024") or (c24 if 2023 in SEEDS.editions_of(c24) else None)
        c21 = predecessor(c23, "2021->2023") or (
            c23 if c23 and 2021 in SEEDS.editions_of(c23) else None
        )
        after = [
            r["typequ_apres"]
            for r in rows
            if r["periode"] in ("2024->2025", "2023->2025") and r["typequ_avant"] == c24
        ]
        c25 = (after[0] or None) if after else (c24 if SEEDS.valid_2025(c24) else None)
        found.append((c21, c23, c24, c25))
        used23.add(c23)
        used21.add(c21)
    for r in rows:  # renumbered 2023 -> 2025 without a 2024 code of ours (D235 -> D282)
        if r["periode"] == "2023->2025" and r["typequ_avant"] not in used23 and r["typequ_apres"]:
            c23 = r["typequ_avant"]
            c21 = predecessor(c23, "2021->2023") or (
                c23 if 2021 in SEEDS.editions_of(c23) else None
            )
            found.append((c21, c23, None, r["typequ_apres"]))
            used23.add(c23)
            used21.add(c21)
    for r in rows:
        if (
            r["periode"] == "2024->2025"
            and not r["typequ_avant"]
            and SEEDS.valid_2025(r["typequ_apres"])
        ):
            found.append((None, None, None, r["typequ_apres"]))
    for c23 in codes_of(2023):
        if c23 not in used23:
            c21 = predecessor(c23, "2021->2023") or (
                c23 if 2021 in SEEDS.editions_of(c23) else None
            )
            found.append((c21, c23, None, None))
            used21.add(c21)
    found += [(c21, None, None, None) for c21 in codes_of(2021) if c21 not in used21]
    # keep each code only where the seeds make it valid
    valid = []
    for codes in found:
        checked = tuple(
            c if c and (SEEDS.valid_2025(c) if e == 2025 else e in SEEDS.editions_of(c)) else None
            for c, e in zip(codes, EDITIONS, strict=True)
        )
        if any(checked):
            valid.append(checked)
    # rates: the 2021 type's, shared by the series it split into
    shares: dict[str, int] = {}
    for codes in valid:
        if codes[0]:
            shares[codes[0]] = shares.get(codes[0], 0) + 1
    result = []
    for codes in valid:
        latest = next(c for c in reversed(codes) if c)
        if codes[0] and codes[0] in BPE_RATES_2021:
            rate = max(BPE_RATES_2021[codes[0]], 0.05) / shares[codes[0]]
        elif latest == "B326":
            rate = 30.0
        else:
            rate = 2.0
        per_commune = rate * 680 / 35_000
        beta = 1.0 if per_commune >= 1 else min(1.6, 1.0 + 0.2 * math.log10(1 / per_commune))
        result.append(Series(codes, rate, beta, FROM_HEALTH_PLAN.get(latest)))  # type: ignore[arg-type]
    return tuple(result)


@cache
def distance_series() -> frozenset[int]:
    """Series the observatory measures distances to: gammes de proximité and intermédiaire
    (of this generator's gammes workbook) and every health type (D1, D2, D307)."""
    gammes = {
        row[2]
        for row in gammes_rows(2025)
        if row[4] in (GAMME_LABELS["proximite"], GAMME_LABELS["intermediaire"])
    }
    return frozenset(
        number
        for number, s in enumerate(series())
        if s.latest[:2] in ("D1", "D2") or s.latest == "D307" or s.code(2025) in gammes
    )


# --- the facilities -------------------------------------------------------------------------


@dataclass
class FacilityPlan:
    """One row per facility: series, place, first and last edition, and its own draws."""

    table: pd.DataFrame


def draw_facilities(geo: Geography, health: HealthPlan) -> FacilityPlan:
    rng = rng_for(geo.seed, "bpe")
    all_series = series()
    pop = _place_weights(geo, 1.0)
    total_pop = pop.sum()
    places = np.flatnonzero(pop > 0)
    rate_total = sum(s.rate for s in all_series if s.code(2025) and not s.plan)
    health_total = 0.0
    plan_keys = {p.key: i for i, p in enumerate(PLAN)}
    acts = health.activities
    liberal_sites = acts[acts["liberal"] & (acts["place"] >= 0)].drop_duplicates(["pid", "place"])
    for s in all_series:
        if s.plan and s.code(2025):
            health_total += (liberal_sites["profession"] == plan_keys[s.plan]).sum()
    target = BPE_TOTAL_2025 * geo.scale / (sum(DEATH[3:]) * 1.0)
    norm = max(0.0, target - health_total) / max(rate_total * total_pop / 1e5, 1.0)
    parts_series, parts_place = [], []
    for number, s in enumerate(all_series):
        if s.plan:
            chosen = liberal_sites[liberal_sites["profession"] == plan_keys[s.plan]]
            counted = chosen["place"].to_numpy()
        elif s.latest == "A129":  # a town hall in every commune and arrondissement
            counted = places
        else:
            count = rng.poisson(s.rate * norm * total_pop / 1e5)
            weights = pop[places] ** s.beta
            counts = rng.multinomial(count, weights / weights.sum())
            counted = np.repeat(places, counts)
        parts_series.append(np.full(len(counted), number, dtype=np.int32))
        parts_place.append(counted.astype(np.int64))
    # every région has at least one facility of every service whose distance the observatory
    # measures, in every edition: a service is never a continent away (distances above 1,000 km
    # fail a check; no overseas département goes without its own facilities)
    regions = sorted({d.region for d in geo.departements})
    region_of = np.array([regions.index(d.region) for d in geo.departements])[geo.place_dep]
    largest = {
        r: int(places[region_of[places] == r][np.argmax(pop[places][region_of[places] == r])])
        for r in range(len(regions))
        if (region_of[places] == r).any()
    }
    present = set(
        np.unique(np.concatenate(parts_series) * 1000 + region_of[np.concatenate(parts_place)])
    )
    measured = distance_series()
    missing = [
        (number, largest[r])
        for number in sorted(measured)
        for r in largest
        if number * 1000 + r not in present
    ]
    topped = np.array([m[0] for m in missing], dtype=np.int32)
    parts_series.append(topped)
    parts_place.append(np.array([m[1] for m in missing], dtype=np.int64))
    facility_series = np.concatenate(parts_series)
    place = np.concatenate(parts_place)
    n = len(place)
    birth = rng.choice(4, n, p=BIRTH)
    death = np.maximum(birth, rng.choice(4, n, p=DEATH))
    # the first facility of each type in each région lives through every edition
    _, firsts = np.unique(facility_series * 1000 + region_of[place], return_index=True)
    birth[firsts], death[firsts] = 0, 3
    # where it stands: around its town hall, farther out in larger communes
    spread_km = np.clip(0.3 + 0.02 * np.sqrt(pop[place]), 0.3, 4.0)
    lat = geo.place_lat[place] + rng.normal(0, 1, n) * spread_km / 111.0
    coslat = np.cos(np.radians(geo.place_lat[place]))
    lon = geo.place_lon[place] + rng.normal(0, 1, n) * spread_km / (111.0 * coslat)
    boxes = np.array([d.box for d in geo.departements])[geo.place_dep[place]]
    lat = np.clip(lat, boxes[:, 0], boxes[:, 1]).round(5)
    lon = np.clip(lon, boxes[:, 2], boxes[:, 3]).round(5)
    quality = rng.choice(4, n, p=(0.845, 0.13, 0.02, 0.005))  # B, A, M, not located
    table = pd.DataFrame(
        {
            "series": facility_series,
            "place": place,
            "birth": birth,
            "death": death,
            "lat": lat,
            "lon": lon,
            "quality": quality,
            "street": rng.integers(0, len(_STREETS), n),
            "numero": np.where(rng.random(n) < 0.7, rng.integers(1, 120, n), 0),
            "siret": rng.random(n) < 0.45,
            "iris_u": rng.random(n),
        }
    )
    table["id"] = np.arange(n)
    table["variant"] = table["id"] % VARIANTS
    table["lx"], table["ly"], _ = projected(geo, table)
    mairies = [i for i, s in enumerate(all_series) if s.latest == "A129"]
    always = table["series"].isin(mairies)
    table.loc[always, "birth"], table.loc[always, "death"] = 0, 3
    return FacilityPlan(table)


# --- projections ----------------------------------------------------------------------------


def projected(geo: Geography, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LAMBERT_X, LAMBERT_Y, EPSG) of each facility: Lambert-93 in metropolitan France, the
    territory's UTM overseas."""
    lat, lon = table["lat"].to_numpy(), table["lon"].to_numpy()
    x, y = lambert93(lat, lon)
    epsg = np.full(len(table), "2154", dtype=object)
    deps = np.array([d.code for d in geo.departements], dtype=object)[
        geo.place_dep[table["place"].to_numpy()]
    ]
    for code, (_, code_epsg, zone, south, _) in OVERSEAS.items():
        mask = deps == code
        if mask.any():
            x[mask], y[mask] = utm(lat[mask], lon[mask], zone, south)
            epsg[mask] = code_epsg
    return x, y, epsg


# --- rows of one edition --------------------------------------------------------------------

_STREETS = (
    ("RUE", "DE LA MAIRIE"), ("PL", "DE L EGLISE"), ("AV", "DE LA GARE"), ("GR", "GRANDE RUE"),
    ("RTE", "DU MOULIN"), ("CHE", "DES VIGNES"), ("IMP", "DES TILLEULS"), ("BD", "DES ECOLES"),
    ("ALL", "DU PARC"), ("RUE", "DU COMMERCE"),
)  # fmt: skip
_NAF = {
    "B207": "1071C", "B201": "4711C", "B202": "4711B", "D307": "4773Z", "A501": "9602A",
    "A504": "5610A", "A206": "5310Z", "A207": "4726Z", "A505": "6831Z", "A507": "9602B",
    "E101": "4932Z", "A401": "4399C", "A402": "4334Z", "A403": "4332A", "A404": "4322A",
    "A405": "4321A", "A301": "4520A", "B105": "4711D", "D302": "8690B", "D401": "8710A",
    "A203": "6419Z", "F303": "5914Z",
}  # fmt: skip
_SPECIALITE = {"D265": "MÉDECINE GÉNÉRALE", "D270": "OPHTALMOLOGIE", "D269": "PSYCHIATRIE"}
_SPECIALITE |= {"D266": "CARDIOLOGIE ET MALADIES VASCULAIRES"}
_ATTRIBUTE_COLUMNS = (
    "CANTINE", "INTERNAT", "RPI", "EP", "CL_PGE", "SECT", "SECTEUR", "ACCES_AIRE_PRATIQUE",
    "ACCES_LIBRE", "ACCES_SANITAIRE", "ACCES_VESTIAIRE", "CAPACITE_D_ACCUEIL", "PRES_DOUCHE",
    "PRES_SANITAIRE", "SAISONNIER", "COUVERT", "ECLAIRE", "CATEGORIE", "MULTIPLEXE",
    "STRUCTURE_EXERCICE", "SPECIALITE", "ACCUEIL", "ITINERANCE", "MODE_GESTION", "SSTYPHEB",
    "TYPE", "TYPERESTO", "IMPLANTATION_STATION", "GPL",
)  # fmt: skip
TYPE_COLUMNS = frozenset(
    (
        "APET",
        "NOMRS",
        "DOM",
        "SDOM",
        "TYPEQU",
        *_ATTRIBUTE_COLUMNS,
        *COUNT_COLUMNS,
        *INDIC_COLUMNS.values(),
    )
)
PLACE_COLUMNS = frozenset(
    (
        "CODPOS", "DEPCOM", "DEP", "REG", "LIBCOM", "EPCI", "UU2020", "BV2022", "AAV2020",
        "DENS3", "DENS7", "QUALI_IRIS", "IRISEE", "EPSG",
    )
)  # fmt: skip
CONSTANTS = {
    "CNOMRS": "", "INDREP": "", "CADR": "", "QP2024": "CSZ", "QUALI_QP2024": "_Z",
    "QP2015": "CSZ", "QUALI_QP2015": "_Z", "QP": "CSZ", "QUALI_QP": "_Z", "QVA": "CSZ",
    "QUALI_QVA": "_Z", "ZUS": "CSZ", "QUALI_ZUS": "_Z",
}  # fmt: skip


def _attributes(code: str, variant: int, edition: int) -> dict[str, object]:
    """Type-specific columns of one variant of a type (the sample's choices, by code)."""
    rng = np.random.default_rng([variant, int.from_bytes(code.encode(), "big")])
    values: dict[str, object] = {}
    if code[:1] == "C":
        primary = code[:2] == "C1"
        values.update(
            CANTINE="1",
            INTERNAT="_Z" if primary else ("1" if rng.random() < 0.3 else "0"),
            RPI="0" if primary else "_Z",
            EP="0",
            CL_PGE="0" if code[:2] == "C3" else "_Z",
            SECT="_Z" if edition >= 2025 else "PU",
            SECTEUR="1",
            CAPACITE=int(rng.integers(40, 320)) if primary else int(rng.integers(300, 900)),
        )
    elif code[:2] == "F1":
        covered = code in ("F101", "F121")
        values.update(
            ACCES_AIRE_PRATIQUE="1",
            ACCES_LIBRE="0" if covered else "1",
            ACCES_SANITAIRE=str(int(rng.integers(0, 2))),
            ACCES_VESTIAIRE="1" if covered else "0",
            CAPACITE_D_ACCUEIL="_U",
            PRES_DOUCHE="1" if covered else "0",
            PRES_SANITAIRE="1",
            SAISONNIER="0",
            COUVERT="1" if covered else "0",
            ECLAIRE=("0", "1", "_U")[int(rng.integers(0, 3))],
            NBEQUIDENT=int(rng.integers(1, 4)),
        )
    elif code == "F303":
        values.update(CATEGORIE="_U", MULTIPLEXE="0", NBSALLES=int(rng.integers(1, 9)))
    elif code == "B326":
        slow = int(rng.integers(0, 3))
        values.update(
            IMPLANTATION_STATION="1", NB_PDC=4 + slow, NB_PDC_PA=4 + slow, NB_PDC_ACCELEREE=4,
            NB_PDC_LENTE=slow, NB_PDC_RAPIDE=0, NB_PDC_ULTRARAPIDE=0, NB_JOURS_OUVERT=7,
        )  # fmt: skip
    elif code[:2] == "D2":
        values.update(
            STRUCTURE_EXERCICE=("CI", "CG", "CG", "ES")[variant],
            SPECIALITE=_SPECIALITE.get(code, "_Z"),
        )
    elif code in ("D401", "D502"):
        values.update(
            CAPACITE=int(rng.integers(60, 110) if code == "D401" else rng.integers(20, 45))
        )
    if code == "A504":
        values.update(TYPERESTO=_NAF[code])
    return values


def _type_values(edition: int, columns: tuple[str, ...]) -> pd.DataFrame:
    """One row per (series, variant) present in the edition: its type-level column values."""
    seed = SEEDS.typequ
    rows = []
    for number, s in enumerate(series()):
        code = s.code(edition)
        if not code:
            continue
        label = seed[code]["libelle"] if code in seed else code
        for variant in range(VARIANTS):
            values = _attributes(s.code(2025) or s.latest, variant, edition)
            record: dict[str, object] = {
                "APET": _NAF.get(s.latest, "_Z"),
                "NOMRS": upper_ascii(label),
                "DOM": code[0],
                "SDOM": code[:2],
                "TYPEQU": code,
            }
            for column in columns:
                if column in INDIC_COLUMNS.values():
                    continue
                if column in _ATTRIBUTE_COLUMNS or column in COUNT_COLUMNS:
                    record[column] = values.get(column, None if column in COUNT_COLUMNS else "_Z")
            for count, indic in INDIC_COLUMNS.items():
                record[indic] = "0" if record.get(count) is None else "1"
            rows.append({"key": number * VARIANTS + variant, **record})
    frame = pd.DataFrame(rows)
    for column in COUNT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def _place_values(geo: Geography, edition: int) -> pd.DataFrame:
    """One row per place: its commune-level columns in the COG of the edition."""
    target = geo.target(edition)
    names = geo.names(edition)
    home = target[geo.place_commune]
    codes = geo.place_codes(edition)
    labels = [
        geo.arm_name[p - geo.n] if p >= geo.n else libelle(names[home[p]], geo.tncc[home[p]])
        for p in range(geo.n_places)
    ]
    home_place = np.concatenate([target, np.arange(geo.n, geo.n_places)])
    pmun = np.bincount(home_place, geo.place_pmun(2021), minlength=geo.n_places)[home_place]
    split = pmun >= 10_000
    deps = np.array([d.code for d in geo.departements], dtype=object)
    regs = np.array([d.region for d in geo.departements], dtype=object)
    epsg = np.array(
        [OVERSEAS[d.code][1] if d.overseas else "2154" for d in geo.departements], dtype=object
    )
    dep_index = geo.dep[home]
    return pd.DataFrame(
        {
            "place": np.arange(geo.n_places),
            "CODPOS": [codes_[0] if codes_ else "" for codes_ in geo.postcodes],
            "DEPCOM": codes,
            "DEP": deps[dep_index],
            "REG": regs[dep_index],
            "LIBCOM": [x.upper() for x in labels],
            "EPCI": geo.epci_siren[geo.zones["epci"][home]],
            "UU2020": geo.zones["uu"][home],
            "BV2022": geo.code[geo.zones["bv"][home]],
            "AAV2020": geo.zones["aav"][home],
            "DENS3": geo.zones["dens3"][home],
            "DENS7": geo.zones["dens7"][home],
            "QUALI_IRIS": np.where(split, "1", "_Z"),
            "IRISEE": np.where(split, "1", "0"),
            "EPSG": epsg[dep_index],
            "n_iris": np.where(split, np.maximum(2, np.rint(pmun / 2500)), 0).astype(np.int64),
        }
    )


def _edition_facilities(world: World, edition: int) -> pd.DataFrame:
    """The facilities of an edition, in file order (commune, type, facility), with the
    per-row fields the SQL needs."""
    geo = world.geo
    table = world.facilities.table
    index = EDITIONS.index(edition)
    present = (table["birth"].to_numpy() <= index) & (table["death"].to_numpy() >= index)
    codes = np.array([s.code(edition) or "" for s in series()], dtype=object)
    present &= codes[table["series"].to_numpy()] != ""
    rows = table[present].copy()
    # file order: commune code, type code, facility (ranks of the codes: integer sorts)
    _, place_rank = np.unique(geo.place_codes(edition), return_inverse=True)
    _, series_rank = np.unique(codes, return_inverse=True)
    order = np.lexsort(
        (
            rows["id"].to_numpy(),
            series_rank[rows["series"].to_numpy()],
            place_rank[rows["place"].to_numpy()],
        )
    )
    rows = rows.iloc[order].reset_index(drop=True)
    rows["key"] = rows["series"] * VARIANTS + rows["variant"]
    return rows


def _register(
    world: World,
    edition: int,
    columns: tuple[str, ...],
    segments: dict[str, list[str]] | None = None,
) -> None:
    con = world.con
    con.register("bpe_rows", _edition_facilities(world, edition))
    con.register("bpe_types", _add_segments(_type_values(edition, columns), segments or {}))
    con.register("bpe_places", _add_segments(_place_values(world.geo, edition), segments or {}))
    streets = pd.DataFrame(_STREETS, columns=["TYPVOIE", "LIBVOIE"]).reset_index(names="street")
    con.register("bpe_streets", streets)


def _unregister(world: World) -> None:
    for name in ("bpe_rows", "bpe_types", "bpe_places", "bpe_streets"):
        world.con.unregister(name)


_QUALITY = ("B", "A", "M", "_Z")
_GEOLOC = ("11", "12", "33", "_Z")
_PRECISION = ("< 100", "[100 - 500[", ">= 500", "_Z")


def _row_expression(column: str, edition: int) -> str:
    """SQL of one per-facility column, raw value (NULL for a missing number)."""
    located = "f.quality < 3"
    expressions = {
        "AN": f"'{edition}'",
        "NUMVOIE": "case when f.numero > 0 then f.numero::varchar else '' end",
        "TYPVOIE": "s.TYPVOIE",
        "LIBVOIE": "s.LIBVOIE",
        "SIRET": "case when f.siret then '99' || lpad(f.id::varchar, 12, '0') else '' end",
        "STATUT_DIFFUSION": "case when f.siret then 'O' else '_Z' end",
        "LAMBERT_X": f"case when {located} then f.lx end",
        "LAMBERT_Y": f"case when {located} then f.ly end",
        "LONGITUDE": f"case when {located} then f.lon end",
        "LATITUDE": f"case when {located} then f.lat end",
        "QUALITE_XY": f"[{', '.join(sql_text(q) for q in _QUALITY)}][f.quality + 1]",
        "QUALITE_GEOLOC": f"[{', '.join(sql_text(q) for q in _GEOLOC)}][f.quality + 1]",
        "TR_DIST_PRECISION": f"[{', '.join(sql_text(q) for q in _PRECISION)}][f.quality + 1]",
        "DCIRIS": (
            "p.DEPCOM || case when p.n_iris = 0 then '0000' else "
            "lpad((1 + floor(f.iris_u * p.n_iris)::integer // 99)::varchar, 2, '0') || "
            "lpad((1 + floor(f.iris_u * p.n_iris)::integer % 99)::varchar, 2, '0') end"
        ),
    }
    return expressions[column]


def _quoted(value: object, numeric: bool) -> str:
    """A value as the current-format CSV writes it: text quoted, a number bare, NULL empty."""
    if numeric:
        return "" if value is None or pd.isna(value) else str(int(value))  # type: ignore[arg-type]
    return f'"{value}"'


def _text_line(columns: tuple[str, ...], edition: int) -> tuple[str, dict[str, list[str]]]:
    """SQL building the CSV line of the current format (every text quoted, numbers bare), and
    the segments it reads: each run of consecutive type-level (or commune-level) columns is
    rendered once per type (or commune) into one text column, `seg_<n>`, so a row is a concat
    of about 25 pieces instead of 95."""
    pieces: list[str] = []
    segments: dict[str, list[str]] = {}
    literal = ""
    run: list[str] = []
    run_kind = ""

    def flush_literal() -> None:
        nonlocal literal
        if literal:
            pieces.append(sql_text(literal))
            literal = ""

    def flush_run() -> None:
        nonlocal run, run_kind
        if run:
            name = f"seg_{len(segments)}"
            segments[name] = run
            pieces.append(f"{'t' if run_kind == 'type' else 'p'}.{name}")
            run, run_kind = [], ""

    for position, column in enumerate(columns):
        sep = ";" if position else ""
        kind = "type" if column in TYPE_COLUMNS else ("place" if column in PLACE_COLUMNS else "")
        if kind and kind == run_kind:
            run.append(column)
            continue
        flush_run()
        if column in CONSTANTS:
            literal += f'{sep}"{CONSTANTS[column]}"'
            continue
        literal += sep
        flush_literal()
        if kind:
            run, run_kind = [column], kind
            continue
        value = _row_expression(column, edition)
        if column in ("LONGITUDE", "LATITUDE"):
            pieces.append(f"coalesce(rtrim(rtrim(format('{{:.5f}}', {value}), '0'), '.'), '')")
        elif column in NUMERIC_COLUMNS:
            pieces.append(f"coalesce(({value})::varchar, '')")
        else:
            pieces.append(f"'\"' || {value} || '\"'")
    flush_run()
    flush_literal()
    return "concat(" + ", ".join(pieces) + ")", segments


def _add_segments(frame: pd.DataFrame, segments: dict[str, list[str]]) -> pd.DataFrame:
    """Render the segments whose columns `frame` holds (one `;`-joined text per row)."""
    for name, columns in segments.items():
        if all(c in frame for c in columns):
            rendered = [
                [_quoted(v, c in NUMERIC_COLUMNS) for v in frame[c].tolist()] for c in columns
            ]
            frame[name] = [";".join(parts) for parts in zip(*rendered, strict=True)]
    return frame


_FROM = """
    from bpe_rows as f
    join bpe_types as t using (key)
    join bpe_places as p using (place)
    join bpe_streets as s using (street)
"""


def _current_csv(world: World, edition: int, columns: tuple[str, ...], target: Path) -> None:
    line, segments = _text_line(columns, edition)
    _register(world, edition, columns, segments)
    member = f"BPE{edition % 100}.csv"
    data = world.scratch_file(member)
    header = ";".join(f'"{c}"' for c in columns)
    copy_lines(world.con, f"select {line} as line {_FROM}", data, header=header)
    _unregister(world)

    def package() -> None:
        zip_files(target, [(member, data)])
        data.unlink()

    world.defer(target, package)


def _parquet(world: World, target: Path) -> None:
    """BPE25.parquet: text columns, INTEGER counts and metres, DOUBLE degrees (the sample's
    types)."""
    columns = COLUMNS_2025
    _register(world, 2025, columns)
    selects = []
    for column in columns:
        if column in CONSTANTS:
            value = sql_text(CONSTANTS[column])
        elif column in TYPE_COLUMNS:
            value = f't."{column}"'
        elif column in PLACE_COLUMNS:
            value = f'p."{column}"'
        else:
            value = _row_expression(column, 2025)
        selects.append(f'cast({value} as {sql_type(column)}) as "{column}"')
    query = f"select {', '.join(selects)} {_FROM}"
    world.con.execute(f"copy ({query}) to {sql_text(str(target))} (format parquet)")
    _unregister(world)


_QUALITE_2021 = ("Bonne", "Acceptable", "Mauvaise", "Bonne")


def _old_format(world: World, target: Path) -> None:
    """bpe21_ensemble_xy_csv.zip: the 24-column old format and its varmod file."""
    columns = COLUMNS_2021
    _register(world, 2021, COLUMNS_2025)
    expressions = {
        "AAV2020": "p.AAV2020", "AN": "'2021'", "BV2012": "p.BV2022", "DEP": "p.DEP",
        "DEPCOM": "p.DEPCOM", "DOM": "t.DOM", "EPCI": "p.EPCI",
        "DCIRIS": (
            "p.DEPCOM || case when p.n_iris = 0 then '' else '_' || "
            "lpad((1 + floor(f.iris_u * p.n_iris)::integer // 99)::varchar, 2, '0') || "
            "lpad((1 + floor(f.iris_u * p.n_iris)::integer % 99)::varchar, 2, '0') end"
        ),
        "LAMBERT_X": "f.lx::varchar", "LAMBERT_Y": "f.ly::varchar", "QP": "'CSZ'",
        "QUALI_IRIS": "p.QUALI_IRIS", "QUALI_QP": "'_Z'", "QUALI_QVA": "'_Z'",
        "QUALI_ZFU": "'_Z'", "QUALI_ZUS": "'_Z'",
        "QUALITE_XY": f"[{', '.join(sql_text(q) for q in _QUALITE_2021)}][f.quality + 1]",
        "QVA": "'CSZ'", "REG": "p.REG", "SDOM": "t.SDOM", "TYPEQU": "t.TYPEQU",
        "UU2020": "p.UU2020", "ZFU": "'CSZ'", "ZUS": "'CSZ'",
    }  # fmt: skip
    line = "concat(" + ", ';', ".join(expressions[c] for c in columns) + ")"
    data = world.scratch_file("bpe21_ensemble_xy.csv")
    header = ";".join(columns)
    copy_lines(world.con, f"select {line} as line {_FROM}", data, header=header, crlf=True)
    codes = sorted(
        {r[0] for r in world.con.execute("select distinct t.TYPEQU from bpe_types as t").fetchall()}
    )
    _unregister(world)
    varmod = csv_bytes(
        ["VARIABLE", "MODALITE", "MODLIBELLE"],
        _varmod_2021(world.geo, codes),
        separator=";",
        crlf=True,
        encoding="latin-1",
    )

    def package() -> None:
        zip_files(
            target, [("bpe21_ensemble_xy.csv", data), ("varmod_bpe21_ensemble_xy.csv", varmod)]
        )
        data.unlink()

    world.defer(target, package)


def _sentence(label: str) -> str:
    text = label[0] + label[1:].lower() if label.isupper() else label
    return text.replace("’", "'")


def _varmod_2021(geo: Geography, codes: list[str]) -> list[list[object]]:
    seed = SEEDS.typequ
    rows: list[list[object]] = [
        ["AN", "2021", "Année de la base"],
        ["DCIRIS", "", "Département, Commune et IRIS d'implantation de l'équipement"],
    ]
    rows += [["DEP", d.code, d.name] for d in sorted(geo.departements, key=lambda d: d.code)]
    rows.append(["DEPCOM", "", "Département et Commune d'implantation de l'équipement"])
    for dom in sorted({c[0] for c in codes}):
        first = next(c for c in codes if c[0] == dom)
        rows.append(["DOM", dom, _sentence(seed[first]["libelle_dom"])])
    for label, value in zip(_QUALITE_2021[:3], "BAM", strict=True):
        rows.append(
            ["QUALITE_XY", label, f"Qualité de la géolocalisation : {label.lower()} ({value})"]
        )
    for sdom in sorted({c[:2] for c in codes}):
        first = next(c for c in codes if c[:2] == sdom)
        rows.append(["SDOM", sdom, _sentence(seed[first]["libelle_sdom"])])
    rows += [["TYPEQU", c, _sentence(seed[c]["libelle"])] for c in codes]
    return [[v.encode("latin-1", "replace").decode("latin-1") for v in r] for r in rows]


def bpe(world: World, millesime: int, target: Path) -> None:
    """The detailed BPE file of an edition, packaged as INSEE publishes it."""
    if millesime == 2025:
        _parquet(world, target)
    elif millesime == 2024:
        _current_csv(world, 2024, COLUMNS_2024, target)
    elif millesime == 2023:
        _current_csv(world, 2023, COLUMNS_2023, target)
    elif millesime == 2021:
        _old_format(world, target)
    else:
        raise ValueError(f"no BPE layout for millésime {millesime}")


# --- nomenclature and gammes ----------------------------------------------------------------


def codes_of_edition(edition: int) -> list[str]:
    return sorted({s.code(edition) for s in series() if s.code(edition)})  # type: ignore[type-var]


def bpe_nomenclature(world: World, millesime: int, target: Path) -> None:
    """`TYPEQU_2025.csv`: every code the seeds give the edition and every code its BPE uses."""
    target.write_bytes(SEEDS.nomenclature_csv(millesime, codes_of_edition(millesime)))


INTERMEDIAIRE_MAX, SUPERIEURE_MAX = 36, 47
"""About the sizes of INSEE's gammes intermédiaire and supérieure."""


def gammes_rows(millesime: int) -> list[list[object]]:
    """The seed's 26 regroupements of the gamme de proximité (multi-type ones coded AR01,
    BR01... as the sample does), then types of the edition by decreasing national rate:
    frequent ones intermédiaire, rarer ones supérieure, the rest hors gamme, each type its own
    regroupement."""
    seed = SEEDS.typequ
    entries = SEEDS.proximite_entries()
    taken = {code for _, _, code, _ in entries}
    others = sorted(
        (s for s in series() if s.code(millesime) and s.code(millesime) not in taken),
        key=lambda s: (-s.rate, s.code(millesime)),
    )
    seen: set[str] = set()
    ranked = []
    for s in others:
        code = s.code(millesime)
        if code and code not in seen and code in seed:
            seen.add(code)
            ranked.append((code, s.rate))
    intermediaire = [c for c, rate in ranked if rate >= 8][:INTERMEDIAIRE_MAX]
    superieure = [c for c, _ in ranked if c not in intermediaire][:SUPERIEURE_MAX]
    for code, _ in ranked:
        gamme = (
            "intermediaire"
            if code in intermediaire
            else ("superieure" if code in superieure else "hors")
        )
        entries.append((code, seed[code]["libelle"].lower(), code, gamme))
    return SEEDS.gamme_rows(entries)


def bpe_gammes(world: World, millesime: int, target: Path) -> None:
    """`BPE_gammes_equipements_YYYY.xlsx`: one sheet, three title rows, then the header."""
    xlsx.write(target, [gammes_sheet(millesime, gammes_rows(millesime))])
