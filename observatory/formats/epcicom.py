"""The DGCL's list of EPCI members, `epcicomYYYY.xlsx`.

One sheet named after the year before the file's (`Epcicom2025` in epcicom2026.xlsx), header on
row 1, one row per member commune, SIREN and populations as numbers, populations in `#,##0`,
an autofilter over the table (formats.md §2). The populations columns are named after that
same year (`ptot_2025`) and hold the populations in force then.
"""

from __future__ import annotations

from collections.abc import Sequence

from observatory.formats.delimited import Cell
from observatory.formats.xlsx import STYLE_THOUSANDS, Sheet

HEADER_START = (
    "dept", "siren", "raison_sociale", "nature_juridique", "mode_financ", "nb_membres",
    "total_pop_tot", "total_pop_mun", "dep_com", "insee", "siren_membre", "nom_membre",
)  # fmt: skip
THOUSANDS_COLUMNS = (6, 7, 12, 13)
"""total_pop_tot, total_pop_mun, ptot_, pmun_: written `#,##0`."""


def header(column_year: int) -> list[str]:
    """The 14 column names; the last two carry `column_year`."""
    return [*HEADER_START, f"ptot_{column_year}", f"pmun_{column_year}"]


def epcicom_sheet(column_year: int, rows: Sequence[Sequence[Cell]]) -> Sheet:
    """The file's one sheet, for the millésime `column_year + 1`."""
    styles = {column: STYLE_THOUSANDS for column in THOUSANDS_COLUMNS}
    return Sheet(f"Epcicom{column_year}", [header(column_year), *rows], styles, 2, autofilter=True)
