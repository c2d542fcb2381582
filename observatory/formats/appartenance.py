"""INSEE's table d'appartenance géographique des communes: the zipped five-sheet workbook.

`table-appartenance-geo-communes-YYYY.zip` holds one workbook (formats.md §6): sheets COM, ARM,
Zones_supra_communales, Variables and Documentation, each with four title rows, the labels on
row 5 and the codes on row 6; every code is text, and each data sheet ends with one empty
text-formatted row. The pipeline finds its header by those rows, so both generators build the
sheets here and only supply their rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from observatory.formats.delimited import Cell
from observatory.formats.xlsx import Sheet

TAGC_CODES = [
    "CODGEO",
    "LIBGEO",
    "DEP",
    "CTCD",
    "REG",
    "EPCI",
    "EPT",
    "ARR",
    "CANOV",
    "ZE2020",
    "UU2020",
    "AAV2020",
    "BV2022",
]
"""Columns of the COM sheet, in order (the ARM sheet adds COM, the commune englobante)."""
TAGC_LABELS = {
    "CODGEO": ("Code géographique", "Code géographique de la commune"),
    "LIBGEO": ("Libellé géographique", "Libellé géographique de la commune"),
    "DEP": ("Département", "Code géographique du département"),
    "CTCD": (
        "Collectivité territoriale ayant les compétences départementales",
        "Code géographique de la collectivité territoriale ayant les compétences départementales",
    ),
    "REG": ("Région", "Code géographique de la région"),
    "EPCI": ("Intercommunalité - Métropole", "Code géographique de l'intercommunalité"),
    "EPT": ("Établissement public territorial", "Code géographique de l'EPT"),
    "ARR": ("Arrondissement", "Code géographique de l'arrondissement"),
    "CANOV": ("Canton-ou-ville", "Code géographique du canton-ou-ville"),
    "ZE2020": ("Zone d'emploi 2020", "Code géographique de la zone d'emploi 2020"),
    "UU2020": ("Unité urbaine 2020", "Code géographique de l'unité urbaine 2020"),
    "AAV2020": (
        "Aire d'attraction des villes 2020",
        "Code géographique de l'aire d'attraction des villes 2020",
    ),
    "BV2022": ("Bassin de vie 2022", "Code géographique du bassin de vie 2022"),
    "COM": ("Commune englobante", "Code géographique de la commune englobante"),
    "NIVGEO": ("Niveau géographique", "Niveau géographique de l'objet"),
    "NB_COM": ("Nombre communes", "Nombre de communes contenues dans l'objet géographique"),
}
"""(short label, long label) of every variable: row 5 of the sheets, and the Variables sheet."""
NO_EPT = "ZZZZZZZZZ"
"""EPT of a commune outside the Métropole du Grand Paris (and EPCI of one in no EPCI)."""
ZONE_CODES = ["NIVGEO", "CODGEO", "LIBGEO", "NB_COM"]
ZONE_LABELS = [
    "Niveau géographique",
    "Code géographique",
    "Libellé géographique",
    "Nombre communes",
]


def member_name(millesime: int) -> str:
    """The workbook's name inside the zip (the zip is the same name with `.zip`)."""
    return f"table-appartenance-geo-communes-{millesime}.xlsx"


def titled(year: int, title: str, codes: Sequence[str], labels: Sequence[str]) -> list[list[Cell]]:
    """The six rows above a sheet's data: four title rows, the labels, the codes."""
    return [
        [f"Liste des communes au 1er janvier {year}"],
        [title],
        [f"Mise en ligne le 18/03/{year}       Géographie au 01/01/{year}"],
        ["Source(s) : Insee, Code officiel géographique"],
        list(labels),
        list(codes),
    ]


def appartenance_sheets(
    year: int,
    com_rows: Sequence[Sequence[Cell]],
    arm_rows: Sequence[Sequence[Cell]],
    zone_rows: Sequence[Sequence[Cell]],
    about: str,
) -> list[Sheet]:
    """The five sheets of the workbook of `year`.

    `com_rows` follow TAGC_CODES, `arm_rows` add the commune englobante, `zone_rows` are
    (NIVGEO, CODGEO, LIBGEO, NB_COM); `about` is the Documentation sheet's sentence saying
    what the file describes (invented data here, never INSEE's)."""
    labels = [TAGC_LABELS[c][0] for c in TAGC_CODES]
    arm_codes = [*TAGC_CODES, "COM"]
    return [
        Sheet(
            "COM",
            titled(year, "France - Communes", TAGC_CODES, labels) + list(com_rows),
            trailing_text_row=len(TAGC_CODES),
        ),
        Sheet(
            "ARM",
            titled(
                year,
                "France - Arrondissements municipaux",
                arm_codes,
                [*labels, TAGC_LABELS["COM"][0]],
            )
            + list(arm_rows),
            trailing_text_row=len(arm_codes),
        ),
        Sheet(
            "Zones_supra_communales",
            titled(year, "France - Zones supra-communales", ZONE_CODES, ZONE_LABELS)
            + list(zone_rows),
            trailing_text_row=len(ZONE_CODES),
        ),
        Sheet(
            "Variables",
            [
                *titled(
                    year,
                    "France - Variables",
                    ["VAR_ID", "VAR_LIB", "VAR_LIB_LONG"],
                    [
                        "Code de la variable",
                        "Libellé de la variable",
                        "Libellé long de la variable",
                    ],
                ),
                *([code, short, long] for code, (short, long) in TAGC_LABELS.items()),
            ],
        ),
        Sheet(
            "Documentation",
            [
                *titled(year, "France - Documentation", [], []),
                ["Définitions"],
                [about],
                ["Les zonages d'étude"],
                [
                    "Zones d'emploi, unités urbaines et aires d'attraction des villes dans leur "
                    "version 2020, bassins de vie dans leur version 2022, sur la géographie "
                    "communale en vigueur."
                ],
            ],
        ),
    ]
