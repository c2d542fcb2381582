"""Checks that guard the warehouse, shown in Dagster as asset checks next to what they guard.

The raw-table checks are declared in each catalog entry (`checks:`) and run as cheap SQL:
non-null keys, code formats, uniqueness of the grain. A failing blocking check stops what depends
on the table from being built and published.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from observatory.catalog import Catalog, Dataset
from observatory.resources import ObservatoryResource
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
        ).fetchone()
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
        row = con.execute(f"select count(*) from {table} where {where}").fetchone()
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
        row = con.execute(f"select count(*), coalesce(sum(n), 0) from ({duplicates})").fetchone()
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
