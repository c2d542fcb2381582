"""The Dagster asset checks that guard the warehouse, shown next to what they guard.

Every table with a suite gets one asset check per expectation: raw tables from their catalog
entry, models from their SQL header (observatory.quality.suites); SQL checks
(`dbt_like_sql/tests/*.sql`) one asset check each. A layer's checks run in one step (`gx_raw`,
`gx_marts`, ..., `sql_checks`): every step has a fixed cost in Dagster, and a layer has dozens
of tables, all built before any of them is checked anyway. The checks themselves run in
observatory.quality.run; this module only turns their outcomes into check results. A failing
`error` check stops what depends on the table, publication included, so the previous published
edition stays.
"""

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import dagster as dg

from observatory.defs.resources import ObservatoryResource
from observatory.quality.outcomes import Outcome
from observatory.quality.run import check_sql, check_suites
from observatory.quality.sql_checks import SqlCheck
from observatory.quality.suites import ExpectationSpec, Suite

EXPECTED = "expected"
"""The metadata of a check result that says, in words, what the check expects (its outcome's
message says what was found): an alert quotes both."""


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


def _severity(blocking: bool) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN


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
    run in one step."""
    specs = [_suite_spec(e, keys[s.table]) for s in suites for e in s.expectations]

    @dg.multi_asset_check(specs=specs, name=name, can_subset=True)
    def _checks(
        context: dg.AssetCheckExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = context.selected_asset_check_keys
        planned = [
            suite.restricted_to({k.name for k in selected if k.asset_key == keys[suite.table]})
            for suite in suites
        ]
        checked = check_suites(observatory.settings(), planned, context.run.run_id)
        for wanted, outcomes in checked.suites:
            for spec in wanted.expectations:
                mine = [o for o in outcomes if o.check_name == spec.name]
                failed = [o for o in mine if not o.success]
                yield dg.AssetCheckResult(
                    asset_key=keys[wanted.table],
                    check_name=spec.name,
                    passed=not failed,
                    severity=_severity(spec.blocking),
                    description=(failed or mine)[0].message
                    if (failed or mine)
                    else spec.description,
                    metadata={
                        EXPECTED: spec.description or spec.expectation,
                        **_metadata(mine, checked.report),
                    },
                )

    return _checks


def build_suite_checks(
    suites: Iterable[Suite], keys: Mapping[str, dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    """One check step per layer: `gx_raw` (catalog suites), `gx_marts`, `gx_quarantine`..."""
    layers: dict[str, list[Suite]] = {}
    for suite in suites:
        layers.setdefault(suite.table.split(".")[0], []).append(suite)
    return [build_suite_check(group, keys, f"gx_{layer}") for layer, group in layers.items()]


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
        wanted = [(k, c) for k, c in by_key.items() if k in context.selected_asset_check_keys]
        checked = check_sql(observatory.settings(), [c for _, c in wanted], context.run.run_id)
        for (key, check), outcome in zip(wanted, checked.outcomes, strict=True):
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=check.name,
                passed=outcome.success,
                severity=_severity(check.blocking),
                description=outcome.message,
                metadata={
                    EXPECTED: check.description,
                    "unexpected_count": outcome.unexpected_count or 0,
                    "unexpected_sample": dg.MetadataValue.json(outcome.sample),
                    "sql_path": check.path.name,
                    "validation_report": dg.MetadataValue.path(str(checked.report)),
                },
            )

    return [_checks]
