"""Sample copies of the COG files and of the populations de référence, per millésime.

Headers, separators, quoting and packaging follow ../shared/reference/formats.md: COG files are
comma-separated with every field quoted; `donnees_communes.csv` is `;`-separated with CRLF inside
`ensemble.zip`, with the 2019-2020 header (COM = name) or the 2021+ header (COM = code).
"""

from __future__ import annotations

from observatory.formats.archive import zip_bytes
from observatory.formats.delimited import csv_bytes
from observatory.formats.names import ARTICLES, cog_names
from observatory.sample.geography import (
    COMMUNES,
    DEPARTEMENTS,
    MERGERS,
    REGIONS,
    Commune,
    commune_name,
    geography,
    population,
)

_DEPARTEMENT = {d.code: d for d in DEPARTEMENTS}
_REGION = {r.code: r for r in REGIONS}
_COMMUNE = {c.code: c for c in COMMUNES}


def _ctcd(departement: str) -> str:
    return "20R" if departement in ("2A", "2B") else f"{departement}D"


def cog_communes(year: int) -> bytes:
    geo = geography(year)
    rows = []
    for commune in geo.communes:
        dep = _DEPARTEMENT[commune.departement]
        name = geo.names[commune.code] if commune.typecom == "COM" else commune.name
        rows.append(
            (
                (commune.code, 0 if commune.typecom == "COM" else 2),
                [
                    commune.typecom,
                    commune.code,
                    dep.region,
                    dep.code,
                    _ctcd(dep.code),
                    commune.arrondissement,
                    commune.tncc,
                    *cog_names(name, commune.tncc),
                    commune.canton,
                    commune.parent or "",
                ],
            )
        )
    for code, name, parent in geo.delegated:
        tncc = _COMMUNE[code].tncc
        rows.append(
            ((code, 1), ["COMD", code, "", "", "", "", tncc, *cog_names(name, tncc), "", parent])
        )
    header = [
        "TYPECOM",
        "COM",
        "REG",
        "DEP",
        "CTCD",
        "ARR",
        "TNCC",
        "NCC",
        "NCCENR",
        "LIBELLE",
        "CAN",
        "COMPARENT",
    ]
    return csv_bytes(header, [r for _, r in sorted(rows)], separator=",", quote_all=True)


def cog_departements(year: int) -> bytes:
    header = ["DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"]
    rows = [
        [d.code, d.region, d.cheflieu, d.tncc, *cog_names(d.name, d.tncc)] for d in DEPARTEMENTS
    ]
    return csv_bytes(header, rows, separator=",", quote_all=True)


def cog_regions(year: int) -> bytes:
    header = ["REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"]
    rows = [[r.code, r.cheflieu, "0", *cog_names(r.name, "0")] for r in REGIONS]
    return csv_bytes(header, rows, separator=",", quote_all=True)


def _movement(
    mod: str, date: str, before: tuple[str, str, str], after: tuple[str, str, str]
) -> list[str]:
    (type_av, code_av, name_av), (type_ap, code_ap, name_ap) = before, after
    tncc_av, tncc_ap = _COMMUNE[code_av].tncc, _COMMUNE[code_ap].tncc
    return [
        mod,
        date,
        type_av,
        code_av,
        tncc_av,
        *cog_names(name_av, tncc_av),
        type_ap,
        code_ap,
        tncc_ap,
        *cog_names(name_ap, tncc_ap),
    ]


def cog_mouvements(year: int) -> bytes:
    """Every sample movement effective on or before 1 January of `year`, newest first."""
    rows = []
    for commune in COMMUNES:
        if commune.renamed_from and commune.renamed_from[0] <= year:
            date = f"{commune.renamed_from[0]}-01-01"
            rows.append(
                _movement(
                    "10",
                    date,
                    ("COM", commune.code, commune.renamed_from[1]),
                    ("COM", commune.code, commune.name),
                )
            )
    for merger in MERGERS:
        if merger.year > year:
            continue
        date = f"{merger.year}-01-01"
        before = geography(merger.year - 1)
        new_name = merger.new_name or before.names[merger.into]
        for code in (merger.into, *merger.absorbed):
            old = ("COM", code, before.names[code])
            rows.append(_movement(merger.mod, date, old, ("COM", merger.into, new_name)))
            if merger.mod == "32":
                rows.append(_movement(merger.mod, date, old, ("COMD", code, before.names[code])))
    header = [
        "MOD",
        "DATE_EFF",
        "TYPECOM_AV",
        "COM_AV",
        "TNCC_AV",
        "NCC_AV",
        "NCCENR_AV",
        "LIBELLE_AV",
        "TYPECOM_AP",
        "COM_AP",
        "TNCC_AP",
        "NCC_AP",
        "NCCENR_AP",
        "LIBELLE_AP",
    ]
    rows.sort(key=lambda r: (r[1], r[3], r[8], r[9]), reverse=True)
    return csv_bytes(header, rows, separator=",", quote_all=True)


def _population_rows(millesime: int) -> list[tuple[Commune, str, int, int]]:
    """(commune, name, PMUN, PCAP) in the COG of millésime + 2, arrondissements instead of PLM."""
    geo = geography(millesime + 2)
    totals: dict[str, list[int]] = {}
    for commune in COMMUNES:
        pmun, pcap = population(commune, millesime)
        target = totals.setdefault(geo.code_of(commune.code), [0, 0])
        target[0] += pmun
        target[1] += pcap
    parents = {c.parent for c in geo.communes if c.parent}
    return [
        (c, geo.names[c.code] if c.typecom == "COM" else commune_name(c, geo.year), *totals[c.code])
        for c in geo.communes
        if c.code not in parents
    ]


def populations_reference(millesime: int) -> bytes:
    """`ensemble.zip`: donnees_communes.csv and donnees_departements.csv of one millésime."""
    old_layout = millesime <= 2020
    communes, by_dep = [], {}
    for commune, name, pmun, pcap in _population_rows(millesime):
        dep = _DEPARTEMENT[commune.departement]
        region = _REGION[dep.region]
        libelle = f"{ARTICLES[commune.tncc]}{name}"
        codarr = str(int(commune.arrondissement[-1]))
        codcan = ("NA" if old_layout else "") if commune.typecom == "ARM" else commune.canton[-2:]
        if old_layout:
            communes.append(
                [
                    region.code,
                    region.name,
                    dep.code,
                    codarr,
                    codcan,
                    commune.code[-3:],
                    libelle,
                    pmun,
                    pcap,
                    pmun + pcap,
                ]
            )
        else:
            communes.append(
                [
                    region.code,
                    region.name,
                    dep.code,
                    codarr,
                    codcan,
                    commune.code[-3:],
                    commune.code,
                    libelle,
                    pmun,
                    pcap,
                    pmun + pcap,
                ]
            )
        stats = by_dep.setdefault(
            dep.code, {"arr": set(), "can": set(), "com": set(), "pmun": 0, "ptot": 0}
        )
        stats["arr"].add(commune.arrondissement)
        stats["can"].add(commune.canton)
        stats["com"].add(commune.parent or commune.code)
        stats["pmun"] += pmun
        stats["ptot"] += pmun + pcap
    if old_layout:
        header = [
            "CODREG",
            "REG",
            "CODDEP",
            "CODARR",
            "CODCAN",
            "CODCOM",
            "COM",
            "PMUN",
            "PCAP",
            "PTOT",
        ]
        dep_header = ["CODREG", "REG", "CODDEP", "DEP", "NBARR", "NBCAN", "NBCOM", "PMUN", "PTOT"]
    else:
        header = [
            "REG",
            "Région",
            "DEP",
            "CODARR",
            "CODCAN",
            "CODCOM",
            "COM",
            "Commune",
            "PMUN",
            "PCAP",
            "PTOT",
        ]
        dep_header = [
            "REG",
            "Région",
            "DEP",
            "Département",
            "NBARR",
            "NBCAN",
            "NBCOM",
            "PMUN",
            "PTOT",
        ]
    departements = []
    for dep in DEPARTEMENTS:
        stats = by_dep[dep.code]
        departements.append(
            [
                dep.region,
                _REGION[dep.region].name,
                dep.code,
                dep.name,
                len(stats["arr"]),
                len(stats["can"]),
                len(stats["com"]),
                stats["pmun"],
                stats["ptot"],
            ]
        )
    return zip_bytes(
        [
            ("donnees_communes.csv", csv_bytes(header, communes, separator=";", crlf=True)),
            (
                "donnees_departements.csv",
                csv_bytes(dep_header, departements, separator=";", crlf=True),
            ),
        ]
    )
