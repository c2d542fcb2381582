"""Editions whose source could not be obtained: remembered, reported, and never fatal alone.

A producer moves a file (404), its server fails (500), or a portal serves an HTML page instead of
the data: one edition of a dataset is then unavailable, but the other editions, and the rows of
that edition loaded before, are still good. So such a failure is recorded in
`meta.source_failures` (warehouse/meta.py) instead of failing the ingestion, the rows already loaded
stay, and the ingestion's warning check (`SOURCE_CHECK`) reads the table to say so. A file that
does not match its catalog entry (a renamed column or zip member, a pinned checksum that
differs, a file ingested by hand that is not data) still fails: only a source that did not serve
the data is the source's fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory import fetch
from observatory.catalog import Dataset
from observatory.ingest import IngestError
from observatory.ingest.inputs import InputFile
from observatory.settings import Settings
from observatory.warehouse import (
    clear_source_failure,
    record_source_failure,
    source_failures,
    table_exists,
    writer,
)

SOURCE_CHECK = "source_reachable"
"""The ingestion assets' warning check: every edition's source answered with data."""


UNAVAILABLE = (fetch.HttpStatusError, fetch.NetworkError, fetch.NotDataError)
"""The source did not serve the data: a status (404, 500...), no answer or a cut body, an HTML
page. A checksum that differs, a zip without the declared member or a file over the size cap
still fail the ingestion: the catalog entry needs a look, not a retry later."""


def source_error(item: InputFile, exc: IngestError) -> fetch.FetchError | None:
    """The download failure behind an ingestion error of a remote edition, else None."""
    cause = exc.__cause__
    if item.is_remote and isinstance(cause, UNAVAILABLE):
        return cause
    return None


def remember_failure(settings: Settings, item: InputFile, error: fetch.FetchError) -> int:
    """Record the failure; the rows of that edition kept from an earlier load (0 if none)."""
    dataset = item.dataset
    with writer(settings) as con:
        record_source_failure(
            con,
            dataset.id,
            item.millesime,
            source=item.location,
            error=type(error).__name__,
            http_status=getattr(error, "status", None),
            message=str(error),
        )
        if not table_exists(con, dataset.target_table):
            return 0
        return int(
            con.execute(
                f"select count(*) from {dataset.target_table} where millesime = ?",
                [item.millesime],
            ).fetchall()[0][0]
        )


def forget_failure(settings: Settings, item: InputFile) -> None:
    """The edition was obtained (loaded, or unchanged): its source answers again."""
    with writer(settings) as con:
        clear_source_failure(con, item.dataset.id, item.millesime)


@dataclass(frozen=True)
class Unavailable:
    """What the warning check says of one dataset."""

    passed: bool
    description: str
    failures: list[dict[str, object]]


def unavailable_editions(settings: Settings, dataset: Dataset) -> Unavailable:
    """The editions of a dataset whose source failed at its last attempt, in one sentence."""
    with writer(settings) as con:
        failures = source_failures(con, dataset.id)
    if not failures:
        return Unavailable(True, "every edition's source answered with data", [])
    parts = [
        f"{f['message']}; failing since {str(f['first_failed_at'])[:19]} UTC "
        f"({f['attempts']} attempt(s)), rows loaded before are kept"
        for f in failures
    ]
    return Unavailable(False, " | ".join(parts), failures)
