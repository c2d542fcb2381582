"""Ingestion assets: one per catalog dataset (a factory over the catalog), and the user's custom
territories. Each calls the engine (observatory.ingest) and reports what it loaded."""

from collections.abc import Iterable
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from pydantic import Field

from observatory.catalog import COG_DATASET, Catalog, Dataset
from observatory.defs.metadata import markdown_table
from observatory.defs.resources import WRITER_POOL, ObservatoryResource
from observatory.ingest import IngestError
from observatory.ingest import territoires as custom_territories
from observatory.ingest.inputs import check_millesimes
from observatory.ingest.load import IngestReport, ingest_dataset, is_transient
from observatory.ingest.unavailable import SOURCE_CHECK, unavailable_editions
from observatory.quality.gx import warm_up_in_background
from observatory.quality.refusals import record_refusal
from observatory.settings import Settings
from observatory.sources import parser_for

STEP_RETRIES = 2
"""Whole-step retries when a source is unreachable (after fetch's own request retries)."""


def asset_key(table: str) -> dg.AssetKey:
    """`raw.insee__bpe` -> `raw/insee__bpe`: every table's asset is keyed by schema and name."""
    return dg.AssetKey(table.split("."))


class IngestConfig(dg.Config):
    """Run configuration of every ingestion asset: a backfill by millésime.

    The ingestion assets are not partitioned: each dataset has its own editions, and one job
    (refresh_everything) cannot hold assets with different partitions. Left empty (the
    schedule, the sensor, `observatory build`), every edition is refreshed as usual."""

    millesimes: list[int] = Field(
        default=[],
        description="Editions to ingest again, e.g. [2021]; the others keep their rows. "
        "Empty: every edition of the active source mode.",
    )
    force: bool = Field(
        default=False,
        description="Download without the cached ETag/Last-Modified and reload even a file "
        "whose sha256 is unchanged (a publisher that corrected a file in place).",
    )


def _asset_metadata(dataset: Dataset) -> dict[str, object]:
    editions = {str(m.millesime): m.url for m in dataset.millesimes}
    latest = max(dataset.millesimes, key=lambda m: m.millesime)
    return {
        "dataset_id": dataset.id,
        "producer": dataset.producer,
        "licence": dataset.licence,
        "licence_url": dg.MetadataValue.url(dataset.licence_url),
        "landing_page": dg.MetadataValue.url(dataset.landing_page),
        "source_url": dg.MetadataValue.url(latest.url),
        "source_urls": dg.MetadataValue.json(editions),
        "millesimes": ", ".join(map(str, dataset.years)),
        "table": dataset.target_table,
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(c.name, "varchar", description=c.description)
                for c in (*dataset.columns, *dataset.derived)
            ]
            + [
                dg.TableColumn("millesime", "integer", description="edition of the source"),
                dg.TableColumn("source_row", "bigint", description="line of the row in the file"),
                dg.TableColumn("ingestion_id", "varchar", description="meta.ingestions row"),
            ]
        ),
    }


def _report_metadata(reports: Iterable[IngestReport], missing: list[int]) -> dict[str, object]:
    reports = list(reports)
    rows = {str(r.millesime): r.rows for r in reports}
    return {
        "dagster/row_count": sum(rows.values()),
        "rows_per_millesime": dg.MetadataValue.json(rows),
        "ingestions": dg.MetadataValue.md(
            markdown_table(
                ["millésime", "status", "origine", "rows", "bytes", "sha256", "source"],
                [
                    (
                        r.millesime,
                        r.status,
                        r.origine,
                        r.rows,
                        r.bytes,
                        f"`{r.sha256[:16]}`",
                        r.source,
                    )
                    for r in reports
                ],
            )
        ),
        "millesimes_without_input": ", ".join(map(str, missing)) or "none",
        "millesimes_unavailable": ", ".join(
            str(r.millesime) for r in reports if r.status == "unavailable"
        )
        or "none",
        "extra_columns_ignored": dg.MetadataValue.json(
            {str(r.millesime): r.extra_columns for r in reports if r.extra_columns}
        ),
    }


def _backfill_label(config: IngestConfig) -> str:
    """`millésimes 2021, forced`: what a configured run was asked to do."""
    wanted = ", ".join(map(str, sorted(set(config.millesimes)))) or "every edition"
    return f"millésimes {wanted}" + (", forced" if config.force else "")


def _source_check(settings: Settings, dataset: Dataset) -> dg.AssetCheckResult:
    """The warning that an edition's source failed (404, 500, HTML...), read from meta."""
    found = unavailable_editions(settings, dataset)
    return dg.AssetCheckResult(
        check_name=SOURCE_CHECK,
        passed=found.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=found.description,
        metadata={
            "millesimes_failing": ", ".join(str(f["millesime"]) for f in found.failures) or "none",
            "failures": dg.MetadataValue.json(
                [{k: str(v) for k, v in f.items()} for f in found.failures]
            ),
        },
    )


def build_ingest_asset(dataset: Dataset) -> dg.AssetsDefinition:
    """One asset per catalog dataset: every millésime of its raw table."""
    parser_for(dataset)  # an unknown parser family fails when definitions load
    options = dataset.read_options(dataset.years[-1])
    key = asset_key(dataset.target_table)

    @dg.asset(
        key=key,
        check_specs=[
            dg.AssetCheckSpec(
                SOURCE_CHECK,
                asset=key,
                blocking=False,
                description="Every edition's source answered with data at the last ingestion; "
                "an edition whose download failed (404, 500, an HTML page) keeps the rows "
                "loaded before and is reported here (warning: the build publishes the rest).",
            )
        ],
        description=f"{dataset.title}. {dataset.description}".strip(),
        group_name=dataset.group,
        owners=[dataset.owner],
        kinds={"duckdb", options.member_format or options.format or "file"},
        metadata=_asset_metadata(dataset),
        tags={"producer": dataset.producer},
        pool=WRITER_POOL,
    )
    def _ingest(
        context: AssetExecutionContext, observatory: ObservatoryResource, config: IngestConfig
    ) -> dg.MaterializeResult:
        settings = observatory.settings()
        try:
            reports, missing = ingest_dataset(
                settings,
                dataset,
                millesimes=config.millesimes,
                force=config.force,
                log=context.log.info,
            )
        except IngestError as exc:
            if is_transient(exc):
                # The source is down or overloaded: try the whole step again later. A wrong
                # file (HTML page, bad checksum, renamed column) is not retried.
                raise dg.RetryRequested(
                    max_retries=STEP_RETRIES, seconds_to_wait=settings.http_backoff_s * 60
                ) from exc
            record_refusal(settings, context.run.run_id, dataset, exc)
            raise
        if any(r.status == "loaded" for r in reports):
            warm_up_in_background()  # new rows will be validated
        if missing:
            context.log.warning(
                f"{dataset.id}: no input in mode {settings.source!r} for millésimes {missing}"
            )
        for report in reports:
            if report.status == "unavailable":
                context.log.warning(report.error)
        metadata = _report_metadata(reports, missing)
        if config.millesimes or config.force:
            metadata["backfill"] = _backfill_label(config)
        return dg.MaterializeResult(
            metadata=metadata,
            check_results=[_source_check(settings, dataset)],
        )

    return _ingest


def build_custom_territories_asset(catalog: Catalog) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(custom_territories.TABLE),
        deps=[asset_key(catalog.get(COG_DATASET).target_table)],
        group_name="territoires",
        owners=["team:territoires"],
        description="Territories defined by the user (OBSERVATORY_CUSTOM_TERRITORIES: a CSV of "
        "code_commune, code_territoire, libelle, niveau), checked against the target COG. "
        "Empty when no file is configured; the sample mode uses the sample's own file.",
        kinds={"duckdb", "csv"},
        pool=WRITER_POOL,
    )
    def custom_territories_asset(observatory: ObservatoryResource) -> dg.MaterializeResult:
        settings = observatory.settings()
        path, rows = custom_territories.load(settings, catalog)
        return dg.MaterializeResult(
            metadata={
                "file": str(path) if path else "none configured",
                "dagster/row_count": rows,
                "target_cog": catalog.target_cog(settings.cog_millesime),
            }
        )

    return custom_territories_asset


def backfill_run_config(
    settings: Settings, catalog: Catalog, keys: Iterable[dg.AssetKey], config: IngestConfig
) -> dict[str, Any]:
    """The run config giving `config` to every ingestion asset among `keys` (what the launchpad
    holds for a backfill), checked first: an unknown millésime of a selected dataset, or a
    selection without ingestion asset, is refused before the run starts."""
    wanted = set(keys)
    datasets = [d for d in catalog if asset_key(d.target_table) in wanted]
    if not datasets:
        raise IngestError(
            "a backfill ingests editions of a dataset again: the selection holds no ingestion "
            "asset with input in this source mode; select one and what reads it, e.g. "
            "'key:\"raw/insee__populations_reference\"+' (`observatory datasets` lists them)"
        )
    for dataset in datasets:
        check_millesimes(settings, dataset, config.millesimes)
    values = {"millesimes": sorted(set(config.millesimes)), "force": config.force}
    return {
        "ops": {
            asset_key(d.target_table).to_python_identifier(): {"config": values} for d in datasets
        }
    }


def build_ingest_assets(catalog: Catalog) -> list[dg.AssetsDefinition]:
    return [build_ingest_asset(d) for d in catalog]
