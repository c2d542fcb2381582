"""COG files, populations de référence and census age files of the synthetic France.

Formats are the bundled sample's (observatory/sample/territoires.py and zonages.py, which follow
../shared/reference/formats.md): COG files comma-separated with every field quoted; COMD rows
with no région/département; `ensemble.zip` holding `donnees_communes.csv` (`;`, CRLF, the
2019-2020 header where COM is the name, the 2021+ header where COM is the code, arrondissements
instead of Paris/Lyon/Marseille, no Mayotte) and `donnees_departements.csv`; the census IRIS file
(`;`, latin-1, CRLF, weighted decimals, upper-case `.CSV`) with its dictionary. Here rows are
built from the geography's arrays; headers and dictionaries are observatory.formats's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.synthetic.files import copy_lines
from bench.synthetic.geography import Geography, rng_for
from bench.synthetic.reference import REGIONS
from bench.synthetic.world import World
from observatory.formats.archive import zip_files
from observatory.formats.census import census_dictionary_csv, census_header
from observatory.formats.delimited import csv_bytes
from observatory.formats.names import cog_names, libelle

COG_COMMUNES_HEADER = [
    "TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR", "LIBELLE", "CAN",
    "COMPARENT",
]  # fmt: skip
MOUVEMENTS_HEADER = [
    "MOD", "DATE_EFF", "TYPECOM_AV", "COM_AV", "TNCC_AV", "NCC_AV", "NCCENR_AV", "LIBELLE_AV",
    "TYPECOM_AP", "COM_AP", "TNCC_AP", "NCC_AP", "NCCENR_AP", "LIBELLE_AP",
]  # fmt: skip
NO_POPULATION_FILES = ("976",)
"""Mayotte is absent from the populations de référence and from the census IRIS files."""


def ctcd(geo: Geography) -> np.ndarray:
    """Collectivité ayant les compétences départementales of each base commune."""
    deps = geo.dep_codes()
    values = np.array([f"{d}D" for d in deps], dtype=object)
    values[np.isin(deps, ["2A", "2B"])] = "20R"
    values[np.isin(deps, ["972", "973"])] = [f"{d}R" for d in deps[np.isin(deps, ["972", "973"])]]
    values[deps == "75"] = "75C"
    lyon = geo.epci_nature[geo.zones["epci"]] == "MET69"
    values[lyon] = "69M"
    return values


def cog_communes(world: World, year: int, target: Path) -> None:
    geo = world.geo
    alive = geo.alive(year)
    names = geo.names(year)
    deps, regs, ctcds = geo.dep_codes(), geo.region_codes(), ctcd(geo)
    rows = []
    for i in np.flatnonzero(alive):
        tncc = geo.tncc[i]
        rows.append(
            (
                (geo.code[i], 0),
                [
                    "COM", geo.code[i], regs[i], deps[i], ctcds[i], geo.zones["arr"][i], tncc,
                    *cog_names(names[i], tncc), geo.zones["canton"][i], "",
                ],
            )
        )  # fmt: skip
    for k, code in enumerate(geo.arm_code):
        city = geo.arm_parent[k]
        rows.append(
            (
                (code, 2),
                [
                    "ARM", code, regs[city], deps[city], ctcds[city], geo.zones["arr"][city], "0",
                    *cog_names(geo.arm_name[k], "0"), geo.zones["canton"][city], geo.code[city],
                ],
            )
        )  # fmt: skip
    for code, tncc, name, parent in geo.delegated(year):
        rows.append(
            ((code, 1), ["COMD", code, "", "", "", "", tncc, *cog_names(name, tncc), "", parent])
        )
    rows.sort(key=lambda r: r[0])
    target.write_bytes(
        csv_bytes(COG_COMMUNES_HEADER, [r for _, r in rows], separator=",", quote_all=True)
    )


def cog_departements(world: World, year: int, target: Path) -> None:
    geo = world.geo
    chefs, _ = geo.chef_lieu(year)
    rows = [
        [d.code, d.region, chefs.get(d.code, ""), d.tncc, *cog_names(d.name, d.tncc)]
        for d in geo.departements
    ]
    header = ["DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"]
    target.write_bytes(csv_bytes(header, rows, separator=",", quote_all=True))


def cog_regions(world: World, year: int, target: Path) -> None:
    geo = world.geo
    _, chefs = geo.chef_lieu(year)
    rows = []
    for code in geo.regions():
        tncc, name = REGIONS[code]
        rows.append([code, chefs.get(code, ""), tncc, *cog_names(name, tncc)])
    header = ["REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"]
    target.write_bytes(csv_bytes(header, rows, separator=",", quote_all=True))


def cog_mouvements(world: World, year: int, target: Path) -> None:
    """Every movement effective on or before 1 January of `year` (sample conventions: each
    member of a merger, the surviving commune included, has a row towards the new commune, and
    for a commune nouvelle a row towards its own commune déléguée)."""
    geo = world.geo
    rows = []

    def movement(mod: str, date: str, before: tuple, after: tuple) -> list[str]:
        (type_av, code_av, tncc_av, name_av), (type_ap, code_ap, tncc_ap, name_ap) = before, after
        return [
            mod, date, type_av, code_av, tncc_av, *cog_names(name_av, tncc_av), type_ap, code_ap,
            tncc_ap, *cog_names(name_ap, tncc_ap),
        ]  # fmt: skip

    for event_year, into, ghosts, mod in geo.ghost_events:
        if event_year > year:
            continue
        date = f"{event_year}-01-01"
        new = ("COM", geo.code[into], geo.tncc[into], geo.name[into])
        members = [new] + [
            ("COM", geo.ghost_code[g], geo.ghost_tncc[g], geo.ghost_name[g]) for g in ghosts
        ]
        for old in members:
            rows.append(movement(mod, date, old, new))
            if mod == "32":
                rows.append(movement(mod, date, old, ("COMD", *old[1:])))
    for event in geo.events:
        if event.year > year:
            continue
        date = f"{event.year}-01-01"
        before = geo.names(event.year - 1)
        new_name = event.new_name or before[event.into]
        new = ("COM", geo.code[event.into], geo.tncc[event.into], new_name)
        for member in (event.into, *event.absorbed):
            old = ("COM", geo.code[member], geo.tncc[member], before[member])
            rows.append(movement(event.mod, date, old, new))
            if event.mod == "32":
                rows.append(movement(event.mod, date, old, ("COMD", *old[1:])))
    rows.sort(key=lambda r: (r[1], r[3], r[8], r[9]), reverse=True)
    target.write_bytes(csv_bytes(MOUVEMENTS_HEADER, rows, separator=",", quote_all=True))


# --- populations de référence -------------------------------------------------------------------


def _population_rows(geo: Geography, millesime: int) -> list[tuple]:
    """(base index or ARM index, is_arm, name, PMUN, PCAP) in the COG of millésime + 2."""
    year = millesime + 2
    pmun, pcap = geo.commune_totals(millesime, year)
    names = geo.names(year)
    deps = geo.dep_codes()
    rows = []
    for i in np.flatnonzero(geo.alive(year) & ~geo.is_city):
        if deps[i] not in NO_POPULATION_FILES:
            rows.append((geo.code[i], i, False, libelle(names[i], geo.tncc[i]), pmun[i], pcap[i]))
    arm_pmun, arm_pcap = geo.arm_pmun(millesime), geo.arm_pcap(millesime)
    for k, code in enumerate(geo.arm_code):
        rows.append((code, k, True, geo.arm_name[k], arm_pmun[k], arm_pcap[k]))
    rows.sort(key=lambda r: r[0])
    return rows


def populations_reference(world: World, millesime: int, target: Path) -> None:
    """`ensemble.zip`: donnees_communes.csv and donnees_departements.csv of one millésime."""
    geo = world.geo
    old_layout = millesime <= 2020
    deps, regs = geo.dep_codes(), geo.region_codes()
    dep_names = {d.code: d.name for d in geo.departements}
    communes, stats = [], {}
    for code, index, is_arm, name, pmun, pcap in _population_rows(geo, millesime):
        commune = geo.arm_parent[index] if is_arm else index
        dep, region = deps[commune], regs[commune]
        arr = geo.zones["arr"][commune]
        canton = geo.zones["canton"][commune]
        codarr = str(int(arr[len(dep) :]))
        codcan = ("NA" if old_layout else "") if is_arm else canton[len(dep) :][-2:]
        head = [region, REGIONS[region][1], dep, codarr, codcan, code[-3:]]
        if old_layout:
            communes.append([*head, name, pmun, pcap, pmun + pcap])
        else:
            communes.append([*head, code, name, pmun, pcap, pmun + pcap])
        entry = stats.setdefault(
            dep, {"reg": region, "arr": set(), "can": set(), "com": set(), "pmun": 0, "ptot": 0}
        )
        entry["arr"].add(arr)
        entry["can"].add(canton)
        entry["com"].add(geo.code[commune])
        entry["pmun"] += int(pmun)
        entry["ptot"] += int(pmun + pcap)
    if old_layout:
        header = [
            "CODREG", "REG", "CODDEP", "CODARR", "CODCAN", "CODCOM", "COM", "PMUN", "PCAP", "PTOT",
        ]  # fmt: skip
        dep_header = ["CODREG", "REG", "CODDEP", "DEP", "NBARR", "NBCAN", "NBCOM", "PMUN", "PTOT"]
    else:
        header = [
            "REG", "Région", "DEP", "CODARR", "CODCAN", "CODCOM", "COM", "Commune", "PMUN",
            "PCAP", "PTOT",
        ]  # fmt: skip
        dep_header = [
            "REG", "Région", "DEP", "Département", "NBARR", "NBCAN", "NBCOM", "PMUN", "PTOT",
        ]  # fmt: skip
    departements = [
        [
            s["reg"], REGIONS[s["reg"]][1], dep, dep_names[dep], len(s["arr"]), len(s["can"]),
            len(s["com"]), s["pmun"], s["ptot"],
        ]
        for dep, s in sorted(stats.items())
    ]  # fmt: skip
    zip_files(
        target,
        [
            ("donnees_communes.csv", csv_bytes(header, communes, separator=";", crlf=True)),
            (
                "donnees_departements.csv",
                csv_bytes(dep_header, departements, separator=";", crlf=True),
            ),
        ],
    )


# --- census: base-ic-evol-struct-pop ------------------------------------------------------------

_BANDS = 6
_MALE_SHARE = np.array([0.512, 0.503, 0.494, 0.492, 0.478, 0.392])
_CS_MALE_SHARE = np.array([0.71, 0.72, 0.56, 0.49, 0.24, 0.79, 0.46, 0.42])
IRIS_SPLIT_FROM = 10_000
"""Communes of 10,000 inhabitants or more are split into IRIS of about 2,500."""


def _irises(geo: Geography, millesime: int) -> pd.DataFrame:
    """One row per IRIS of the COG of millésime + 2: code, commune, type, label, population,
    urban flag."""
    year = millesime + 2
    pmun, _ = geo.commune_totals(millesime, year)
    deps = geo.dep_codes()
    rng = rng_for(geo.seed, f"iris-{year}")
    codes, communes, pops, urban = [], [], [], []
    places = [(geo.code[i], float(pmun[i])) for i in np.flatnonzero(geo.alive(year) & ~geo.is_city)]
    dep_of = dict(zip(geo.code, deps, strict=True))
    places = [(c, p) for c, p in places if dep_of[c] not in NO_POPULATION_FILES]
    places += list(zip(geo.arm_code, geo.arm_pmun(millesime).astype(float), strict=True))
    places.sort()
    for code, pop in places:
        count = 1 if pop < IRIS_SPLIT_FROM else max(2, round(pop / 2500))
        if count == 1:
            codes.append(f"{code}0000")
            communes.append(code)
            pops.append(pop)
            urban.append(False)
            continue
        shares = rng.dirichlet(np.full(count, 8.0))
        for k in range(count):
            codes.append(f"{code}{1 + k // 99:02d}{1 + k % 99:02d}")
            communes.append(code)
            pops.append(pop * shares[k])
            urban.append(True)
    return pd.DataFrame({"iris": codes, "com": communes, "pop": pops, "urban": urban})


def _census_values(geo: Geography, irises: pd.DataFrame, millesime: int) -> np.ndarray:
    """The 72 numeric columns of census_header (after IRIS;COM;TYP_IRIS;LAB_IRIS), vectorised
    from the sample's per-IRIS formulas (observatory.sample.zonages)."""
    n = len(irises)
    urban = irises["urban"].to_numpy()
    pop = irises["pop"].to_numpy()
    # an IRIS keeps its age structure from one census to the next (drawn from a hash of its
    # code), nudged a little each census
    hashes = pd.util.hash_pandas_object(
        irises["iris"], index=False, hash_key=f"{geo.seed:016d}"[-16:]
    ).to_numpy()
    u = np.column_stack(
        [((hashes >> np.uint64(10 * k)) & np.uint64(1023)) / 1023 for k in range(6)]
    )
    drift = rng_for(geo.seed, f"ages-{millesime}").uniform(-0.01, 0.01, (n, 6))
    old = np.where(urban, 0.062 + 0.023 * u[:, 5], 0.105 + 0.07 * u[:, 5]) + drift[:, 5] / 5
    low_u = np.array([0.16, 0.19, 0.21, 0.18, 0.14])
    high_u = np.array([0.19, 0.24, 0.25, 0.21, 0.17])
    low_r = np.array([0.14, 0.12, 0.15, 0.20, 0.20])
    high_r = np.array([0.18, 0.15, 0.19, 0.23, 0.25])
    low = np.where(urban[:, None], low_u, low_r)
    high = np.where(urban[:, None], high_u, high_r)
    weights = (low + (high - low) * u[:, :5]) * (1 + drift[:, :5])
    shares = np.column_stack([weights * ((1 - old) / weights.sum(axis=1))[:, None], old])
    bands = pop[:, None] * shares
    bands[:, 5] = pop - bands[:, :5].sum(axis=1)
    b0014, b1529, b3044, b4559, b6074, b75p = bands.T
    fine = np.column_stack(
        [
            b0014 * 3 / 15, b0014 * 3 / 15, b0014 * 5 / 15, b0014 * 4 / 15 + b1529 * 3 / 15,
            b1529 * 7 / 15, b1529 * 5 / 15 + b3044 * 10 / 15, b3044 * 5 / 15 + b4559 * 10 / 15,
            b4559 * 5 / 15 + b6074 * 5 / 15, b6074 * 10 / 15 + b75p * 0.35, b75p * 0.65,
        ]
    )  # fmt: skip

    def broad(v: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [
                v[:, 0] + v[:, 1] * 5 / 15,
                v[:, 1] * 10 / 15 + v[:, 2] + v[:, 3] + v[:, 4] * 5 / 15,
                v[:, 4] * 10 / 15 + v[:, 5],
            ]
        )

    rng = rng_for(geo.seed, f"census-{millesime}")
    men = bands * (_MALE_SHARE + rng.uniform(-0.01, 0.01, (n, 6)))
    women = bands - men
    adults = pop - b0014
    cs_low = np.array([0.015, 0.025, 0.04, 0.14, 0.14, 0.12, 0.28, 0.12])
    cs_high = np.array([0.04, 0.04, 0.08, 0.18, 0.17, 0.16, 0.36, 0.16])
    cs_low_u = np.array([0.002, 0.025, 0.12, 0.14, 0.14, 0.08, 0.20, 0.12])
    cs_high_u = np.array([0.004, 0.04, 0.18, 0.18, 0.17, 0.11, 0.25, 0.16])
    lo = np.where(urban[:, None], cs_low_u, cs_low)
    hi = np.where(urban[:, None], cs_high_u, cs_high)
    cs = lo + (hi - lo) * rng.random((n, 8))
    pop_cs = adults[:, None] * cs / cs.sum(axis=1)[:, None]
    men_cs = pop_cs * _CS_MALE_SHARE
    women_cs = pop_cs - men_cs
    foreign = pop * np.where(urban, rng.uniform(0.05, 0.09, n), rng.uniform(0.01, 0.04, n))
    immigrant = foreign * rng.uniform(1.3, 1.7, n)
    outside = np.where(urban, pop * rng.uniform(0.01, 0.025, n), 0.0)
    return np.column_stack(
        [
            pop, fine, bands, broad(bands),
            men.sum(axis=1), men, broad(men),
            women.sum(axis=1), women, broad(women),
            pop_cs.sum(axis=1), pop_cs, men_cs.sum(axis=1), men_cs, women_cs.sum(axis=1), women_cs,
            pop - foreign, foreign, immigrant, pop - outside, outside,
        ]
    )  # fmt: skip


def population_ages(world: World, millesime: int, target: Path) -> None:
    """`base-ic-evol-struct-pop-YYYY_csv.zip`: the IRIS file (codes of COG YYYY + 2) and its
    dictionary."""
    geo = world.geo
    irises = _irises(geo, millesime)
    values = _census_values(geo, irises, millesime)
    header = census_header(millesime)
    numeric = header[4:]
    if values.shape[1] != len(numeric):
        raise AssertionError(f"census: {values.shape[1]} values for {len(numeric)} columns")
    frame = pd.DataFrame(values, columns=[f"v{i}" for i in range(len(numeric))])
    frame.insert(0, "iris", irises["iris"])
    frame.insert(1, "com", irises["com"])
    frame.insert(2, "typ", np.where(irises["urban"], "H", "Z"))
    frame.insert(3, "lab", np.where(irises["urban"], "1", "5"))
    world.con.register("census", frame)
    decimals = ", ';', ".join(
        f"case when v{i} = 0 then '0' else printf('%.15g', v{i}) end" for i in range(len(numeric))
    )
    name = f"base-ic-evol-struct-pop-{millesime}"
    data = world.scratch_file(f"{name}.CSV")
    copy_lines(
        world.con,
        f"select concat(iris, ';', com, ';', typ, ';', lab, ';', {decimals}) as line from census",
        data,
        header=";".join(header),
        crlf=True,
    )
    world.con.unregister("census")
    meta = census_dictionary_csv(header, millesime)

    def package() -> None:
        zip_files(target, [(f"{name}.CSV", data), (f"meta_{name}.CSV", meta)])
        data.unlink()

    world.defer(target, package)
