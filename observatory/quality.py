"""Checks that guard the warehouse, shown in Dagster as asset checks next to what they guard.

Every table with a suite gets one asset check per expectation: raw tables from their catalog
entry, models from their SQL header (see expectations.py), run with Great Expectations
(validation.py). Relational checks that SQL says best (conservation across tables, totals,
cross-source plausibility) are SQL files next to the models (`dbt_like_sql/tests/*.sql`, dbt's
"singular tests"): a SELECT returning the offending rows. Every result is stored in
`meta.validation_results` and in the run's HTML report. A failing `error` check stops what
depends on the table, publication included, so the previous published edition stays.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg
import duckdb

from observatory.catalog import Catalog
from observatory.expectations import ExpectationSpec, Suite, catalog_suite, model_suite
from observatory.resources import ObservatoryResource
from observatory.settings import Settings
from observatory.sql_models import ModelError, SqlModel, dependencies, warehouse_token
from observatory.validation import Outcome, cached_results, record, run_suites, write_report
from observatory.warehouse import writer

SAMPLE_SIZE = 5


def _metadata(outcomes: list[Outcome], report: Path) -> dict[str, object]:
    failed = [o for o in outcomes if not o.success]
    first = outcomes[0]
    return {
        "dataset": first.dataset,
        "table": first.table,
        "column": first.column or "(table)",
        "expectation": first.expectation,
        "unexpected_count": sum(o.unexpected_count or 0 for o in failed),
        "millesimes_failed": ", ".join(str(o.millesime) for o in failed if o.millesime) or "none",
        "unexpected_sample": dg.MetadataValue.json(
            {str(o.millesime or "all"): o.sample for o in failed if o.sample}
        ),
        "observed_value": dg.MetadataValue.json(
            {str(o.millesime or "all"): o.observed for o in outcomes[:10]}
        ),
        "messages": dg.MetadataValue.md("\n".join(f"- {o.message}" for o in outcomes[:20])),
        "validation_report": dg.MetadataValue.path(str(report)),
    }


def _run_id(context: dg.AssetCheckExecutionContext) -> str:
    return context.run.run_id


def _suite_spec(expectation: ExpectationSpec, asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=expectation.name,
        asset=asset_key,
        description=f"{expectation.description or expectation.expectation} "
        f"({expectation.expectation}, {'blocking' if expectation.blocking else 'warning'})",
        blocking=expectation.blocking,
        metadata={
            "expectation": expectation.expectation,
            "kwargs": dg.MetadataValue.json({k: v for k, v in expectation.kwargs.items()}),
        },
    )


def build_suite_check(
    suites: list[Suite], keys: Mapping[str, dg.AssetKey], name: str
) -> dg.AssetChecksDefinition:
    """The Great Expectations suites of several tables, one Dagster asset check per expectation,
    run in one step: a step costs Dagster about a tenth of a second, and a layer has dozens of
    tables, all built before any of them is checked anyway."""
    specs = [_suite_spec(e, keys[s.table]) for s in suites for e in s.expectations]

    @dg.multi_asset_check(specs=specs, name=name, can_subset=True)
    def _checks(
        context: dg.AssetCheckExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = observatory.settings()
        selected = set(context.selected_asset_check_keys)
        done: list[tuple[dg.AssetKey, Suite, list[Outcome]]] = []
        planned = [
            replace(
                suite,
                expectations=tuple(
                    e
                    for e in suite.expectations
                    if dg.AssetCheckKey(keys[suite.table], e.name) in selected
                ),
            )
            for suite in suites
        ]
        with writer(settings) as con:
            for wanted, outcomes in run_suites(
                con, [s for s in planned if s.expectations], trust_versions=True
            ):
                record(con, _run_id(context), outcomes)
                done.append((keys[wanted.table], wanted, outcomes))
            report = write_report(con, settings, _run_id(context))
        for key, wanted, outcomes in done:
            for spec in wanted.expectations:
                mine = [o for o in outcomes if o.check_name == spec.name]
                failed = [o for o in mine if not o.success]
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=spec.name,
                    passed=not failed,
                    severity=dg.AssetCheckSeverity.ERROR
                    if spec.blocking
                    else dg.AssetCheckSeverity.WARN,
                    description=(failed or mine)[0].message
                    if (failed or mine)
                    else spec.description,
                    metadata=_metadata(mine, report),
                )

    return _checks


def catalog_suites(catalog: Catalog) -> list[Suite]:
    return [catalog_suite(d) for d in catalog]


def model_suites(models: Iterable[SqlModel]) -> list[Suite]:
    suites = (
        model_suite(m.table, m.header, str(m.path.relative_to(m.path.parent.parent.parent)))
        for m in models
    )
    return [s for s in suites if s is not None]


def build_suite_checks(
    suites: Iterable[Suite], keys: Mapping[str, dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    """One check step per layer: `gx_raw` (catalog suites), `gx_marts`, `gx_quarantine`..."""
    layers: dict[str, list[Suite]] = {}
    for suite in suites:
        layers.setdefault(suite.table.split(".")[0], []).append(suite)
    return [build_suite_check(group, keys, f"gx_{layer}") for layer, group in layers.items()]


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
    con: duckdb.DuckDBPyConnection, check: SqlCheck, *, token: str | None = None
) -> Outcome:
    """The offending rows of a SQL check, as a validation outcome (a few rows as the sample).

    `token` (a build: `warehouse_token`, read once for all the checks): the stored result when
    the check and every model and ingestion are as they were, i.e. a refresh that rebuilt and
    loaded nothing. `observatory validate` gives none and always runs the query: it is the
    audit of the warehouse as it is."""
    fingerprint = hashlib.sha256(f"{check.sql}\x1f{token}".encode()).hexdigest() if token else None
    if fingerprint is not None:
        known = cached_results(con, check.asset, None, [fingerprint])
        if fingerprint in known:
            success, count, sample, _observed, message, run_id = known[fingerprint]
            return _sql_outcome(
                check,
                bool(success),
                message,
                count,
                json.loads(sample) if sample else [],
                engine=f"unchanged since {run_id}",
                fingerprint=fingerprint,
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
                dict(zip(columns, map(_jsonable, row), strict=True)) for row in relation.fetchall()
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


def _jsonable(value: object) -> object:
    return value if value is None or isinstance(value, (int, float, str, bool)) else str(value)


def build_sql_checks(
    checks: list[SqlCheck], known_assets: Mapping[str, dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    """Every SQL check, one Dagster asset check each, run in one step (`sql_checks`)."""
    if not checks:
        return []
    by_key = {dg.AssetCheckKey(known_assets[c.asset], c.name): c for c in checks}
    specs = [
        dg.AssetCheckSpec(
            name=c.name,
            asset=key.asset_key,
            description=c.description,
            blocking=c.blocking,
            metadata={"sql_path": c.path.name},
        )
        for key, c in by_key.items()
    ]

    @dg.multi_asset_check(specs=specs, name="sql_checks", can_subset=True)
    def _checks(
        context: dg.AssetCheckExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = observatory.settings()
        wanted = [(k, c) for k, c in by_key.items() if k in context.selected_asset_check_keys]
        with writer(settings) as con:
            token = warehouse_token(con)
            outcomes = [run_sql_check(con, check, token=token) for _, check in wanted]
            record(con, _run_id(context), outcomes)
            report = write_report(con, settings, _run_id(context))
        for (key, check), outcome in zip(wanted, outcomes, strict=True):
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=check.name,
                passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR
                if check.blocking
                else dg.AssetCheckSeverity.WARN,
                description=outcome.message,
                metadata={
                    "unexpected_count": outcome.unexpected_count or 0,
                    "unexpected_sample": dg.MetadataValue.json(outcome.sample),
                    "sql_path": check.path.name,
                    "validation_report": dg.MetadataValue.path(str(report)),
                },
            )

    return [_checks]


# --- `observatory validate`: the suites and SQL checks without building ----------------------


@dataclass(frozen=True)
class ValidationRun:
    run_id: str
    outcomes: list[Outcome]
    report: Path

    @property
    def blocking_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.blocking_failure]


def select_validations(
    suites: list[Suite], checks: list[SqlCheck], target: str | None
) -> tuple[list[Suite], list[SqlCheck]]:
    """What `observatory validate TARGET` runs: a catalog id, a table (`marts.population`), a
    schema (`marts`), or everything; an unknown target names the closest ones."""
    if not target:
        return suites, checks
    wanted = target.strip().lower().replace("/", ".")
    chosen = [s for s in suites if wanted in (s.dataset, s.table, s.table.split(".")[0])]
    chosen_checks = [c for c in checks if wanted in (c.asset, c.asset.split(".")[0])]
    chosen_checks += [c for c in checks if c.name == wanted]
    ids = {s.dataset for s in chosen}
    chosen_checks += [
        c for c in checks if c.asset in {s.table for s in chosen} and c.asset not in ids
    ]
    if not chosen and not chosen_checks:
        import difflib

        names = sorted(
            {s.dataset for s in suites} | {s.table for s in suites} | {c.asset for c in checks}
        )
        close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ModelError(f"nothing to validate for {target!r}{hint}")
    return chosen, list(dict.fromkeys(chosen_checks))


def validate(settings: Settings, target: str | None = None) -> ValidationRun:
    """Run the selected suites and SQL checks on the working warehouse, record and report."""
    import uuid
    from datetime import UTC, datetime

    from observatory.definitions import validation_plan

    suites, checks = select_validations(*validation_plan(settings), target)
    run_id = f"validate-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    outcomes: list[Outcome] = []
    with writer(settings) as con:
        for _suite, suite_outcomes in run_suites(con, suites):
            outcomes.extend(suite_outcomes)
        for check in checks:
            outcomes.append(run_sql_check(con, check))
        record(con, run_id, outcomes)
        report = write_report(con, settings, run_id)
    return ValidationRun(run_id, outcomes, report)
