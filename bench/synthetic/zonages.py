"""Zoning files of the synthetic France: DGCL EPCI composition, INSEE table d'appartenance,
geo.api.gouv.fr communes JSON, and a custom territories CSV.

Layouts are the bundled sample's (observatory/sample/zonages.py, after formats.md §2 and §6):
`epcicomYYYY.xlsx` with one sheet named after the previous year, header on row 1, SIREN and
populations as numbers (`ptot_{Y-1}` = populations de référence of millésime Y-4); the table
d'appartenance zip holding a five-sheet workbook with four title rows, labels on row 5, codes on
row 6, every code as text and one empty text-formatted row closing each data sheet; the compact
JSON array with `[longitude, latitude]` points (no `mairie` for a few communes). The layouts
themselves are observatory.formats's; this module supplies the national rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.synthetic.geography import Geography, rng_for
from bench.synthetic.reference import REGIONS
from bench.synthetic.territoires import ctcd
from bench.synthetic.world import World
from bench.synthetic.zonings import with_de
from observatory.formats import xlsx
from observatory.formats.appartenance import NO_EPT, appartenance_sheets, member_name
from observatory.formats.archive import zip_files
from observatory.formats.delimited import csv_bytes
from observatory.formats.densite import CLASSES, ZIP_YEARS, grille_sheet, workbook_name
from observatory.formats.epcicom import epcicom_sheet
from observatory.formats.names import libelle
from observatory.formats.siren import commune_siren


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
    xlsx.write(target, [epcicom_sheet(column_year, rows)])


# --- INSEE: table d'appartenance géographique ---------------------------------------------------


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
                columns["REG"][i], columns["EPCI"][i], NO_EPT, columns["ARR"][i],
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
            columns["REG"][city], columns["EPCI"][city], NO_EPT, columns["ARR"][city],
            columns["CANOV"][city], columns["ZE2020"][city], columns["UU2020"][city],
            columns["AAV2020"][city], geo.code[city], geo.code[city],
        ]  # fmt: skip
        arm_rows.append(row)
    sheets = appartenance_sheets(
        year,
        com_rows,
        arm_rows,
        _zones(geo, com_rows, libelles),
        "Jeu synthétique national : communes, zonages et codes inventés (mesures).",
    )
    member = member_name(millesime)
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


# --- INSEE: grille communale de densité ----------------------------------------------------------


def _grille_workbook(world: World, year: int, target: Path) -> None:
    geo = world.geo
    population_year = year - 3
    pmun, _ = geo.commune_totals(population_year, year)
    names = geo.names(year)
    alive = np.flatnonzero(geo.alive(year))
    dens = np.full(geo.n, 7, dtype=np.int64)
    for cls, threshold in ((6, 600), (5, 1_500), (4, 3_500), (2, 10_000), (1, 50_000)):
        dens[pmun >= threshold] = cls
    # about one commune in eight of classes 4 to 6 lies in a ceinture urbaine (class 3)
    draw = rng_for(geo.seed, f"grille-densite-{year}").random(geo.n)
    dens[(dens >= 4) & (dens <= 6) & (draw < 0.125)] = 3
    rows = [
        [
            geo.code[i],
            libelle(names[i], geo.tncc[i]),
            int(dens[i]),
            CLASSES[int(dens[i])],
            int(pmun[i]),
        ]
        for i in sorted(alive, key=lambda i: geo.code[i])
    ]
    note = "Jeu synthétique national : communes et classes inventées (mesures)."
    xlsx.write(target, [grille_sheet(year, population_year, rows, note)])


def grille_densite(world: World, millesime: int, target: Path) -> None:
    """`grille_densite_7_niveaux_YYYY.xlsx`, or for 2015-2020 the zip of the six workbooks."""
    if millesime not in ZIP_YEARS:
        _grille_workbook(world, millesime, target)
        return
    members = []
    for year in ZIP_YEARS:
        workbook = world.scratch_file(workbook_name(year))
        _grille_workbook(world, year, workbook)
        members.append((workbook_name(year), workbook))
    zip_files(target, members)
    for _, workbook in members:
        workbook.unlink()
