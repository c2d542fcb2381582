"""A synthetic France: communes, arrondissements municipaux, their history and their zonings.

Everything the input files describe is drawn here once, as numpy arrays, so every file of every
millésime tells the same story: a commune merged on 1 January 2025 disappears from the COG 2025,
its population is summed into its new commune in the populations de référence of millésime
2023 (COG 2025), its facilities carry the new code from the BPE 2025 on, and a movement of the
COG says so.

Shape (at scale 1, ~35,000 communes): the real départements (codes, régions, names, number of
communes, population, centre and spread of their communes) of `reference.py`; in each one,
log-normal commune populations with the chef-lieu boosted (a few towns, many villages), summing
to the département's population x scale; town halls drawn around the département's centre with
its real spread, inside metropolitan France's or the overseas territory's box. Paris, Lyon and
Marseille are split into arrondissements municipaux. History: about 3,000 communes absorbed
before 2020 (communes nouvelles of 2015-2019 leave communes déléguées in every COG) and a few
mergers on 1 January of each year 2020-2026, one of them followed by a second merger (a code to
follow transitively). Zonings (EPCI, bassins de vie, arrondissements, cantons, zones d'emploi,
unités urbaines, aires d'attraction, postcodes) group neighbouring communes around the largest
ones.

A smaller scale keeps the same structure with fewer communes per département (at least one);
below two communes per département, a subset of départements is kept (Paris, Corse-du-Sud and
Guadeloupe always, so the awkward codes are always there).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bench.synthetic.names import unique_names
from bench.synthetic.reference import (
    CITIES,
    CITY_SHARE,
    DEPARTEMENTS,
    METROPOLE_BOX,
    OVERSEAS,
    RefDepartement,
)

REAL_COMMUNES = sum(d.communes for d in DEPARTEMENTS)
BASE_MILLESIME = 2019
"""Populations are drawn for the census millésime 2019; later ones follow each commune's trend."""

MERGERS_PER_YEAR = {2020: 50, 2021: 10, 2022: 14, 2023: 14, 2024: 15, 2025: 50, 2026: 7}
"""Mergers effective on 1 January of each year at scale 1 (about the real numbers of rows of the
COG movements of those years divided by the rows a merger writes)."""

GHOST_SHARE = 0.09
"""Communes absorbed before 2020, per commune alive in 2019 (the real COG lists ~3,000)."""

_GHOST_YEARS = np.array([*range(1965, 2015), 2015, 2016, 2017, 2018, 2019])
_GHOST_WEIGHTS = np.array([0.30 / 50] * 50 + [0.03, 0.25, 0.15, 0.05, 0.22])
ALWAYS_KEPT = ("75", "2A", "971")


def rng_for(seed: int, label: str) -> np.random.Generator:
    """An independent, reproducible stream per component: changing how one file is drawn never
    changes another."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(label.encode())]))


def allocate(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split `total` in proportion to `weights` (largest remainders), each part >= `minimum`."""
    weights = np.asarray(weights, dtype=float)
    base = np.full(len(weights), minimum, dtype=np.int64)
    rest = total - base.sum()
    if rest <= 0 or weights.sum() == 0:
        return base
    shares = rest * weights / weights.sum()
    counts = np.floor(shares).astype(np.int64)
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[: rest - counts.sum()]] += 1
    return base + counts


@dataclass(frozen=True)
class Departement:
    code: str
    region: str
    tncc: str
    name: str
    lat: float
    lon: float
    sd_lat: float
    sd_lon: float
    population: int  # at this scale (Mayotte included: facilities and practitioners only)

    @property
    def overseas(self) -> bool:
        return self.code in OVERSEAS

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Where its points may lie, a little inside the pipeline's plausibility box."""
        lat0, lat1, lon0, lon1 = OVERSEAS[self.code][4] if self.overseas else METROPOLE_BOX
        margin = 0.03 if self.overseas else 0.1
        return lat0 + margin, lat1 - margin, lon0 + margin, lon1 - margin

    @property
    def postcode_prefix(self) -> str:
        return "20" if self.code in ("2A", "2B") else self.code


@dataclass(frozen=True)
class Event:
    """Communes merged on 1 January of `year`: MOD 31 fusion simple (the absorbed disappear),
    MOD 32 commune nouvelle (they, and `into`, become communes déléguées of `into`)."""

    year: int
    into: int
    absorbed: tuple[int, ...]
    mod: str
    new_name: str | None = None


@dataclass
class Geography:
    """The synthetic France at one scale. Commune arrays are indexed by base commune (the
    communes of 1 January 2019); ghosts are communes absorbed before that."""

    scale: float
    seed: int
    departements: list[Departement]
    # base communes
    code: np.ndarray
    name: list[str]
    tncc: np.ndarray
    dep: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    base_pop: np.ndarray
    growth: np.ndarray
    pcap_share: np.ndarray
    is_city: np.ndarray
    # arrondissements municipaux
    arm_code: np.ndarray
    arm_name: list[str]
    arm_parent: np.ndarray
    arm_lat: np.ndarray
    arm_lon: np.ndarray
    arm_base_pop: np.ndarray
    arm_growth: np.ndarray
    arm_pcap_share: np.ndarray
    # history
    ghost_code: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    ghost_name: list[str] = field(default_factory=list)
    ghost_tncc: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    ghost_events: list[tuple[int, int, tuple[int, ...], str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # zonings (per base commune)
    zones: dict[str, np.ndarray] = field(default_factory=dict)
    epci_siren: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    epci_name: list[str] = field(default_factory=list)
    epci_nature: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    epci_mode: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    epci_dep: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    postcodes: list[tuple[str, ...]] = field(default_factory=list)  # per place
    cedex: dict[int, tuple[str, ...]] = field(default_factory=dict)  # per département index

    # --- sizes and places -------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.code)

    @property
    def n_places(self) -> int:
        """Places hold people and facilities: every commune but the three cities, and the ARM."""
        return self.n + len(self.arm_code)

    @cached_property
    def place_commune(self) -> np.ndarray:
        """Base commune of each place (an ARM's city)."""
        return np.concatenate([np.arange(self.n), self.arm_parent])

    @cached_property
    def place_lat(self) -> np.ndarray:
        return np.concatenate([self.lat, self.arm_lat])

    @cached_property
    def place_lon(self) -> np.ndarray:
        return np.concatenate([self.lon, self.arm_lon])

    @cached_property
    def place_dep(self) -> np.ndarray:
        return self.dep[self.place_commune]

    @cached_property
    def place_is_arm(self) -> np.ndarray:
        return np.arange(self.n_places) >= self.n

    def place_codes(self, year: int) -> np.ndarray:
        """Code of each place in the COG of `year` (a merged commune's place: its new commune)."""
        return np.concatenate([self.code[self.target(year)], self.arm_code])

    def place_pmun(self, millesime: int) -> np.ndarray:
        """PMUN of each place for a census millésime (the cities' own entry is 0)."""
        return np.concatenate([self.pmun(millesime), self.arm_pmun(millesime)])

    # --- history ----------------------------------------------------------------------------

    def target(self, year: int) -> np.ndarray:
        """Base commune -> the commune holding its territory in the COG of `year`."""
        parent = np.arange(self.n)
        for event in self.events:
            if event.year <= year:
                parent[list(event.absorbed)] = event.into
        for _ in range(10):  # a commune absorbed into one absorbed later: follow the chain
            following = parent[parent]
            if np.array_equal(following, parent):
                break
            parent = following
        return parent

    def alive(self, year: int) -> np.ndarray:
        return self.target(year) == np.arange(self.n)

    def names(self, year: int) -> list[str]:
        """Names in the COG of `year` (a commune nouvelle may take a new name)."""
        names = list(self.name)
        for event in self.events:
            if event.year <= year and event.new_name:
                names[event.into] = event.new_name
        return names

    def delegated(self, year: int) -> list[tuple[str, str, str, str]]:
        """Communes déléguées of the COG of `year`: (code, TNCC, name, parent code)."""
        rows = []
        for year_event, into, ghosts, mod in self.ghost_events:
            if mod == "32" and year_event <= year:
                rows.append((self.code[into], self.tncc[into], self.name[into], self.code[into]))
                for g in ghosts:
                    rows.append(
                        (
                            self.ghost_code[g],
                            self.ghost_tncc[g],
                            self.ghost_name[g],
                            self.code[into],
                        )
                    )
        for event in self.events:
            if event.mod == "32" and event.year <= year:
                names = self.names(event.year - 1)
                for member in (event.into, *event.absorbed):
                    rows.append(
                        (self.code[member], self.tncc[member], names[member], self.code[event.into])
                    )
        return rows

    # --- populations ------------------------------------------------------------------------

    def pmun(self, millesime: int) -> np.ndarray:
        """PMUN of each base commune (its own territory, before mergers) for a census millésime."""
        years = millesime - BASE_MILLESIME
        return np.rint(self.base_pop * (1 + self.growth) ** years).astype(np.int64)

    def pcap(self, millesime: int) -> np.ndarray:
        return np.rint(self.pmun(millesime) * self.pcap_share).astype(np.int64)

    def arm_pmun(self, millesime: int) -> np.ndarray:
        years = millesime - BASE_MILLESIME
        return np.rint(self.arm_base_pop * (1 + self.arm_growth) ** years).astype(np.int64)

    def arm_pcap(self, millesime: int) -> np.ndarray:
        return np.rint(self.arm_pmun(millesime) * self.arm_pcap_share).astype(np.int64)

    def commune_totals(self, millesime: int, year: int) -> tuple[np.ndarray, np.ndarray]:
        """(PMUN, PCAP) of each base commune index in the COG of `year` (0 for absorbed ones;
        cities hold the sum of their arrondissements)."""
        target = self.target(year)
        pmun = np.bincount(target, self.pmun(millesime), minlength=self.n)
        pcap = np.bincount(target, self.pcap(millesime), minlength=self.n)
        pmun += np.bincount(self.arm_parent, self.arm_pmun(millesime), minlength=self.n)
        pcap += np.bincount(self.arm_parent, self.arm_pcap(millesime), minlength=self.n)
        return pmun.astype(np.int64), pcap.astype(np.int64)

    def dep_codes(self) -> np.ndarray:
        return np.array([d.code for d in self.departements], dtype=object)[self.dep]

    def region_codes(self) -> np.ndarray:
        return np.array([d.region for d in self.departements], dtype=object)[self.dep]

    def regions(self) -> list[str]:
        return sorted({d.region for d in self.departements})

    def chef_lieu(self, year: int) -> tuple[dict[str, str], dict[str, str]]:
        """(département -> code, région -> code) of their largest commune in the COG of `year`."""
        pmun, _ = self.commune_totals(BASE_MILLESIME, year)
        alive = self.alive(year)
        deps, regs = {}, {}
        dep_codes, reg_codes = self.dep_codes(), self.region_codes()
        for index in np.argsort(-pmun, kind="stable"):
            if not alive[index]:
                continue
            deps.setdefault(dep_codes[index], self.code[index])
            regs.setdefault(reg_codes[index], self.code[index])
        return deps, regs


# --- building it ----------------------------------------------------------------------------


def _kept_departements(scale: float, seed: int) -> tuple[list[RefDepartement], int]:
    """The départements of this scale and the number of communes to draw."""
    total = max(3, round(REAL_COMMUNES * scale))
    if total >= 2 * len(DEPARTEMENTS):
        return list(DEPARTEMENTS), total
    wanted = max(len(ALWAYS_KEPT), total // 2)
    rng = rng_for(seed, "departements")
    others = [d for d in DEPARTEMENTS if d.code not in ALWAYS_KEPT]
    weights = np.array([d.population for d in others], dtype=float)
    picked = rng.choice(
        len(others), wanted - len(ALWAYS_KEPT), replace=False, p=weights / weights.sum()
    )
    chosen = {d.code for d in DEPARTEMENTS if d.code in ALWAYS_KEPT} | {
        others[i].code for i in picked
    }
    return [d for d in DEPARTEMENTS if d.code in chosen], total


def _numbers(rng: np.random.Generator, dep: str, count: int, reserved: set[int]) -> list[int]:
    """Commune numbers of a département (3 digits, 2 overseas), none reserved, sorted."""
    top = 99 if dep in OVERSEAS else 999
    pool = np.array([n for n in range(1, top + 1) if n not in reserved])
    if count > len(pool):
        raise ValueError(f"département {dep}: {count} communes do not fit in {len(pool)} codes")
    return sorted(int(n) for n in rng.choice(pool, count, replace=False))


def _code(dep: str, number: int) -> str:
    return f"{dep}{number:02d}" if dep in OVERSEAS else f"{dep}{number:03d}"


def build(scale: float, seed: int = 1) -> Geography:
    """Draw the synthetic France of `scale` (1 = all of France) from `seed`."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    refs, total = _kept_departements(scale, seed)
    counts = allocate(total, [d.communes for d in refs], minimum=1)
    kept_population = sum(d.population for d in refs)
    all_population = sum(d.population for d in DEPARTEMENTS)
    factor = scale * all_population / kept_population
    deps = [
        Departement(
            d.code,
            d.region,
            d.tncc,
            d.name,
            d.lat,
            d.lon,
            max(d.sd_lat, 0.02),
            max(d.sd_lon, 0.03),
            round(d.population * factor),
        )
        for d in refs
    ]
    rng = rng_for(seed, "communes")
    codes, names, tnccs, dep_index, lats, lons, pops, cities = [], [], [], [], [], [], [], []
    arm = {"code": [], "name": [], "parent": [], "lat": [], "lon": [], "pop": []}
    ghost_plan: list[tuple[int, str]] = []  # (département index, ghost code)
    for index, (dep, count) in enumerate(zip(deps, counts, strict=True)):
        count = int(count)
        city = CITIES.get(dep.code)
        reserved: set[int] = set()
        if city:
            city_code, arms, first = city
            reserved |= {int(city_code[2:])} | set(range(first, first + arms))
        taken: set[str] = set()
        drawn = unique_names(rng, count - (1 if city else 0), taken)
        drawn.sort(key=lambda item: item[0])
        numbers = _numbers(rng, dep.code, len(drawn), reserved)
        ghost_count = 0 if dep.overseas else round(GHOST_SHARE * count)
        free = (99 if dep.overseas else 999) - len(reserved) - len(drawn)
        ghost_count = max(0, min(ghost_count, free - 5))
        # populations: log-normal, the largest boosted as the chef-lieu, the city's share fixed
        raw = rng.lognormal(0.0, 1.3, len(drawn))
        if len(raw):
            raw[np.argmax(raw)] *= 3.0
        city_pop = round(dep.population * CITY_SHARE[dep.code]) if city else 0
        rest = dep.population - city_pop
        commune_pops = np.maximum(5, np.rint(raw / raw.sum() * rest)) if len(raw) else raw
        # town halls around the centre; the chef-lieu near it
        lat = dep.lat + rng.normal(0, dep.sd_lat, len(drawn))
        lon = dep.lon + rng.normal(0, dep.sd_lon, len(drawn))
        lat = np.clip(lat, dep.lat - 2.2 * dep.sd_lat, dep.lat + 2.2 * dep.sd_lat)
        lon = np.clip(lon, dep.lon - 2.2 * dep.sd_lon, dep.lon + 2.2 * dep.sd_lon)
        if len(raw):
            top = int(np.argmax(commune_pops))
            lat[top] = dep.lat + rng.normal(0, 0.3 * dep.sd_lat)
            lon[top] = dep.lon + rng.normal(0, 0.3 * dep.sd_lon)
        lat0, lat1, lon0, lon1 = dep.box
        for (name, tncc), number, la, lo, pop in zip(
            drawn,
            numbers,
            np.clip(lat, lat0, lat1),
            np.clip(lon, lon0, lon1),
            commune_pops,
            strict=True,
        ):
            codes.append(_code(dep.code, number))
            names.append(name)
            tnccs.append(tncc)
            dep_index.append(index)
            lats.append(round(float(la), 5))
            lons.append(round(float(lo), 5))
            pops.append(int(pop))
            cities.append(False)
        if city:
            city_code, arms, first = city
            ((city_name, city_tncc),) = unique_names(rng, 1, taken)
            city_index = len(codes)
            codes.append(city_code)
            names.append(city_name)
            tnccs.append(city_tncc)
            dep_index.append(index)
            clat = round(float(np.clip(dep.lat + rng.normal(0, 0.2 * dep.sd_lat), lat0, lat1)), 5)
            clon = round(float(np.clip(dep.lon + rng.normal(0, 0.2 * dep.sd_lon), lon0, lon1)), 5)
            lats.append(clat)
            lons.append(clon)
            pops.append(0)
            cities.append(True)
            n_arms = max(2, min(arms, round(arms * scale * 10)))
            shares = rng.dirichlet(np.full(n_arms, 4.0))
            arm_pops = allocate(city_pop, shares, minimum=1)
            for k in range(n_arms):
                arm["code"].append(f"{city_code[:2]}{first + k:03d}")
                ordinal = "1er" if k == 0 else f"{k + 1}e"
                arm["name"].append(f"{city_name} {ordinal} Arrondissement")
                arm["parent"].append(city_index)
                arm["lat"].append(round(clat + float(rng.normal(0, 0.012)), 5))
                arm["lon"].append(round(clon + float(rng.normal(0, 0.018)), 5))
                arm["pop"].append(int(arm_pops[k]))
        used = reserved | set(numbers)
        if ghost_count:
            ghost_numbers = _numbers(rng, dep.code, ghost_count, used)
            ghost_plan += [(index, _code(dep.code, g)) for g in ghost_numbers]

    n = len(codes)
    growth = rng_for(seed, "growth").normal(0.004, 0.006, n)
    small = np.array(pops) < 300
    growth = np.clip(growth - 0.004 * small, -0.03, 0.03)
    n_arm = len(arm["code"])
    geo = Geography(
        scale=scale,
        seed=seed,
        departements=deps,
        code=np.array(codes, dtype=object),
        name=names,
        tncc=np.array(tnccs, dtype=object),
        dep=np.array(dep_index, dtype=np.int64),
        lat=np.array(lats),
        lon=np.array(lons),
        base_pop=np.array(pops, dtype=np.int64),
        growth=growth,
        pcap_share=rng_for(seed, "pcap").uniform(0.01, 0.045, n),
        is_city=np.array(cities, dtype=bool),
        arm_code=np.array(arm["code"], dtype=object),
        arm_name=arm["name"],
        arm_parent=np.array(arm["parent"], dtype=np.int64),
        arm_lat=np.array(arm["lat"]),
        arm_lon=np.array(arm["lon"]),
        arm_base_pop=np.array(arm["pop"], dtype=np.int64),
        arm_growth=rng_for(seed, "arm-growth").normal(0.002, 0.004, n_arm),
        arm_pcap_share=rng_for(seed, "arm-pcap").uniform(0.005, 0.02, n_arm),
    )
    from bench.synthetic import zonings  # zonings need the communes; history needs the zonings

    zonings.assign(geo)
    _history(geo, ghost_plan)
    zonings.assign_postcodes(geo)
    return geo


def _nearest(geo: Geography, index: int, candidates: np.ndarray, k: int) -> list[int]:
    """The k candidates closest to commune `index` (flat-earth distance, fine within a
    département)."""
    if not len(candidates):
        return []
    coslat = np.cos(np.radians(geo.lat[index]))
    d2 = (geo.lat[candidates] - geo.lat[index]) ** 2 + (
        (geo.lon[candidates] - geo.lon[index]) * coslat
    ) ** 2
    return [int(candidates[i]) for i in np.argsort(d2, kind="stable")[:k]]


def _history(geo: Geography, ghost_plan: list[tuple[int, str]]) -> None:
    """Communes absorbed before 2020 (ghosts) and the mergers of 2020-2026."""
    rng = rng_for(geo.seed, "history")
    protected = geo.is_city.copy()
    for key in ("epci_seat", "bv_pole", "chef_lieu"):
        protected |= geo.zones[key].astype(bool)
    # ghosts: each absorbed by a commune of its département, grouped per (commune, year)
    by_dep: dict[int, np.ndarray] = {}
    for index in range(len(geo.departements)):
        members = np.flatnonzero((geo.dep == index) & ~geo.is_city)
        by_dep[index] = members
    taken: dict[int, set[str]] = {}
    for index in range(len(geo.departements)):
        taken[index] = {geo.name[i] for i in by_dep[index]}
    ghost_codes, ghost_names, ghost_tnccs = [], [], []
    groups: dict[int, list[int]] = {}
    years: dict[int, int] = {}
    for dep_index, code in ghost_plan:
        members = by_dep[dep_index]
        if not len(members):
            continue
        ((name, tncc),) = unique_names(rng, 1, taken[dep_index])
        into = int(members[rng.integers(len(members))])
        ghost = len(ghost_codes)
        ghost_codes.append(code)
        ghost_names.append(name)
        ghost_tnccs.append(tncc)
        groups.setdefault(into, []).append(ghost)
        years.setdefault(into, int(rng.choice(_GHOST_YEARS, p=_GHOST_WEIGHTS)))
    geo.ghost_code = np.array(ghost_codes, dtype=object)
    geo.ghost_name = ghost_names
    geo.ghost_tncc = np.array(ghost_tnccs, dtype=object)
    has_delegated = np.zeros(geo.n, dtype=bool)
    for into in sorted(groups):
        year = years[into]
        mod = "32" if year >= 2015 else "31"
        geo.ghost_events.append((year, into, tuple(groups[into]), mod))
        if mod == "32":
            has_delegated[into] = True
    geo.ghost_events.sort(key=lambda e: (e[0], geo.code[e[1]]))
    # mergers of 2020-2026: a small commune joins its nearest neighbour (or two join it)
    alive = np.ones(geo.n, dtype=bool)
    absorbable = ~protected & ~has_delegated
    chain_into: int | None = None
    for year, per_scale in sorted(MERGERS_PER_YEAR.items()):
        wanted = round(per_scale * geo.scale)
        if year >= 2022:
            wanted = max(1, wanted)
        free = alive.copy()  # not yet part of a merger of this year
        for number in range(wanted):
            chain = year == 2025 and number == 0
            if year == 2026 and number == 0 and chain_into is not None and alive[chain_into]:
                # the commune made in 2025 is absorbed in 2026: its old codes go two steps
                first = chain_into
            else:
                pool = np.flatnonzero(free & absorbable)
                if not len(pool):
                    break
                first = int(pool[rng.integers(len(pool))])
            neighbours = np.flatnonzero(free & ~geo.is_city & (geo.dep == geo.dep[first]))
            neighbours = neighbours[neighbours != first]
            if chain:
                neighbours = neighbours[absorbable[neighbours]]
            into_list = _nearest(geo, first, neighbours, 1)
            if not into_list:
                continue
            into = into_list[0]
            absorbed = [first]
            if first != chain_into and rng.random() < 0.3:
                others = neighbours[absorbable[neighbours] & (neighbours != into)]
                absorbed += _nearest(geo, first, others, 1)
            mod = "31" if chain or first == chain_into or has_delegated[into] else "32"
            if mod == "32" and rng.random() < 0.3:
                mod = "31"
            new_name = None
            if mod == "32" and rng.random() < 0.5:
                ((new_name, _),) = unique_names(rng, 1, taken[int(geo.dep[into])])
            geo.events.append(Event(year, into, tuple(absorbed), mod, new_name))
            alive[absorbed] = False
            free[[into, *absorbed]] = False
            if mod == "32":
                has_delegated[into] = True
                absorbable[into] = False
            if chain:
                chain_into = into
    geo.events.sort(key=lambda e: (e.year, geo.code[e.into]))
