"""INSEE's grille communale de densité à 7 niveaux, `grille_densite_7_niveaux_YYYY.xlsx`.

One sheet, four title rows, the header on row 5 (`CODGEO`, `LIBGEO`, `DENS`, `LIBDENS`,
`PMUNyy`), one row per commune of the COG of the year, codes as text, the class as a number,
the population in `#,##0` (../shared/reference/live_sources_check.md). 2015 to 2020 are
published together, one such workbook per year inside `grille_densite_7_niveaux_2015-2020.zip`.
"""

from __future__ import annotations

from collections.abc import Sequence

from observatory.formats.delimited import Cell
from observatory.formats.xlsx import STYLE_TEXT, STYLE_THOUSANDS, Sheet

CLASSES = {
    1: "Grands centres urbains",
    2: "Centres urbains intermédiaires",
    3: "Ceintures urbaines",
    4: "Petites villes",
    5: "Bourgs ruraux",
    6: "Rural à habitat dispersé",
    7: "Rural à habitat très dispersé",
}
"""DENS -> LIBDENS, INSEE's labels of the seven classes."""

HEADER_ROW = 5
ZIP_YEARS = range(2015, 2021)
"""Grids published inside the one 2015-2020 zip rather than as a workbook of their own."""


def workbook_name(year: int) -> str:
    return f"grille_densite_7_niveaux_{year}.xlsx"


def header(population_year: int) -> list[str]:
    return ["CODGEO", "LIBGEO", "DENS", "LIBDENS", f"PMUN{population_year % 100:02d}"]


def grille_sheet(
    year: int, population_year: int, rows: Sequence[Sequence[Cell]], note: str
) -> Sheet:
    """The grid of `year`: title rows, the header on row 5, then `rows` (CODGEO, LIBGEO, DENS,
    LIBDENS, population)."""
    titles: list[list[Cell]] = [
        ["Grille communale de densité à 7 niveaux"],
        [f"Géographie au 1er janvier {year}, population municipale {population_year}"],
        [note],
        [],
    ]
    assert len(titles) == HEADER_ROW - 1
    styles = {0: STYLE_TEXT, 4: STYLE_THOUSANDS}
    return Sheet(
        f"Grille_Densite_{year}",
        [*titles, header(population_year), *rows],
        styles,
        styled_from=HEADER_ROW + 1,
    )
