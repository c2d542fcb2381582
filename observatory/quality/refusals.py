"""A file refused before loading (a required column missing, bytes not in the declared encoding)
is a failed validation too: it goes to `meta.validation_results` and the run's report, with the
column when known, next to the checks of the tables that did load."""

from __future__ import annotations

from observatory.catalog import Dataset
from observatory.ingest import IngestError
from observatory.quality.outcomes import Outcome
from observatory.quality.report import write_report
from observatory.quality.results import record
from observatory.settings import Settings
from observatory.sources.errors import ParseError
from observatory.warehouse import writer


def record_refusal(settings: Settings, run_id: str, dataset: Dataset, exc: IngestError) -> None:
    """Record an ingestion refused by the parser; other ingestion errors are not checks."""
    cause = exc.__cause__
    if not isinstance(cause, ParseError):
        return
    outcome = Outcome(
        dataset.id,
        dataset.target_table,
        exc.millesime,
        cause.check,
        "expect_table_columns_to_match_set" if cause.check == "columns_present" else "file",
        cause.column,
        "error",
        False,
        str(exc),
        engine="ingestion",
    )
    with writer(settings) as con:
        record(con, run_id, [outcome])
        write_report(con, settings, run_id)
