"""A model file -> `SqlModel`; the tables it reads, found in its SQL; every model, checked.

Each `dbt_like_sql/<layer>/<name>.sql` holds one SELECT and its header (see header.py). The
tables it reads are found with sqlglot (every schema-qualified table, minus CTE names), so
nobody declares a dependency by hand, and a reference to an unknown table, or a cycle, fails
when the project loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp

from observatory.models import ModelError
from observatory.models.header import Header, parse, statement

LAYERS = {"staging": "stg_", "intermediate": "int_", "quarantine": "", "marts": ""}
"""Layer folder -> required name prefix. `quarantine` holds the rows a source could not place,
one table per source named like its raw table (`quarantine.insee__populations_reference`)."""

TESTS_FOLDER = "tests"
"""`dbt_like_sql/tests/*.sql`: checks (one SELECT returning offending rows), see quality."""
NOT_MODELS = (TESTS_FOLDER, "seeds", "macros", "analysis")


@dataclass(frozen=True)
class SqlModel:
    """One SQL file = one table = one asset."""

    path: Path
    schema: str
    name: str
    sql: str
    header: Header
    deps: frozenset[str] = frozenset()

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def description(self) -> str:
        return self.header.description

    @property
    def grain(self) -> str:
        return self.header.grain

    @property
    def columns(self) -> dict[str, str]:
        return self.header.columns

    @property
    def display_path(self) -> str:
        """`dbt_like_sql/<folder>/<file>`, as shown to users."""
        return self.path.relative_to(self.path.parents[2]).as_posix()


def dependencies(sql: str, path: Path) -> frozenset[str]:
    """Schema-qualified tables a single SELECT reads (CTE names and table functions excluded)."""
    try:
        statements = [
            s
            for s in sqlglot.parse(sql, read="duckdb")
            if s is not None and not isinstance(s, exp.Semicolon)  # a comment after the `;`
        ]
    except sqlglot.errors.ParseError as exc:
        raise ModelError(f"{path}: SQL does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ModelError(f"{path}: expected exactly one statement, found {len(statements)}")
    query = statements[0]
    if not isinstance(query, exp.Query):
        raise ModelError(f"{path}: a model is one SELECT, found {query.key.upper()}")
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    deps = set()
    for table in query.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # table functions such as read_csv(...) or unnest(...)
        name = table.name.lower()
        if not table.db:
            if name in ctes:
                continue
            raise ModelError(
                f"{path}: table {table.name!r} must be schema-qualified "
                "(raw., staging., intermediate., marts.)"
            )
        deps.add(f"{table.db.lower()}.{name}")
    return frozenset(deps)


def read_select(path: Path) -> tuple[Header, str]:
    """A SQL file's header, which must give a description and the grain, and its statement
    (models and analysis queries alike)."""
    text = path.read_text(encoding="utf-8")
    header = parse(text, path)
    if not header.grain:
        raise ModelError(f"{path}: the leading comment must state the grain (`-- grain: ...`)")
    if not header.description:
        raise ModelError(f"{path}: the leading comment must start with a description")
    return header, statement(text)


def load_model(path: Path, root: Path) -> SqlModel:
    relative = path.relative_to(root)
    if len(relative.parts) != 2 or relative.parts[0] not in LAYERS:
        raise ModelError(f"{path}: models live in dbt_like_sql/<{'|'.join(LAYERS)}>/<name>.sql")
    schema, name = relative.parts[0], path.stem
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not name.startswith(LAYERS[schema]):
        raise ModelError(f"{path}: a {schema} model is named {LAYERS[schema]}<snake_case>.sql")
    header, sql = read_select(path)
    return SqlModel(path, schema, name, sql, header, dependencies(sql, path))


def load_models(root: Path, known_tables: Iterable[str]) -> list[SqlModel]:
    """Every model under root, checked: known references only, no cycle; in dependency order."""
    paths = [
        p for p in sorted(root.rglob("*.sql")) if p.relative_to(root).parts[0] not in NOT_MODELS
    ]
    models = [load_model(p, root) for p in paths]
    by_table = {m.table: m for m in models}
    known = set(known_tables) | set(by_table)
    for model in models:
        unknown = sorted(model.deps - known)
        if unknown:
            raise ModelError(f"{model.path}: references unknown table(s) {', '.join(unknown)}")
    graph = {m.table: {d for d in m.deps if d in by_table} for m in models}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        files = " -> ".join(f"{t} ({by_table[t].path})" for t in exc.args[1])
        raise ModelError(f"dependency cycle between models: {files}") from exc
    return [by_table[t] for t in order]
