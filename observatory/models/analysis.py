"""The analysts' queries, `dbt_like_sql/analysis/<name>.sql`, read and checked like the models.

An analysis query reads the PUBLISHED file (observatory.analysis runs it there), so it is not a
model: graph.py leaves the folder out of the warehouse (NOT_MODELS). But it is parsed the same
way, by the same code: its leading comment with `header.parse` (a description and a grain,
`graph.read_select`), the tables it reads with `graph.dependencies` (sqlglot, schema-qualified,
CTEs excluded). A test compares those tables with what the project publishes, so renaming a mart
breaks a test instead of an analyst's report.

Parameters are DuckDB variables (`getvariable('name')`, set with `set variable name = ?`): the
file runs as it is in the DuckDB CLI after a few `set variable`, and the variables it reads are
found in its SQL, so a caller that forgets one gets an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from observatory.models import ModelError
from observatory.models.graph import dependencies, read_select
from observatory.models.header import Header

ANALYSIS_FOLDER = "analysis"


@dataclass(frozen=True)
class AnalysisQuery:
    """One file of `dbt_like_sql/analysis/`: one SELECT over the published tables."""

    path: Path
    name: str
    sql: str
    header: Header
    deps: frozenset[str]
    variables: frozenset[str]
    """The DuckDB variables the query reads (`getvariable('...')`)."""


def variables(sql: str) -> frozenset[str]:
    """Names of the variables a query reads: every `getvariable('<literal>')`."""
    found = set()
    for call in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Anonymous):
        if call.name.lower() != "getvariable" or not call.expressions:
            continue
        argument = call.expressions[0]
        if not (isinstance(argument, exp.Literal) and argument.is_string):
            raise ModelError(f"getvariable takes a literal name, found {argument.sql()}")
        found.add(argument.this)
    return frozenset(found)


def load_analysis_query(path: Path) -> AnalysisQuery:
    """Parse and check one analysis file: named in snake_case, a description and a grain."""
    name = path.stem
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ModelError(f"{path}: an analysis query is named <snake_case>.sql")
    header, sql = read_select(path)
    return AnalysisQuery(path, name, sql, header, dependencies(sql, path), variables(sql))


def load_analysis_queries(sql_dir: Path) -> dict[str, AnalysisQuery]:
    """Every query of `<sql_dir>/analysis/`, by name."""
    return {
        query.name: query
        for query in map(load_analysis_query, sorted((sql_dir / ANALYSIS_FOLDER).glob("*.sql")))
    }


def unknown_references(
    queries: Iterable[AnalysisQuery], published: Iterable[str]
) -> dict[str, list[str]]:
    """Query name -> the tables it reads that the published file does not hold (empty: fine)."""
    known = set(published)
    return {query.name: sorted(query.deps - known) for query in queries if not query.deps <= known}
