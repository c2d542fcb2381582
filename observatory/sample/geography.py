"""The invented territory of the bundled sample, and how it changes over time.

About thirty invented communes in three real départements, so the sample carries the awkward
cases of the real files: codes with a leading zero (`01...`), a Corsican code (`2A...`), a city
split into arrondissements municipaux (ARM), a commune nouvelle (2025), and a commune merged twice
(2025 then 2026: an old code to follow transitively). Commune numbers are in the 9xx range, which
no real commune uses, so a sample commune can never be taken for a real one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SEED = 20261125

SAMPLE_MARK = "Échantillon"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    cheflieu: str


@dataclass(frozen=True)
class Departement:
    code: str
    region: str
    name: str
    cheflieu: str
    tncc: str = "0"


@dataclass(frozen=True)
class Commune:
    """A commune (or an arrondissement municipal) of the sample, over its whole life."""

    code: str
    name: str
    departement: str
    arrondissement: str
    canton: str
    base_population: int
    tncc: str = "0"
    typecom: str = "COM"  # COM or ARM
    parent: str | None = None  # the commune of an ARM
    renamed_from: tuple[int, str] | None = None  # (COG year from which `name` applies, old name)


@dataclass(frozen=True)
class Merger:
    """Communes absorbed into `into` on 1 January of `year` (COG `year` no longer has them)."""

    year: int
    into: str
    absorbed: tuple[str, ...]
    mod: str  # 31 fusion simple, 32 commune nouvelle (absorbed become communes déléguées)
    new_name: str | None = None


REGIONS = (
    Region("84", f"Auvergne-Rhône-Alpes-{SAMPLE_MARK}", "69901"),
    Region("94", f"Corse-{SAMPLE_MARK}", "2A901"),
)

DEPARTEMENTS = (
    Departement("01", "84", f"Ain-{SAMPLE_MARK}", "01901", "5"),
    Departement("69", "84", f"Rhône-{SAMPLE_MARK}", "69901", "2"),
    Departement("2A", "94", f"Corse-du-Sud-{SAMPLE_MARK}", "2A901", "3"),
)

_AIN_NAMES = (
    ("Bourg-Fictif", "0"),
    ("Saint-Exemple", "0"),
    ("Val-d'Essai", "0"),
    ("Combe-Témoin", "3"),
    ("Granges-Modèles", "4"),
    ("Étang-Simulé", "5"),
    ("Montessai", "0"),
    ("Prévalon", "0"),
    ("Chantefausse", "0"),
    ("Sorbière-en-Maquette", "0"),
    ("Ormeau-Prototype", "1"),
    ("Vaux-Pilote", "0"),
    ("Saint-Gabarit", "0"),
    ("Bois-Épreuve", "2"),
    ("Mollard-d'Étude", "0"),
    ("Rivière-Factice", "3"),
    ("Essartine", "1"),
    ("Plaine-Jalon", "3"),
    ("Crêt-Repère", "2"),
    ("Fontaine-Indice", "3"),
    ("Marais-Type", "2"),
    ("Saint-Brouillon", "0"),
    ("Noyer-Canevas", "2"),
    ("Hauteville-Étalon", "0"),
    ("Brévannes-Fictives", "0"),
    ("Coudray-Esquisse", "2"),
    ("Ambérieux-Maquette", "1"),
    ("Loyes-Témoins", "0"),
    ("Rive-Haute", "0"),
    ("Rive-Basse", "0"),
)


def _communes() -> tuple[Commune, ...]:
    rng = random.Random(SEED)
    communes = []
    for index, (name, tncc) in enumerate(_AIN_NAMES, start=1):
        population = 9200 if index == 1 else rng.randint(90, 2400)
        communes.append(
            Commune(
                code=f"01{900 + index:03d}",
                name=name,
                departement="01",
                arrondissement="011" if index <= 15 else "012",
                canton=f"01{90 + (index - 1) // 8:02d}",
                base_population=population,
                tncc=tncc,
                renamed_from=(2020, "Montessai-le-Vieux") if index == 7 else None,
            )
        )
    communes += [
        Commune("69901", "Cité-Échantillon", "69", "691", "6999", 0),
        Commune(
            "69981",
            "Cité-Échantillon 1er Arrondissement",
            "69",
            "691",
            "6999",
            14200,
            typecom="ARM",
            parent="69901",
        ),
        Commune(
            "69982",
            "Cité-Échantillon 2e Arrondissement",
            "69",
            "691",
            "6999",
            9800,
            typecom="ARM",
            parent="69901",
        ),
        Commune(
            "69983",
            "Cité-Échantillon 3e Arrondissement",
            "69",
            "691",
            "6999",
            17500,
            typecom="ARM",
            parent="69901",
        ),
        Commune("69902", "Fictif-les-Monts", "69", "691", "6990", 3100),
        Commune("2A901", "Castellu-Fittiziu", "2A", "2A1", "2A90", 2300),
        Commune("2A902", "Santa-Maria-Esempiu", "2A", "2A1", "2A90", 410),
    ]
    return tuple(communes)


COMMUNES = _communes()


@dataclass(frozen=True)
class Epci:
    siren: str
    name: str
    nature: str  # CA, CC, CU, METRO
    departement: str
    members: tuple[str, ...]  # original commune codes (merged ones follow their new commune)


EPCIS = (
    Epci(
        "200999901",
        f"CA de Bourg-Fictif-{SAMPLE_MARK}",
        "CA",
        "01",
        tuple(f"01{n}" for n in range(901, 911)),
    ),
    Epci(
        "200999902",
        f"CC du Pays d'Essai-{SAMPLE_MARK}",
        "CC",
        "01",
        tuple(f"01{n}" for n in range(911, 921)),
    ),
    Epci(
        "200999903",
        f"CC des Rives-Fictives-{SAMPLE_MARK}",
        "CC",
        "01",
        tuple(f"01{n}" for n in range(921, 931)),
    ),
    Epci(
        "200999904",
        f"Métropole de Cité-{SAMPLE_MARK}",
        "METRO",
        "69",
        ("69901", "69981", "69982", "69983", "69902"),
    ),
    Epci("200999905", f"CC du Castellu-{SAMPLE_MARK}", "CC", "2A", ("2A901", "2A902")),
)

BASSINS_DE_VIE = {  # bassin de vie 2022 code (its pôle commune) -> original member communes
    "01901": tuple(f"01{n}" for n in range(901, 916)),
    "01922": tuple(f"01{n}" for n in range(916, 931)),
    "69901": ("69901", "69981", "69982", "69983", "69902"),
    "2A901": ("2A901", "2A902"),
}

CUSTOM_LEVEL = "pays"
CUSTOM_TERRITORIES = (  # (code, name, original member communes): a user-defined level
    ("PAYS-NORD", f"Pays du Nord-{SAMPLE_MARK}", tuple(f"01{n}" for n in range(901, 919))),
    ("PAYS-SUD", f"Pays du Sud-{SAMPLE_MARK}", tuple(f"01{n}" for n in range(919, 931))),
)

_ORIGINS = {"01": (46.00, 5.20), "69": (45.76, 4.83), "2A": (41.92, 8.73)}
GRID_STEP_DEG = (0.05, 0.07)
"""Ain communes sit on a 6-column grid: 0.05° of latitude (5.56 km) by 0.07° of longitude
(about 5.4 km at 46° N), so distances between sample communes can be worked out by hand."""


def coordinates(commune: Commune) -> tuple[float, float]:
    """(latitude, longitude) of the commune's town hall, in WGS84."""
    lat0, lon0 = _ORIGINS[commune.departement]
    index = (
        int(commune.code[-2:]) - 1
        if commune.departement != "69"
        else {"69901": 0, "69981": 1, "69982": 2, "69983": 3, "69902": 4}[commune.code]
    )
    row, column = divmod(index, 6)
    return round(lat0 + row * GRID_STEP_DEG[0], 5), round(lon0 + column * GRID_STEP_DEG[1], 5)


MERGERS = (
    Merger(2025, "01929", ("01930",), "32", "Deux-Rives"),
    Merger(2025, "01926", ("01925",), "31"),
    Merger(2026, "01924", ("01926",), "31"),
)


@dataclass
class Geography:
    """The sample's communes as they stand in the COG of a given year."""

    year: int
    communes: list[Commune] = field(default_factory=list)
    delegated: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, parent)
    names: dict[str, str] = field(default_factory=dict)

    def code_of(self, original: str) -> str:
        """Where an original commune's territory lies in this year's geography."""
        code = original
        for merger in sorted(MERGERS, key=lambda m: m.year):
            if merger.year <= self.year and code in merger.absorbed:
                code = merger.into
        return code


def commune_name(commune: Commune, year: int) -> str:
    if commune.renamed_from and year < commune.renamed_from[0]:
        return commune.renamed_from[1]
    return commune.name


def geography(year: int) -> Geography:
    """Communes, ARM and communes déléguées of the COG of `year` (state on 1 January)."""
    geo = Geography(year)
    absorbed = {c for m in MERGERS if m.year <= year for c in m.absorbed}
    by_code = {c.code: c for c in COMMUNES}
    for merger in MERGERS:
        if merger.year <= year and merger.new_name:
            geo.names[merger.into] = merger.new_name
            if merger.mod == "32":
                for code in (merger.into, *merger.absorbed):
                    if code not in absorbed or code in merger.absorbed:
                        geo.delegated.append((code, commune_name(by_code[code], year), merger.into))
    for commune in COMMUNES:
        if commune.code in absorbed:
            continue
        geo.communes.append(commune)
        geo.names.setdefault(commune.code, commune_name(commune, year))
    return geo


def population(commune: Commune, millesime: int) -> tuple[int, int]:
    """(PMUN, PCAP) of one original commune for a census millésime: a slow, seeded drift."""
    if commune.base_population == 0:
        return 0, 0
    rng = random.Random(f"{SEED}-{commune.code}")
    yearly = rng.uniform(-0.015, 0.006)
    share_apart = rng.uniform(0.012, 0.045)
    pmun = round(commune.base_population * (1 + yearly) ** (millesime - 2019))
    return pmun, round(pmun * share_apart)
