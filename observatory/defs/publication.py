"""The published edition as a Dagster asset: built after every table (and its blocking checks)
succeeded; the engine writes and switches the edition (observatory.publish)."""

from collections.abc import Sequence

import dagster as dg
from dagster import AssetExecutionContext

from observatory.defs.ingestion import asset_key
from observatory.defs.resources import WRITER_POOL, ObservatoryResource
from observatory.models.project import PUBLICATION
from observatory.publish.editions import MANIFEST_NAME
from observatory.publish.writing import publish
from observatory.quality.report import report_path


def build_publish_asset(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(PUBLICATION),
        deps=list(upstream),
        group_name="published",
        description="The published edition analysts and dashboards open read-only: every "
        "marts.* table, the quarantine.* tables (rows a source could not place, with the reason) "
        "and the meta.* tables, as a DuckDB file and one Parquet file per table with a manifest "
        "and a datapackage.json (Frictionless: schemas, sources, licences); switched "
        "atomically, the previous editions kept for `observatory rollback`.",
        owners=["team:observatory"],
        kinds={"duckdb", "parquet"},
        pool=WRITER_POOL,
    )
    def published(
        context: AssetExecutionContext, observatory: ObservatoryResource
    ) -> dg.MaterializeResult:
        settings = observatory.settings()
        result = publish(settings, skip_unchanged=True)
        assert result.folder is not None
        report = report_path(settings, context.run.run_id)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "validation_report": dg.MetadataValue.path(str(report))
                if report.is_file()
                else "no check ran in this run",
                "edition": result.edition,
                "manifest": dg.MetadataValue.path(str(result.folder / MANIFEST_NAME)),
                "editions_removed": ", ".join(result.removed) or "none",
                "new_edition": not result.unchanged,
                "tables": dg.MetadataValue.json(result.tables),
                "dagster/row_count": sum(result.tables.values()),
            }
        )

    return published
