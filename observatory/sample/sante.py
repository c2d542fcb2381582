"""Sample copies of the health-workforce age tables: ameli and DREES.

Layouts follow ../shared/reference/data_sources.md §5 and formats.md §4-§5:

* data.ameli `demographie-effectifs-et-les-densites.csv`: the Opendatasoft export, `;`, UTF-8
  without BOM, `annee` as a plain year, quoting only when needed.
* DREES `Medecins_RPPS_2012-2026.xlsx`: `Lisez-moi`, `Effectifs` and `Densités` sheets, two title
  lines above the header row (row 3), "code-label" strings, `ND` in a few small cells.

The counts are hand-set per département, not drawn from the RPPS sample
(observatory.sample.annuaire), so that the shares of GPs aged 60 and over are known: they are
written next to each table. Codes that are plausible but not verified at the source: the ameli
`classe_age` codes other than `tout_age`.

Densities (ameli and DREES) = effectif / population x 100,000, rounded to one decimal, with the
population of a year Y = the sum of the PMUN of the populations de référence of millésime Y - 3
over the département's communes (geography.population), the national row using the sum of the
three départements.
"""

from __future__ import annotations

from collections.abc import Sequence

from observatory.formats.delimited import csv_bytes
from observatory.formats.sante import (
    AMELI_AGES,
    AMELI_ALL_AGES,
    AMELI_HEADER,
    AMELI_UNKNOWN_AGE,
    DREES_BANDS,
    DREES_FIRST_YEAR,
    DREES_SEXES,
    GP_ALL,
    GP_HORS_MEP,
    drees_sheets,
)
from observatory.formats.xlsx import to_bytes as xlsx_bytes
from observatory.sample.geography import (
    COMMUNES,
    DEPARTEMENTS,
    REGIONS,
    SAMPLE_MARK,
    population,
)

_DEPARTEMENT = {d.code: d for d in DEPARTEMENTS}
_REGION = {r.code: r for r in REGIONS}


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders, ties to the first)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _population(departement: str, year: int) -> int:
    """Population used for the densities of `year`: PMUN of millésime year - 3."""
    return sum(population(c, year - 3)[0] for c in COMMUNES if c.departement == departement)


def _density(effectif: int, inhabitants: int) -> float:
    return round(effectif / inhabitants * 100_000, 1)


# --- data.ameli: demographie-effectifs-et-les-densites.csv --------------------------------------

AMELI_YEARS = (2022, 2023, 2024)

# GPs (ensemble) per département and year, by the 11 age classes: hand-set so the shares aged
# 60 and over are known: 2024 -> 01: 4/11 (36 %), 69: 2/8 (25 %), 2A: 2/4 (50 %).
AMELI_GP = {
    "01": {
        2022: (0, 0, 1, 1, 1, 2, 1, 2, 2, 2, 1),
        2023: (0, 0, 1, 2, 1, 1, 2, 1, 2, 2, 1),
        2024: (0, 0, 1, 2, 1, 1, 1, 1, 2, 1, 1),
    },
    "69": {
        2022: (0, 1, 1, 2, 1, 1, 1, 0, 1, 1, 1),
        2023: (0, 1, 2, 1, 1, 1, 1, 0, 1, 1, 0),
        2024: (0, 1, 2, 1, 1, 1, 0, 0, 1, 1, 0),
    },
    "2A": {
        2022: (0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1),
        2023: (0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1),
        2024: (0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0),
    },
}
# One GP "à expertise particulière" (MEP) in the city, aged 45-49: hors MEP = ensemble - 1 there.
AMELI_MEP = {("69", 2023): 5, ("69", 2024): 5}

# Other professions: (label, vision flags, age weights, female share young -> old, totals per
# département for 2022, 2023, 2024 (âge inconnu included)).
_YOUNG = (1, 4, 6, 6, 5, 5, 4, 3, 2, 1, 0.5)
_MIDDLE = (0.2, 2, 4, 5, 5, 5, 5, 4, 3, 2, 1)
_OLD = (0, 0.5, 2, 3, 4, 4, 4, 4, 4, 3, 2)
AMELI_OTHERS = (
    (
        "Ensemble des médecins spécialistes (hors généralistes)",
        ("non", "non", "non"),
        _OLD,
        (0.6, 0.2),
        {"01": (4, 4, 3), "69": (6, 6, 7), "2A": (1, 1, 1)},
    ),
    (
        "Infirmiers",
        ("oui", "oui", "oui"),
        _YOUNG,
        (0.9, 0.8),
        {"01": (11, 12, 12), "69": (9, 10, 11), "2A": (3, 3, 3)},
    ),
    (
        "Masseurs-kinésithérapeutes",
        ("oui", "oui", "oui"),
        _YOUNG,
        (0.6, 0.3),
        {"01": (4, 4, 5), "69": (5, 5, 6), "2A": (1, 1, 1)},
    ),
    (
        "Ensemble des chirurgiens-dentistes",
        ("non", "non", "non"),
        _MIDDLE,
        (0.6, 0.25),
        {"01": (3, 3, 3), "69": (4, 4, 4), "2A": (1, 1, 1)},
    ),
    (
        "Sages-femmes",
        ("oui", "oui", "oui"),
        _MIDDLE,
        (1.0, 0.95),
        {"01": (2, 2, 2), "69": (2, 3, 3), "2A": (1, 1, 1)},
    ),
)
AMELI_GP_FEMALE = (0.7, 0.3)
AMELI_UNKNOWN_AGE_CELLS = {("Infirmiers", "69", 2024): 1}  # women of unknown age
AMELI_UNKNOWN_SEX_CELLS = {("Masseurs-kinésithérapeutes", "69", 2023)}  # 1, in the largest class


def _female_share(young: float, old: float, index: int, classes: int) -> float:
    return young + (old - young) * index / (classes - 1)


def _split_sexes(counts: Sequence[int], shares: tuple[float, float]) -> list[list[int]]:
    """Per class [hommes, femmes, sexe inconnu]."""
    split = []
    for index, n in enumerate(counts):
        women = min(n, round(n * _female_share(*shares, index, len(counts))))
        split.append([n - women, women, 0])
    return split


Cells = list[list[int]]  # 12 classes (11 + âge inconnu) x [hommes, femmes, sexe inconnu]


def _ameli_cells() -> dict[tuple[str, str, int], Cells]:
    """(profession, département, year) -> cells."""
    cells: dict[tuple[str, str, int], Cells] = {}
    for dep, years in AMELI_GP.items():
        for year, ages in years.items():
            gp = [*_split_sexes(ages, AMELI_GP_FEMALE), [0, 0, 0]]
            cells[GP_ALL, dep, year] = gp
            hors = [list(c) for c in gp]
            if (dep, year) in AMELI_MEP:
                row = hors[AMELI_MEP[dep, year]]
                row[0 if row[0] else 1] -= 1
            cells[GP_HORS_MEP, dep, year] = hors
    for label, _, weights, shares, totals in AMELI_OTHERS:
        for dep, per_year in totals.items():
            for year, total in zip(AMELI_YEARS, per_year, strict=True):
                unknown = AMELI_UNKNOWN_AGE_CELLS.get((label, dep, year), 0)
                split = _split_sexes(_apportion(total - unknown, weights), shares)
                split.append([0, unknown, 0])
                if (label, dep, year) in AMELI_UNKNOWN_SEX_CELLS:
                    largest = max(range(11), key=lambda i: (sum(split[i]), -i))
                    row = split[largest]
                    row[1 if row[1] else 0] -= 1
                    row[2] += 1
                cells[label, dep, year] = split
    return cells


def demographie_ameli(millesime: int) -> bytes:
    """Every year up to `millesime` (the export holds the whole series; the sample: 3 years)."""
    cells = _ameli_cells()
    visions = {GP_ALL: ("non", "non", "non"), GP_HORS_MEP: ("oui", "oui", "oui")}
    visions |= {label: flags for label, flags, *_ in AMELI_OTHERS}
    professions = [GP_ALL, GP_HORS_MEP, *(o[0] for o in AMELI_OTHERS)]
    departements = [d.code for d in DEPARTEMENTS]
    ages = [*AMELI_AGES, AMELI_UNKNOWN_AGE]
    sexes = ("hommes", "femmes", "sexe inconnu")
    rows = []
    for year in (y for y in AMELI_YEARS if y <= millesime):
        inhabitants = {d: _population(d, year) for d in departements}
        inhabitants["999"] = sum(inhabitants.values())
        for profession in professions:
            territories = {d: cells[profession, d, year] for d in departements}
            territories["999"] = [
                [sum(territories[d][a][s] for d in departements) for s in range(3)]
                for a in range(len(ages))
            ]
            for territory, grid in territories.items():
                if territory == "999":
                    place = ["99", "France", "999", "Tout département"]
                else:
                    dep = _DEPARTEMENT[territory]
                    place = [dep.region, _REGION[dep.region].name, dep.code, dep.name]
                total = [sum(grid[a][s] for a in range(len(ages))) for s in range(3)]
                for (code, label), counts in [
                    *zip(ages, grid, strict=True),
                    (AMELI_ALL_AGES, total),
                ]:
                    for sex, effectif in [
                        *zip(sexes, counts, strict=True),
                        ("tout sexe", sum(counts)),
                    ]:
                        rows.append(
                            [
                                year,
                                profession,
                                *place,
                                code,
                                label,
                                sex,
                                effectif,
                                f"{_density(effectif, inhabitants[territory]):.1f}",
                                *visions[profession],
                            ]
                        )
    return csv_bytes(AMELI_HEADER, rows, separator=";")


# --- DREES: Medecins_RPPS_2012-2026.xlsx --------------------------------------------------------

DREES_DEPARTEMENTS = {  # the real files write some codes with a space before the dash
    "01": "001-Ain-" + SAMPLE_MARK,
    "69": "069-Rhône-" + SAMPLE_MARK,
    "2A": "02A -Corse-du-Sud-" + SAMPLE_MARK,
}
DREES_REGIONS = {"84": f"84-Auvergne Rhône-Alpes-{SAMPLE_MARK}", "94": f"94-Corse-{SAMPLE_MARK}"}
GP_LABEL = "01-Médecine générale"
OPHTALMO_LABEL = "03-Ophtalmologie"

# GPs of the last year by band: 60 and over -> 01: 5/12 (42 %), 69: 2/10 (20 %), 2A: 2/4 (50 %).
DREES_GP_LAST = {
    "01": (0, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1),
    "69": (1, 1, 2, 1, 1, 1, 1, 1, 1, 0, 0),
    "2A": (0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0),
}
# (first-year total, last-year total, age weights) of each group; "autres" completes 00-Ensemble.
DREES_GROUPS = {
    GP_LABEL: {"01": (15, 12), "69": (11, 10), "2A": (5, 4)},
    OPHTALMO_LABEL: {"01": (2, 2), "69": (3, 4), "2A": (1, 1)},
    "autres": {"01": (7, 9), "69": (22, 27), "2A": (2, 3)},
}
DREES_WEIGHTS = {
    OPHTALMO_LABEL: (0.2, 1, 2, 2, 2, 2, 2, 2, 1.5, 1, 0.5),
    "autres": (1, 3, 4, 4, 3, 3, 3, 3, 2, 1, 0.5),
}
DREES_FEMALE = {GP_LABEL: (0.7, 0.15), OPHTALMO_LABEL: (0.6, 0.2), "autres": (0.65, 0.2)}
DREES_ND_YEARS = (2012,)
"""Ophthalmology in Corsica in those years: every age-band cell is `ND` (secret statistique);
its totals over all ages stay published, and so do the national rows (which include them)."""


def _drees_counts(group: str, dep: str, year: int, last_year: int) -> list[tuple[int, int]]:
    """(hommes, femmes) per band."""
    first, last = DREES_GROUPS[group][dep]
    span = last_year - DREES_FIRST_YEAR
    total = round(first + (last - first) * (year - DREES_FIRST_YEAR) / span)
    if group == GP_LABEL:
        bands = DREES_GP_LAST[dep]
        counts = list(bands) if year == last_year else _apportion(total, [b + 0.3 for b in bands])
    else:
        counts = _apportion(total, DREES_WEIGHTS[group])
    return [(h, f) for h, f, _ in _split_sexes(counts, DREES_FEMALE[group])]


def _drees_table(last_year: int) -> list[tuple[list[str], dict[int, int], bool]]:
    """(label columns, effectif per year, masked in old years) of every row of `Effectifs`."""
    years = range(DREES_FIRST_YEAR, last_year + 1)
    departements = list(DREES_DEPARTEMENTS)
    values: dict[tuple[str, str, int], list[tuple[int, int]]] = {}
    for dep in departements:
        for year in years:
            parts = {g: _drees_counts(g, dep, year, last_year) for g in DREES_GROUPS}
            for group, counts in parts.items():
                values[group, dep, year] = counts
            values["00-Ensemble", dep, year] = [
                (sum(parts[g][b][0] for g in parts), sum(parts[g][b][1] for g in parts))
                for b in range(len(DREES_BANDS))
            ]
    for group in ("00-Ensemble", GP_LABEL, OPHTALMO_LABEL):
        for year in years:
            values[group, "000", year] = [
                (
                    sum(values[group, d, year][b][0] for d in departements),
                    sum(values[group, d, year][b][1] for d in departements),
                )
                for b in range(len(DREES_BANDS))
            ]
    rows = []
    for dep in ("000", *sorted(departements, key=lambda d: DREES_DEPARTEMENTS[d])):
        if dep == "000":
            place = ["0-France entière", "00-Ensemble", "000-Ensemble"]
        else:
            region = _DEPARTEMENT[dep].region
            place = ["1-France métropolitaine", DREES_REGIONS[region], DREES_DEPARTEMENTS[dep]]
        for group in ("00-Ensemble", GP_LABEL, OPHTALMO_LABEL):
            for band in ("00-Ensemble", *DREES_BANDS):
                for sex in DREES_SEXES:
                    per_year = {}
                    for year in years:
                        counts = values[group, dep, year]
                        chosen = (
                            counts if band == "00-Ensemble" else [counts[DREES_BANDS.index(band)]]
                        )
                        men = sum(c[0] for c in chosen)
                        women = sum(c[1] for c in chosen)
                        per_year[year] = {"0": men + women, "1": men, "2": women}[sex[0]]
                    masked = dep == "2A" and group == OPHTALMO_LABEL and band != "00-Ensemble"
                    labels = [*place, group, "00-Ensemble", "0-Ensemble", band, sex]
                    rows.append((labels, per_year, masked))
    return rows


def demographie_drees(millesime: int) -> bytes:
    """The médecins workbook of edition `millesime` (years 2012 to `millesime`)."""
    years = list(range(DREES_FIRST_YEAR, millesime + 1))
    table = _drees_table(millesime)
    inhabitants = {d: {y: _population(d, y) for y in years} for d in DREES_DEPARTEMENTS}
    inhabitants["000"] = {y: sum(inhabitants[d][y] for d in DREES_DEPARTEMENTS) for y in years}
    code_of = {label: dep for dep, label in DREES_DEPARTEMENTS.items()} | {"000-Ensemble": "000"}

    tables: dict[bool, list[list[object]]] = {False: [], True: []}
    for density, rows in tables.items():
        for labels, per_year, masked in table:
            dep = code_of[labels[2]]
            cells: list[object] = []
            for year in years:
                if masked and year in DREES_ND_YEARS:
                    cells.append("ND")
                elif density:
                    cells.append(_density(per_year[year], inhabitants[dep][year]))
                else:
                    cells.append(per_year[year])
            rows.append([*labels, *cells])
    sheets = drees_sheets(
        millesime,
        tables[False],
        tables[True],
        mark="Échantillon synthétique",
        invented_for="les tests",
    )
    return xlsx_bytes(sheets)
