"""Zoning files of the synthetic France: DGCL EPCI composition, INSEE table d'appartenance,
geo.api.gouv.fr communes JSON, and a custom territories CSV.

Layouts are the bundled sample's (observatory/sample/zonages.py, after formats.md §2 and §6):
`epcicomYYYY.xlsx` with one sheet named after the previous year, header on row 1, SIREN and
populations as numbers (`ptot_{Y-1}` = populations de référence of millésime Y-4); the table
d'appartenance zip holding a five-sheet workbook with four title rows, labels on row 5, codes on
row 6, every code as text and one empty text-formatted row closing each data sheet; the compact
JSON array with `[longitude, latitude]` points (no `mairie` for a few communes). Workbooks are
written by bench/synthetic/xlsx.py (fast) instead of openpyxl.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.synthetic import xlsx
from bench.synthetic.files import zip_files
from bench.synthetic.geography import Geography, rng_for
from bench.synthetic.reference import REGIONS
from bench.synthetic.territoires import ctcd
from bench.synthetic.world import World
from bench.synthetic.zonings import libelle, with_de
from observatory.sample.files import csv_bytes
from observatory.sample.zonages import _TAGC_CODES, _TAGC_LABELS, commune_siren

EPCI_HEADER_START = [
    "dept", "siren", "raison_sociale", "nature_juridique", "mode_financ", "nb_membres",
    "total_pop_tot", "total_pop_mun", "dep_com", "insee", "siren_membre", "nom_membre",
]  # fmt: skip


def epci_composition(world: World, millesime: int, target: Path) -> None:
    """DGCL list of EPCI members: perimeters of 1 January `millesime`, populations in force the
    year before (millésime - 4 of the populations de référence)."""
    geo = world.geo
    year, column_year = millesime, millesime - 1
    census = column_year - 3
    pmun, pcap = geo.commune_totals(census, year)
    ptot = pmun + pcap
    names = geo.names(year)
    deps = geo.dep_codes()
    alive = np.flatnonzero(geo.alive(year))
    epci = geo.zones["epci"]
    dep_order = {d.code: i for i, d in enumerate(geo.departements)}
    rows = []
    for number in np.unique(epci[alive]):
        members = alive[epci[alive] == number]
        members = members[np.lexsort((geo.code[members], -ptot[members]))]
        seat_dep = geo.departements[geo.epci_dep[number]].code
        nature = geo.epci_nature[number]
        for member in members:
            rows.append(
                [
                    seat_dep, int(geo.epci_siren[number]), geo.epci_name[number], nature,
                    geo.epci_mode[number], len(members), int(ptot[members].sum()),
                    int(pmun[members].sum()), deps[member], geo.code[member],
                    commune_siren(geo.code[member]), libelle(names[member], geo.tncc[member]),
                    int(ptot[member]), int(pmun[member]),
                ]
            )  # fmt: skip
    rows.sort(key=lambda r: (dep_order[r[0]], r[1], -r[12], r[9]))
    header = [*EPCI_HEADER_START, f"ptot_{column_year}", f"pmun_{column_year}"]
    styles = {c: xlsx.STYLE_THOUSANDS for c in (6, 7, 12, 13)}
    xlsx.write(
        target,
        [xlsx.Sheet(f"Epcicom{column_year}", [header, *rows], styles, 2, autofilter=True)],
    )


# --- INSEE: table d'appartenance géographique ---------------------------------------------------


def _titled(year: int, title: str, codes: list[str], labels: list[str]) -> list[list[object]]:
    return [
        [f"Liste des communes au 1er janvier {year}"],
        [title],
        [f"Mise en ligne le 18/03/{year}       Géographie au 01/01/{year}"],
        ["Source(s) : Insee, Code officiel géographique"],
        labels,
        codes,
    ]


def _tagc_columns(geo: Geography, year: int) -> dict[str, np.ndarray]:
    deps = geo.dep_codes()
    return {
        "DEP": deps,
        "CTCD": ctcd(geo),
        "REG": geo.region_codes(),
        "EPCI": geo.epci_siren[geo.zones["epci"]],
        "ARR": geo.zones["arr"],
        "CANOV": geo.zones["canton"],
        "ZE2020": geo.zones["ze"],
        "UU2020": geo.zones["uu"],
        "AAV2020": geo.zones["aav"],
        "BV2022": geo.code[geo.zones["bv"]],
    }


def appartenance_geo(world: World, millesime: int, target: Path) -> None:
    """`table-appartenance-geo-communes-YYYY.zip` holding the five-sheet workbook."""
    geo = world.geo
    year = millesime
    names = geo.names(year)
    columns = _tagc_columns(geo, year)
    libelles = [libelle(n, t) for n, t in zip(names, geo.tncc, strict=True)]
    com_rows = []
    for i in np.flatnonzero(geo.alive(year)):
        com_rows.append(
            [
                geo.code[i], libelles[i], columns["DEP"][i], columns["CTCD"][i],
                columns["REG"][i], columns["EPCI"][i], "ZZZZZZZZZ", columns["ARR"][i],
                columns["CANOV"][i], columns["ZE2020"][i], columns["UU2020"][i],
                columns["AAV2020"][i], columns["BV2022"][i],
            ]
        )  # fmt: skip
    com_rows.sort(key=lambda r: r[0])
    arm_rows = []
    for k, code in enumerate(geo.arm_code):
        city = geo.arm_parent[k]
        row = [
            code, geo.arm_name[k], columns["DEP"][city], columns["CTCD"][city],
            columns["REG"][city], columns["EPCI"][city], "ZZZZZZZZZ", columns["ARR"][city],
            columns["CANOV"][city], columns["ZE2020"][city], columns["UU2020"][city],
            columns["AAV2020"][city], geo.code[city], geo.code[city],
        ]  # fmt: skip
        arm_rows.append(row)
    labels = [_TAGC_LABELS[c][0] for c in _TAGC_CODES]
    sheets = [
        xlsx.Sheet(
            "COM",
            _titled(year, "France - Communes", _TAGC_CODES, labels) + com_rows,
            trailing_text_row=len(_TAGC_CODES),
        ),
        xlsx.Sheet(
            "ARM",
            _titled(
                year,
                "France - Arrondissements municipaux",
                [*_TAGC_CODES, "COM"],
                [*labels, _TAGC_LABELS["COM"][0]],
            )
            + arm_rows,
            trailing_text_row=len(_TAGC_CODES) + 1,
        ),
        xlsx.Sheet(
            "Zones_supra_communales",
            _titled(
                year,
                "France - Zones supra-communales",
                ["NIVGEO", "CODGEO", "LIBGEO", "NB_COM"],
                [
                    "Niveau géographique",
                    "Code géographique",
                    "Libellé géographique",
                    "Nombre communes",
                ],
            )
            + _zones(geo, com_rows, libelles),
            trailing_text_row=4,
        ),
        xlsx.Sheet(
            "Variables",
            [
                *_titled(
                    year,
                    "France - Variables",
                    ["VAR_ID", "VAR_LIB", "VAR_LIB_LONG"],
                    [
                        "Code de la variable",
                        "Libellé de la variable",
                        "Libellé long de la variable",
                    ],
                ),
                *([code, short, long] for code, (short, long) in _TAGC_LABELS.items()),
            ],
        ),
        xlsx.Sheet(
            "Documentation",
            [
                *_titled(year, "France - Documentation", [], []),
                ["Définitions"],
                ["Jeu synthétique national : communes, zonages et codes inventés (mesures)."],
                ["Les zonages d'étude"],
                [
                    "Zones d'emploi, unités urbaines et aires d'attraction des villes dans leur "
                    "version 2020, bassins de vie dans leur version 2022, sur la géographie "
                    "communale en vigueur."
                ],
            ],
        ),
    ]
    member = f"table-appartenance-geo-communes-{millesime}.xlsx"
    workbook = world.scratch_file(member)
    xlsx.write(workbook, sheets)
    zip_files(target, [(member, workbook)])
    workbook.unlink()


def _zones(geo: Geography, com_rows: list[list], libelles: list[str]) -> list[list[object]]:
    """Zones_supra_communales: every zone of every level with a label and its communes."""
    levels = {
        "AAV2020": 11, "ARR": 7, "BV2022": 12, "CANOV": 8, "CTCD": 3, "DEP": 2, "EPCI": 5,
        "REG": 4, "UU2020": 10, "ZE2020": 9,
    }  # fmt: skip
    index = {code: i for i, code in enumerate(geo.code)}
    counts: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], str] = {}
    for row in com_rows:
        for level, column in levels.items():
            key = (level, row[column])
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, row[0])
    dep_names = {d.code: d.name for d in geo.departements}
    epci_names = dict(zip(geo.epci_siren, geo.epci_name, strict=True))
    rows = []
    for (level, code), count in sorted(counts.items()):
        town = libelles[index[first[level, code]]]
        if level == "REG":
            label = REGIONS[code][1]
        elif level == "DEP":
            label = dep_names[code]
        elif level == "CTCD":
            label = dep_names.get(code[:-1], f"Collectivité {code}")
        elif level == "EPCI":
            label = epci_names[code]
        elif level == "BV2022":
            label = libelles[index[code]]
        elif level in ("AAV2020", "UU2020") and code[-3:] == "000":
            label = (
                "Commune hors attraction des villes" if level == "AAV2020" else "Hors unité urbaine"
            )
        elif level == "ARR":
            label = f"Arrondissement {with_de(town)}"
        elif level == "CANOV":
            label = f"Canton {with_de(town)}"
        elif level == "ZE2020":
            label = f"Zone d'emploi {with_de(town)}"
        else:
            label = town
        rows.append([level, code, label, count])
    return rows


# --- geo.api.gouv.fr: /communes JSON ------------------------------------------------------------


def _number(value: float) -> float | int:
    """A coordinate as JavaScript's JSON writes it: 46 rather than 46.0."""
    return int(value) if value == int(value) else value


def communes_centroides(world: World, millesime: int, target: Path) -> None:
    """`/communes?fields=code,nom,codeDepartement,centre,mairie&type=commune-actuelle,
    arrondissement-municipal`: communes and arrondissements of the current COG."""
    geo = world.geo
    names = geo.names(millesime)
    deps = geo.dep_codes()
    rng = rng_for(geo.seed, f"centroides-{millesime}")
    alive = np.flatnonzero(geo.alive(millesime))
    entries = [
        (geo.code[i], libelle(names[i], geo.tncc[i]), deps[i], geo.lat[i], geo.lon[i])
        for i in alive
    ]
    entries += [
        (code, geo.arm_name[k], deps[geo.arm_parent[k]], geo.arm_lat[k], geo.arm_lon[k])
        for k, code in enumerate(geo.arm_code)
    ]
    entries.sort()
    offsets = rng.uniform(-1, 1, (len(entries), 2)) * [0.006, 0.004]
    no_mairie = rng.random(len(entries)) < 0.01
    records = []
    for (code, name, dep, lat, lon), (dlon, dlat), missing in zip(
        entries, offsets, no_mairie, strict=True
    ):
        record: dict[str, object] = {
            "code": code,
            "nom": name,
            "codeDepartement": dep,
            "centre": {
                "type": "Point",
                "coordinates": [_number(round(lon + dlon, 4)), _number(round(lat + dlat, 4))],
            },
        }
        if not missing:
            record["mairie"] = {
                "type": "Point",
                "coordinates": [_number(round(float(lon), 5)), _number(round(float(lat), 5))],
            }
        records.append(record)
    target.write_bytes(json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode())


# --- the custom territories file a user would write ---------------------------------------------

CUSTOM_YEAR = 2026
CUSTOM_LEVEL = "pays"


def territoires_personnalises(world: World, target: Path) -> None:
    """`code_commune,code_territoire,libelle,niveau`: "pays" grouping up to three EPCI of a
    département, over about half of France, in the COG of 2026."""
    geo = world.geo
    rng = rng_for(geo.seed, "pays")
    alive = np.flatnonzero(geo.alive(CUSTOM_YEAR))
    epci = geo.zones["epci"]
    rows = []
    for index, dep in enumerate(geo.departements):
        numbers = [int(e) for e in np.unique(epci[alive]) if geo.epci_dep[e] == index]
        if rng.random() < 0.5 and rows:
            continue
        for k, start in enumerate(range(0, len(numbers), 3), start=1):
            group = numbers[start : start + 3]
            code = f"PAYS-{dep.code}-{k:02d}"
            name = f"Pays {k} {with_de(dep.name)}"
            members = alive[np.isin(epci[alive], group)]
            rows += [[geo.code[m], code, name, CUSTOM_LEVEL] for m in members]
    rows.sort(key=lambda r: (r[1], r[0]))
    header = ["code_commune", "code_territoire", "libelle", "niveau"]
    target.write_bytes(csv_bytes(header, rows, separator=","))
