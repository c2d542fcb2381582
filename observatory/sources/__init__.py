"""Parser families: official file -> the columns of its raw table.

A catalog entry names its family (`parser:`); the family turns the columns matched in the file into
the SQL expressions of the raw table. Most datasets need only the generic `tabular` family; a
family module exists where an official file needs more (a code rebuilt from two columns, a header
that changed between editions).
"""

from __future__ import annotations

from collections.abc import Callable

from observatory.catalog import Dataset
from observatory.sources.centroides import column_expressions_centroides
from observatory.sources.populations import column_expressions_populations
from observatory.sources.tabular import column_expressions

ColumnExpressions = Callable[[Dataset, dict[str, str | None]], list[tuple[str, str]]]

PARSERS: dict[str, ColumnExpressions] = {
    "tabular": column_expressions,
    "populations": column_expressions_populations,
    "centroides": column_expressions_centroides,
}


def parser_for(dataset: Dataset) -> ColumnExpressions:
    try:
        return PARSERS[dataset.parser]
    except KeyError:
        raise ValueError(
            f"dataset {dataset.id}: parser {dataset.parser!r} is unknown; "
            f"known parsers: {', '.join(sorted(PARSERS))}"
        ) from None
