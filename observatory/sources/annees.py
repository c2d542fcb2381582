"""Wide files with one column per year (DREES `effectif_2012 ... effectif_2026`), made long.

The catalog declares the year columns once, by pattern; this family turns each file row into one
raw row per year column (`annee`, `effectif`), keeping the value as written (`ND` stays `ND`),
so adding a year to the file needs no change anywhere.
"""

from __future__ import annotations

import re

from observatory.catalog import Dataset, normalise_header
from observatory.sources.columns import column_expressions
from observatory.sources.errors import ParseError
from observatory.sources.tabular import FILE_TABLE
from observatory.warehouse import quote_identifier


def relation_annees_en_colonnes(
    dataset: Dataset, matched: dict[str, str | None], headers: list[str]
) -> str:
    """SELECT over the file table: the fixed columns, then `annee` and `effectif` per year."""
    wide = next(c for c in dataset.columns if c.pattern)
    years = [h for h in headers if re.search(wide.pattern or "", normalise_header(h))]
    if not years:
        raise ParseError(f"{dataset.id}: no column matching {wide.pattern} (one per year)")
    fixed = [(n, e) for n, e in column_expressions(dataset, matched) if n != wide.name]
    select = ", ".join(f"{expr} as {quote_identifier(name)}" for name, expr in fixed)
    on = ", ".join(quote_identifier(h) for h in years)
    return (
        f"select {select}, null::varchar as {quote_identifier(wide.name)}, "
        "regexp_extract(colonne_annee, '(\\d{4})$', 1) as annee, "
        "nullif(trim(valeur), '') as effectif, _source_row "
        f"from (unpivot {FILE_TABLE} on {on} into name colonne_annee value valeur)"
    )
