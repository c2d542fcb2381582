"""Checks that guard the warehouse, shown in Dagster as asset checks next to what they guard.

The raw-table checks are declared in each catalog entry (`checks:`) and run as cheap SQL:
non-null keys, code formats, uniqueness of the grain. Checks of the models are SQL files next to
them (`dbt_like_sql/tests/*.sql`, dbt's "singular tests"): a SELECT returning the offending rows.
A failing blocking check stops what depends on the table from being built and published.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from observatory.catalog import Catalog, Dataset
from observatory.resources import ObservatoryResource
from observatory.sql_models import ModelError, dependencies
from observatory.warehouse import quote_identifier, table_exists, writer

SAMPLE_SIZE = 5


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def not_null_result(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]
) -> tuple[bool, dict[str, object]]:
    counts = {}
    for column in columns:
        row = con.execute(
            f"select count(*) from {table} where {quote_identifier(column)} is null"
        ).fetchall()[0]
        counts[column] = int(row[0]) if row else 0
    return all(v == 0 for v in counts.values()), {
        "unexpected_count": sum(counts.values()),
        "null_rows_per_column": dg.MetadataValue.json(counts),
    }


def matches_result(
    con: duckdb.DuckDBPyConnection, table: str, patterns: dict[str, str]
) -> tuple[bool, dict[str, object]]:
    counts, samples = {}, {}
    for column, pattern in patterns.items():
        ident = quote_identifier(column)
        where = (
            f"{ident} is not null and not regexp_full_match({ident}, "
            f"{_sql_literal(pattern.removeprefix('^').removesuffix('$'))})"
        )
        row = con.execute(f"select count(*) from {table} where {where}").fetchall()[0]
        counts[column] = int(row[0]) if row else 0
        if counts[column]:
            samples[column] = [
                {"value": r[0], "millesime": r[1], "source_row": r[2]}
                for r in con.execute(
                    f"select {ident}, millesime, source_row from {table} "
                    f"where {where} order by millesime, source_row "
                    f"limit {SAMPLE_SIZE}"
                ).fetchall()
            ]
    return all(v == 0 for v in counts.values()), {
        "unexpected_count": sum(counts.values()),
        "unexpected_per_column": dg.MetadataValue.json(counts),
        "patterns": dg.MetadataValue.json(patterns),
        "unexpected_sample": dg.MetadataValue.json(samples),
    }


def unique_result(
    con: duckdb.DuckDBPyConnection, table: str, grains: tuple[tuple[str, ...], ...]
) -> tuple[bool, dict[str, object]]:
    counts, samples = {}, {}
    for grain in grains:
        cols = ", ".join(quote_identifier(c) for c in grain)
        duplicates = f"select {cols}, count(*) as n from {table} group by all having count(*) > 1"
        row = con.execute(f"select count(*), coalesce(sum(n), 0) from ({duplicates})").fetchall()[0]
        label = " x ".join(grain)
        counts[label] = int(row[1]) if row else 0
        if counts[label]:
            samples[label] = [
                list(map(str, r))
                for r in con.execute(f"{duplicates} limit {SAMPLE_SIZE}").fetchall()
            ]
    return all(v == 0 for v in counts.values()), {
        "unexpected_count": sum(counts.values()),
        "duplicated_rows_per_grain": dg.MetadataValue.json(counts),
        "unexpected_sample": dg.MetadataValue.json(samples),
    }


def build_raw_checks(dataset: Dataset, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition | None:
    """The catalog's SQL checks of one raw table, as one multi-asset check."""
    declared = dataset.checks
    runners = []
    if declared.not_null:
        runners.append(
            (
                "keys_not_null",
                lambda c, t: not_null_result(c, t, declared.not_null),
                f"no NULL in {', '.join(declared.not_null)}",
            )
        )
    if declared.matches:
        runners.append(
            (
                "codes_well_formed",
                lambda c, t: matches_result(c, t, dict(declared.matches)),
                "codes match their expected format",
            )
        )
    if declared.unique:
        runners.append(
            (
                "grain_unique",
                lambda c, t: unique_result(c, t, declared.unique),
                "one row per " + "; ".join(" x ".join(g) for g in declared.unique),
            )
        )
    if not runners:
        return None
    specs = [
        dg.AssetCheckSpec(name=name, asset=asset_key, description=text, blocking=True)
        for name, _, text in runners
    ]

    @dg.multi_asset_check(specs=specs, name=f"{dataset.id}_checks")
    def _checks(observatory: ObservatoryResource) -> Iterator[dg.AssetCheckResult]:
        with writer(observatory.settings()) as con:
            for name, run, text in runners:
                if not table_exists(con, dataset.target_table):
                    yield dg.AssetCheckResult(
                        asset_key=asset_key,
                        check_name=name,
                        passed=False,
                        metadata={"error": "table missing"},
                    )
                    continue
                passed, metadata = run(con, dataset.target_table)
                yield dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=name,
                    passed=passed,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=text,
                    metadata={"dataset": dataset.id, "table": dataset.target_table, **metadata},
                )

    return _checks


def build_catalog_checks(
    catalog: Catalog, keys: dict[str, dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    checks = (build_raw_checks(d, keys[d.id]) for d in catalog)
    return [c for c in checks if c is not None]


# --- checks written in SQL next to the models (dbt "singular tests") ------------------------------


@dataclass(frozen=True)
class SqlCheck:
    """`dbt_like_sql/tests/<name>.sql`: a SELECT returning the offending rows; none = passed."""

    path: Path
    name: str
    asset: str
    description: str
    blocking: bool
    sql: str


def load_sql_check(path: Path) -> SqlCheck:
    text = path.read_text(encoding="utf-8")
    description, asset, severity = [], "", "error"
    for line in text.splitlines():
        if not line.strip().startswith("--"):
            break
        body = line.strip()[2:].strip()
        if body.lower().startswith("asset:"):
            asset = body.split(":", 1)[1].strip()
        elif body.lower().startswith("severity:"):
            severity = body.split(":", 1)[1].strip().lower()
        elif body:
            description.append(body)
    if not asset or severity not in ("error", "warn") or not description:
        raise ModelError(
            f"{path}: a check starts with a description, `-- asset: schema.table` and "
            "optionally `-- severity: error|warn`"
        )
    sql = re.sub(r";\s*(--[^\n]*\s*)*$", "", text.strip()).strip()
    dependencies(sql, path)  # one SELECT, schema-qualified tables
    return SqlCheck(path, path.stem, asset, " ".join(description), severity == "error", sql)


def load_sql_checks(folder: Path, known_assets: Mapping[str, dg.AssetKey]) -> list[SqlCheck]:
    checks = [load_sql_check(p) for p in sorted(folder.glob("*.sql"))] if folder.is_dir() else []
    for check in checks:
        if check.asset not in known_assets:
            raise ModelError(f"{check.path}: `asset: {check.asset}` is not a table of the project")
    return checks


def run_sql_check(
    con: duckdb.DuckDBPyConnection, check: SqlCheck
) -> tuple[bool, dict[str, object]]:
    count = con.execute(f"select count(*) from ({check.sql})").fetchall()[0]
    failures = int(count[0]) if count else 0
    relation = con.execute(f"select * from ({check.sql}) limit {SAMPLE_SIZE}")
    columns = [d[0] for d in relation.description or []]
    sample = [dict(zip(columns, map(_jsonable, row), strict=True)) for row in relation.fetchall()]
    return failures == 0, {
        "unexpected_count": failures,
        "unexpected_sample": dg.MetadataValue.json(sample),
        "sql_path": check.path.name,
    }


def _jsonable(value: object) -> object:
    return value if value is None or isinstance(value, (int, float, str, bool)) else str(value)


def build_sql_check(check: SqlCheck, key: dg.AssetKey) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=key, name=check.name, description=check.description, blocking=check.blocking
    )
    def _check(observatory: ObservatoryResource) -> dg.AssetCheckResult:
        with writer(observatory.settings()) as con:
            passed, metadata = run_sql_check(con, check)
        return dg.AssetCheckResult(passed=passed, severity=severity, metadata=metadata)

    return _check


def build_sql_checks(
    checks: list[SqlCheck], known_assets: Mapping[str, dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    return [build_sql_check(c, known_assets[c.asset]) for c in checks]
