"""Supra-communal zonings of the synthetic France, drawn around its largest communes.

Each zoning of a département groups every commune with the nearest of its k largest communes
(k from the real number of zones per commune: an EPCI holds ~28 communes, a bassin de vie ~20,
a canton ~17, an arrondissement ~100, a zone d'emploi ~115, a postcode ~5), so zones are
compact, nested in their département, and centred on towns, as real ones are. The cities'
arrondissements municipaux share their city's zones.
"""

from __future__ import annotations

import numpy as np

from bench.synthetic.geography import Geography, rng_for
from bench.synthetic.reference import CITIES, OVERSEAS
from observatory.formats.names import libelle
from observatory.formats.siren import siren

_UU_CITIES = {"75": "00851", "69": "00760", "13": "00759"}


def with_de(libelle: str) -> str:
    """`de` + a commune's name with its article, contracted as French does (du, des, d')."""
    if libelle.startswith("Le "):
        return "du " + libelle[3:]
    if libelle.startswith("Les "):
        return "des " + libelle[4:]
    if libelle[:1] in "AEIOUÉÈÊÎÔ":
        return "d'" + libelle
    return "de " + libelle


def _cluster(geo: Geography, members: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Index (into `members`) of the seed each member joins: seeds are the k heaviest members."""
    k = max(1, min(k, len(members)))
    seeds = members[np.argsort(-weight[members], kind="stable")[:k]]
    coslat = np.cos(np.radians(geo.lat[members].mean()))
    d2 = (geo.lat[members, None] - geo.lat[None, seeds]) ** 2 + (
        (geo.lon[members, None] - geo.lon[None, seeds]) * coslat
    ) ** 2
    nearest = np.argmin(d2, axis=1)
    return seeds[nearest]


def assign(geo: Geography) -> None:
    """Every zoning of every base commune, in `geo.zones`, and the EPCI table."""
    weight = geo.base_pop.astype(float).copy()
    weight += np.bincount(geo.arm_parent, geo.arm_base_pop, minlength=geo.n)
    weight += geo.is_city * 1e9  # a city heads every zone it is in
    n = geo.n
    zones = {
        key: np.empty(n, dtype=object)
        for key in ("arr", "canton", "ze", "uu", "aav", "dens3", "dens7")
    }
    epci = np.zeros(n, dtype=np.int64)
    bv = np.zeros(n, dtype=np.int64)
    flags = {key: np.zeros(n, dtype=bool) for key in ("epci_seat", "bv_pole", "chef_lieu")}
    sirens, epci_names, natures, modes, epci_deps = [], [], [], [], []
    rng = rng_for(geo.seed, "zonings")
    ze_per_region: dict[str, int] = {}
    libelles = [libelle(nm, t) for nm, t in zip(geo.name, geo.tncc, strict=True)]
    for index, dep in enumerate(geo.departements):
        members = np.flatnonzero(geo.dep == index)
        count = len(members)
        top = members[np.argmax(weight[members])]
        flags["chef_lieu"][top] = True
        # EPCI
        seats = _cluster(geo, members, weight, round(count / 28))
        for seat in np.unique(seats):
            group = members[seats == seat]
            number = len(sirens)
            epci[group] = number
            flags["epci_seat"][seat] = True
            population = weight[group].sum() - 1e9 * geo.is_city[group].sum()
            if geo.is_city[seat]:
                nature = "MET69" if dep.code == "69" else "METRO"
            elif population >= 400_000:
                nature = "METRO"
            elif population >= 250_000:
                nature = "CU"
            elif population >= 50_000:
                nature = "CA"
            else:
                nature = "CC"
            prefix = {"CC": "CC", "CA": "CA", "CU": "CU"}.get(nature, "Métropole")
            name = f"{prefix} {with_de(libelles[seat])}"
            if nature == "CC" and rng.random() < 0.4:
                name = f"CC du Pays {with_de(libelles[seat])}"
            sirens.append(siren(f"200{number:05d}"))
            epci_names.append(name)
            natures.append(nature)
            modes.append("FA" if nature == "CC" and rng.random() < 0.3 else "FPU")
            epci_deps.append(index)
        # bassins de vie
        poles = _cluster(geo, members, weight, round(count / 20))
        bv[members] = poles
        flags["bv_pole"][np.unique(poles)] = True
        # arrondissements and cantons, numbered by the code of their seat
        for key, per, limit in (("arr", 100, 9), ("canton", 17, 98)):
            seeds = _cluster(geo, members, weight, min(limit, round(count / per)))
            order = sorted(np.unique(seeds), key=lambda s: geo.code[s])
            for number, seed in enumerate(order, start=1):
                digits = f"{number}" if key == "arr" else f"{number:02d}"
                zones[key][members[seeds == seed]] = f"{dep.code}{digits}"
        if dep.code in CITIES:
            city = members[geo.is_city[members]]
            zones["canton"][city] = f"{dep.code}99"
        # zones d'emploi, numbered within the région
        seeds = _cluster(geo, members, weight, round(count / 115))
        for seed in sorted(np.unique(seeds), key=lambda s: geo.code[s]):
            ze_per_region[dep.region] = ze_per_region.get(dep.region, 0) + 1
            zones["ze"][members[seeds == seed]] = f"{dep.region}{ze_per_region[dep.region]:02d}"
        # unités urbaines: towns of 2,000+ and their close neighbours
        letter = OVERSEAS[dep.code][0] if dep.overseas else dep.code[:2]
        rural = f"{letter}000"
        zones["uu"][members] = rural
        towns = members[weight[members] >= 2000]
        if len(towns):
            heads = _cluster(geo, members, weight, len(towns))
            coslat = np.cos(np.radians(dep.lat))
            close = (geo.lat[members] - geo.lat[heads]) ** 2 + (
                (geo.lon[members] - geo.lon[heads]) * coslat
            ) ** 2 < 0.04**2
            for number, head in enumerate(sorted(towns, key=lambda t: geo.code[t]), start=1):
                inside = members[(heads == head) & close]
                code = f"{letter}{(700 if dep.overseas else 0) + number:03d}"
                zones["uu"][inside] = _UU_CITIES.get(dep.code, code) if geo.is_city[head] else code
        # density grid, by population
        pops = weight[members]
        zones["dens3"][members] = np.where(pops >= 10_000, "1", np.where(pops >= 2000, "2", "3"))
        zones["dens7"][members] = np.select(
            [pops >= 50_000, pops >= 10_000, pops >= 5000, pops >= 2000, pops >= 500],
            ["1", "2", "3", "4", "5"],
            default=np.where(rng.random(count) < 0.6, "6", "7"),
        )
    # aires d'attraction: poles of 15,000+, members within ~30 km
    zones["aav"][:] = "000"
    poles = np.flatnonzero(weight >= 15_000)
    poles = poles[np.argsort(-weight[poles], kind="stable")]
    overseas_rank: dict[str, int] = {}
    metro_rank = 0
    codes = {}
    for pole in poles:
        dep = geo.departements[geo.dep[pole]]
        if dep.overseas:
            overseas_rank[dep.code] = overseas_rank.get(dep.code, 0) + 1
            codes[pole] = f"{OVERSEAS[dep.code][0]}{overseas_rank[dep.code] % 10}"
        else:
            metro_rank += 1
            codes[pole] = f"{metro_rank:03d}"
    for index in range(len(geo.departements)):
        inside = poles[geo.dep[poles] == index]
        if not len(inside):
            continue
        members = np.flatnonzero(geo.dep == index)
        coslat = np.cos(np.radians(geo.lat[members].mean()))
        d2 = (geo.lat[members, None] - geo.lat[None, inside]) ** 2 + (
            (geo.lon[members, None] - geo.lon[None, inside]) * coslat
        ) ** 2
        nearest = np.argmin(d2, axis=1)
        within = d2[np.arange(len(members)), nearest] < 0.27**2
        pole_code = np.array([codes[p] for p in inside], dtype=object)
        zones["aav"][members[within]] = pole_code[nearest[within]]
    geo.zones = {**zones, **flags, "epci": epci, "bv": bv}
    geo.epci_siren = np.array(sirens, dtype=object)
    geo.epci_name = epci_names
    geo.epci_nature = np.array(natures, dtype=object)
    geo.epci_mode = np.array(modes, dtype=object)
    geo.epci_dep = np.array(epci_deps, dtype=np.int64)


def assign_postcodes(geo: Geography) -> None:
    """Postcodes of every place (most serve ~5 communes, towns have their own, large ones
    several; each arrondissement municipal its own, as 75001) and a few CEDEX codes per
    département, which La Poste's base does not list."""
    rng = rng_for(geo.seed, "postcodes")
    postcodes: list[list[str]] = [[] for _ in range(geo.n_places)]
    pops = geo.place_pmun(2021).astype(float)
    cedex: dict[int, tuple[str, ...]] = {}
    for index, dep in enumerate(geo.departements):
        prefix = dep.postcode_prefix
        if dep.overseas:
            pool, cedex_pool, width = list(range(0, 90)), list(range(90, 100)), 2
        elif dep.code == "2A":
            pool, cedex_pool, width = list(range(0, 400)), list(range(900, 950)), 3
        elif dep.code == "2B":
            pool, cedex_pool, width = list(range(400, 900)), list(range(950, 1000)), 3
        else:
            pool, cedex_pool, width = list(range(0, 900)), list(range(900, 1000)), 3
        places = np.flatnonzero((geo.place_dep == index) & ~geo.is_city[geo.place_commune])
        arms = places[geo.place_is_arm[places]]
        communes = places[~geo.place_is_arm[places]]
        for arm in arms:  # 75101 -> 75001, 69381 -> 69001, 13201 -> 13001
            number = int(geo.arm_code[arm - geo.n][2:]) % 100
            postcodes[arm].append(f"{prefix}{number:0{width}d}")
            if number in pool:
                pool.remove(number)
        if not len(communes):
            cedex[index] = ()
            continue
        heads = _cluster_places(geo, communes, pops, max(1, round(len(communes) / 5)))
        groups = sorted(np.unique(heads), key=lambda h: geo.code[geo.place_commune[h]])
        extra = {int(c): int(pops[c] // 30_000) for c in communes if pops[c] >= 20_000}
        needed = len(groups) + sum(extra.values())
        numbers = sorted(rng.choice(pool, min(needed, len(pool)), replace=False))
        cursor = 0
        for head in groups:
            code = f"{prefix}{numbers[cursor % len(numbers)]:0{width}d}"
            cursor += 1
            for place in communes[heads == head]:
                postcodes[place].append(code)
        for place, count in sorted(extra.items()):
            for _ in range(count):
                postcodes[place].append(f"{prefix}{numbers[cursor % len(numbers)]:0{width}d}")
                cursor += 1
        picked = rng.choice(cedex_pool, min(3, len(cedex_pool)), replace=False)
        cedex[index] = tuple(f"{prefix}{c:0{width}d}" for c in sorted(picked))
    geo.postcodes = [tuple(dict.fromkeys(codes)) for codes in postcodes]
    geo.cedex = cedex


def _cluster_places(geo: Geography, places: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    k = max(1, min(k, len(places)))
    seeds = places[np.argsort(-weight[places], kind="stable")[:k]]
    lat, lon = geo.place_lat, geo.place_lon
    coslat = np.cos(np.radians(lat[places].mean()))
    d2 = (lat[places, None] - lat[None, seeds]) ** 2 + (
        (lon[places, None] - lon[None, seeds]) * coslat
    ) ** 2
    return seeds[np.argmin(d2, axis=1)]
