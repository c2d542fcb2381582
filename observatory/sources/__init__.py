"""Parser families: official file -> the columns of its raw table.

A catalog entry names its family (`parser:`); the family turns the columns matched in the file into
the SQL expressions of the raw table. Most datasets need only the generic `tabular` family; a
family module exists where an official file needs more (a code rebuilt from two columns, a header
that changed between editions).
"""

from __future__ import annotations

from collections.abc import Callable

from observatory.catalog import Dataset
from observatory.sources.annees import relation_annees_en_colonnes
from observatory.sources.centroides import column_expressions_centroides
from observatory.sources.columns import column_expressions
from observatory.sources.contours import GEOMETRY_COLUMN, column_expressions_contours
from observatory.sources.populations import column_expressions_populations
from observatory.sources.tabular import FILE_TABLE
from observatory.warehouse import quote_identifier

ColumnExpressions = Callable[[Dataset, dict[str, str | None]], list[tuple[str, str]]]
Relation = Callable[[Dataset, dict[str, str | None], list[str]], str]

PARSERS: dict[str, ColumnExpressions] = {
    "tabular": column_expressions,
    "populations": column_expressions_populations,
    "centroides": column_expressions_centroides,
    "contours": column_expressions_contours,
}

RAW_TYPES: dict[str, dict[str, str]] = {
    "contours": {GEOMETRY_COLUMN: "blob"},
}
"""Raw columns that are not text, by family: an outline is WKB, kept as bytes."""


def raw_type(dataset: Dataset, column: str) -> str:
    """The DuckDB type of one raw column (text unless the family says otherwise)."""
    return RAW_TYPES.get(dataset.parser, {}).get(column, "varchar")


RELATIONS: dict[str, Relation] = {
    "annees_en_colonnes": relation_annees_en_colonnes,
}
"""Families that reshape rows (one file row -> several raw rows): they give the whole SELECT."""


def relation_sql(dataset: Dataset, matched: dict[str, str | None], headers: list[str]) -> str:
    """The SELECT turning the file table into the raw table's columns plus `_source_row`."""
    if dataset.parser in RELATIONS:
        return RELATIONS[dataset.parser](dataset, matched, headers)
    expressions = parser_for(dataset)(dataset, matched)
    select = ", ".join(f"{expr} as {quote_identifier(name)}" for name, expr in expressions)
    return f"select {select}, _source_row from {FILE_TABLE}"


def parser_for(dataset: Dataset) -> ColumnExpressions:
    if dataset.parser in RELATIONS:
        return column_expressions
    try:
        return PARSERS[dataset.parser]
    except KeyError:
        raise ValueError(
            f"dataset {dataset.id}: parser {dataset.parser!r} is unknown; "
            f"known parsers: {', '.join(sorted({*PARSERS, *RELATIONS}))}"
        ) from None
