"""From a file's headers to the catalog's columns: which header feeds each column (matched
leniently, aliases in order of preference) and the generic parser's expression for each.

Kept apart from reading (tabular.py): every format family maps columns the same way, whatever
the file format it was read from."""

from __future__ import annotations

import re
from collections.abc import Sequence

from observatory.catalog import Column, Dataset, normalise_header
from observatory.sources.errors import ParseError
from observatory.warehouse import quote_identifier


def match_columns(
    columns: Sequence[Column], headers: Sequence[str], *, label: str, file_name: str
) -> dict[str, str | None]:
    """Map each catalog column to the header feeding it (first candidate present wins).

    A missing required column is an error that lists what the file does have, since a renamed
    column is the most common way an official file changes without notice.
    """
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(normalise_header(header), header)
    matched: dict[str, str | None] = {}
    missing = []
    for column in columns:
        found = next((by_key[k] for k in column.candidates if k in by_key), None)
        if found is None and column.pattern:
            found = next((h for k, h in by_key.items() if re.search(column.pattern, k)), None)
        matched[column.name] = found
        if found is None and column.required:
            expected = " or ".join(dict.fromkeys((column.name, *column.aliases)))
            if column.pattern:
                expected += f" or matching {column.pattern}"
            missing.append(f"{column.name} (header {expected})")
    if missing:
        raise ParseError(
            f"{label}: {file_name}: required column(s) missing: {'; '.join(missing)}. "
            f"Headers found: {', '.join(headers) or '(none)'}",
            check="columns_present",
            column=", ".join(m.split(" ", 1)[0] for m in missing),
        )
    return matched


def column_expressions(dataset: Dataset, matched: dict[str, str | None]) -> list[tuple[str, str]]:
    """The generic parser: each catalog column is its header, trimmed, or NULL when absent."""
    expressions = []
    for column in dataset.columns:
        header = matched.get(column.name)
        expr = f"nullif(trim({quote_identifier(header)}), '')" if header else "null::varchar"
        expressions.append((column.name, expr))
    return expressions
