"""Engine results as Dagster metadata: what the UI shows next to each materialization."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from observatory.models.runner import TableDescription


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (Dagster renders `MetadataValue.md`); `|` in values is escaped."""

    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def table_metadata(description: TableDescription) -> dict[str, object]:
    """Row count, schema and a preview of a built table."""
    names = [name for name, _type, _text in description.columns]
    return {
        "dagster/row_count": description.rows,
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, type_, description=text)
                for name, type_, text in description.columns
            ]
        ),
        "preview": dg.MetadataValue.md(markdown_table(names, description.preview)),
        "undocumented_columns": ", ".join(description.undocumented) or "none",
    }
