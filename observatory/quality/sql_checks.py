"""Checks written in SQL next to the models (`dbt_like_sql/tests/*.sql`, dbt's "singular tests").

Relational checks that SQL says best (conservation across tables, totals, cross-source
plausibility) are a SELECT returning the offending rows, with a header comment: a description,
`-- asset: schema.table` (the table it guards) and optionally `-- severity: error|warn`. No row
returned means passed; otherwise the count and a few rows are the result.

A check that applies to many tables the same way is written once, as a generic check
(`dbt_like_sql/tests/generic/<name>.sql`, dbt's "generic tests"): its SQL names the table
`{{ table }}`, and each model that wants it says so in its header (`-- tests: <name>`); the check
`<name>__<model>` is then generated for that model.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2

from observatory.models import ModelError
from observatory.models.graph import TESTS_FOLDER, SqlModel, dependencies
from observatory.models.header import parse, statement
from observatory.quality.outcomes import SAMPLE_SIZE, Outcome
from observatory.quality.results import cached_results, reused_outcome
from observatory.state import combine

GENERIC_FOLDER = "generic"


@dataclass(frozen=True)
class SqlCheck:
    """`dbt_like_sql/tests/<name>.sql`: a SELECT returning the offending rows; none = passed."""

    path: Path
    name: str
    asset: str
    description: str
    blocking: bool
    sql: str


def _check(path: Path, text: str, name: str, asset: str | None = None) -> SqlCheck:
    header = parse(text, path)
    asset = asset or header.asset
    if not asset or header.severity not in ("error", "warn") or not header.description:
        raise ModelError(
            f"{path}: a check starts with a description, `-- asset: schema.table` and "
            "optionally `-- severity: error|warn`"
        )
    sql = statement(text)
    dependencies(sql, path)  # one SELECT, schema-qualified tables
    return SqlCheck(path, name, asset, header.description, header.severity == "error", sql)


def load_sql_check(path: Path) -> SqlCheck:
    return _check(path, path.read_text(encoding="utf-8"), path.stem)


def generic_checks(root: Path, models: Iterable[SqlModel]) -> list[SqlCheck]:
    """The generic checks each model asks for in its header (`-- tests: <name>`), rendered for
    its table: `<name>__<model>`, guarding the model's table."""
    folder = root / TESTS_FOLDER / GENERIC_FOLDER
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    templates = {p.stem: p for p in sorted(folder.glob("*.sql"))} if folder.is_dir() else {}
    checks = []
    for model in models:
        for name in model.header.tests:
            if name not in templates:
                known = ", ".join(templates) or "none"
                raise ModelError(
                    f"{model.path}: `tests: {name}`: no generic check {folder}/{name}.sql "
                    f"(generic checks: {known})"
                )
            path = templates[name]
            text = environment.from_string(path.read_text(encoding="utf-8")).render(
                table=model.table
            )
            checks.append(_check(path, text, f"{name}__{model.name}", asset=model.table))
    return checks


def load_sql_checks(
    root: Path, known_tables: Collection[str], models: Iterable[SqlModel] = ()
) -> list[SqlCheck]:
    """Every check of `<root>/tests/`, then the generic checks the models ask for; a check
    guarding a table the project does not have is an error when definitions load."""
    folder = root / TESTS_FOLDER
    checks = [load_sql_check(p) for p in sorted(folder.glob("*.sql"))] if folder.is_dir() else []
    checks += generic_checks(root, models)
    names = [c.name for c in checks]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ModelError(f"{folder}: checks named twice: {', '.join(twice)}")
    for check in checks:
        if check.asset not in known_tables:
            raise ModelError(f"{check.path}: `asset: {check.asset}` is not a table of the project")
    return checks


def run_sql_check(
    con: duckdb.DuckDBPyConnection, check: SqlCheck, *, token: str | None = None
) -> Outcome:
    """The offending rows of a SQL check, as a validation outcome (a few rows as the sample).

    `token` (a build: `warehouse_token`, read once for all the checks): the stored result when
    the check and every model and ingestion are as they were, i.e. a refresh that rebuilt and
    loaded nothing. `observatory validate` gives none and always runs the query: it is the
    audit of the warehouse as it is."""
    fingerprint = combine(check.sql, token) if token else None
    if fingerprint is not None:
        known = cached_results(con, check.asset, None, [fingerprint])
        if fingerprint in known:
            return reused_outcome(
                known[fingerprint], fingerprint, functools.partial(_sql_outcome, check)
            )
    outcome = _run_sql_check(con, check)
    outcome.fingerprint = fingerprint
    return outcome


def _sql_outcome(
    check: SqlCheck, success: bool, message: str, *details: object, **named: object
) -> Outcome:
    """An outcome of a SQL check (its table, no millésime, its severity)."""
    severity = "error" if check.blocking else "warn"
    return Outcome(
        check.asset,
        check.asset,
        None,
        check.name,
        "sql",
        "",
        severity,
        success,
        message,
        *details,
        **named,  # type: ignore[arg-type]
    )


def _run_sql_check(con: duckdb.DuckDBPyConnection, check: SqlCheck) -> Outcome:
    # The sample runs the query a second time (a check is often a grouping over millions of
    # rows), so only when there is something to show.
    try:
        count = con.execute(f"select count(*) from ({check.sql})").fetchall()[0]
        failures = int(count[0]) if count else 0
        sample = []
        if failures:
            relation = con.execute(f"select * from ({check.sql}) limit {SAMPLE_SIZE}")
            columns = [d[0] for d in relation.description or []]
            sample = [
                dict(zip(columns, map(_cell, row), strict=True)) for row in relation.fetchall()
            ]
    except duckdb.CatalogException as exc:
        message = str(exc).strip().splitlines()[0]
        return _sql_outcome(
            check,
            False,
            f"{check.asset}: {check.name}: could not run: {message}",
            engine="sql",
        )
    message = f"{check.asset}: {check.name}: " + (
        "ok" if not failures else f"{failures} offending row(s), e.g. {sample[:2]}"
    )
    return _sql_outcome(
        check,
        failures == 0,
        message,
        failures,
        sample,
        engine="sql",
    )


def _cell(value: object) -> object:
    """A cell of an offending row as the sample keeps it: a JSON scalar, or its text (a list or
    a date shown as DuckDB's Python value prints it; outcomes.jsonable would expand a list)."""
    return value if value is None or isinstance(value, (int, float, str, bool)) else str(value)
