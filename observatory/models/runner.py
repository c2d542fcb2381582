"""Build the models in dependency order on one DuckDB connection, skipping unchanged ones.

One connection means one writer, which is all DuckDB allows. A model is rebuilt only when its
fingerprint changed: its SQL, the macros and run parameters, or what it reads (dbt's state
comparison, see state.py); `observatory build --full-refresh` forgets the fingerprints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import duckdb

from observatory import state
from observatory.models import ModelError
from observatory.models.graph import SqlModel
from observatory.warehouse import (
    escape_literal,
    model_states,
    quote_identifier,
    remember_model,
    table_exists,
)

PREVIEW_ROWS = 5


@dataclass(frozen=True)
class TableDescription:
    """What came out of a model: rows, columns (name, type, description) and a preview."""

    rows: int
    columns: list[tuple[str, str, str | None]]
    preview: list[tuple]
    undocumented: list[str]


@dataclass(frozen=True)
class ModelRun:
    model: SqlModel
    description: TableDescription
    rebuilt: bool


GRAIN_MARKER = " Grain: "
"""A built table's comment is `<description> Grain: <grain>`: what `describe`, the published
manifest and `observatory describe` show."""


def table_comment(description: str, grain: str) -> str:
    return f"{description}{GRAIN_MARKER}{grain}"


def split_table_comment(comment: str | None) -> tuple[str, str]:
    """(description, grain) of a table comment; a comment without a grain is all description."""
    text = (comment or "").strip()
    description, marker, grain = text.rpartition(GRAIN_MARKER)
    return (description.strip(), grain.strip()) if marker else (text, "")


def describe_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> TableDescription:
    """Row count, schema and a preview of a model's table."""
    described = con.execute(f"describe {model.table}").fetchall()
    count = con.execute(f"select count(*) from {model.table}").fetchall()[0]
    preview = con.execute(f"select * from {model.table} limit {PREVIEW_ROWS}").fetchall()
    return TableDescription(
        rows=int(count[0]) if count else 0,
        columns=[(r[0], r[1].lower(), model.columns.get(r[0])) for r in described],
        preview=preview,
        undocumented=[r[0] for r in described if r[0] not in model.columns],
    )


def run_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> TableDescription:
    """Build one table, attach its descriptions, and describe what came out."""
    con.execute(f"create or replace table {model.table} as\n{model.sql}")
    comment = table_comment(model.description, model.grain)
    con.execute(f"comment on table {model.table} is '{escape_literal(comment)}'")
    names = [r[0] for r in con.execute(f"describe {model.table}").fetchall()]
    for column, text in model.columns.items():
        if column in names:
            target = f"{model.table}.{quote_identifier(column)}"
            con.execute(f"comment on column {target} is '{escape_literal(text)}'")
    undocumented = [n for n in names if n not in model.columns]
    if model.schema == "marts" and undocumented:
        raise ModelError(
            f"{model.path}: published columns need a description in the header: "
            f"{', '.join(undocumented)}"
        )
    return describe_model(con, model)


def run_models(
    con: duckdb.DuckDBPyConnection,
    models: Iterable[SqlModel],
    macros: list[str],
    *,
    log: Callable[[str], None] | None = None,
) -> Iterator[ModelRun]:
    """Build (or keep) each model in the given order; `macros` are the macro files' texts.

    The connection must be prepared first (parameters, macros, empty raw tables: see
    project.prepare). Yields each model as it is done, so a caller reports progress."""
    say = log or (lambda _m: None)
    stored = model_states(con)
    context = state.models_context(con, macros)
    fingerprints: dict[str, str] = {}
    for model in models:
        inputs = [
            fingerprints.get(d) or stored.get(d) or state.source_token(con, d)
            for d in sorted(model.deps)
        ]
        fingerprint = state.model_fingerprint(model.sql, context, inputs)
        fingerprints[model.table] = fingerprint
        if stored.get(model.table) == fingerprint and table_exists(con, model.table):
            say(f"{model.table}: unchanged (same SQL and inputs)")
            yield ModelRun(model, describe_model(con, model), rebuilt=False)
        else:
            say(f"building {model.table}")
            description = run_model(con, model)
            remember_model(con, model.table, fingerprint)
            yield ModelRun(model, description, rebuilt=True)
