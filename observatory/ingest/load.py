"""Load one dataset-millésime: obtain its file, parse it, replace its rows in the raw table.

A load replaces one millésime of the raw table inside a transaction, together with its
`meta.ingestions` record: a failure at any step leaves the warehouse as it was. An input whose
file and catalog entry are unchanged since it was loaded is not loaded again (state.py).
A backfill (`ingest_dataset(..., millesimes=[2021])`) takes the same steps for the editions it
names only, and leaves the others' rows and records as they are.
One module of more than 400 lines: obtaining, staging and replacing are the steps of that one
transaction, and an edition whose source fails is handed to ingest/unavailable.py.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory import fetch, state
from observatory.catalog import Dataset, normalise_header
from observatory.ingest import IngestError
from observatory.ingest.inputs import InputFile, download_folder, planned_inputs
from observatory.ingest.unavailable import forget_failure, remember_failure, source_error
from observatory.settings import Settings
from observatory.sources import raw_type, relation_sql
from observatory.sources.columns import match_columns
from observatory.sources.errors import ParseError
from observatory.sources.tabular import read_file, release
from observatory.warehouse import (
    last_ingestion,
    latest_ingestions,
    quote_identifier,
    record_ingestion,
    table_columns,
    table_exists,
    writer,
)

PARSER_VERSION = "1"
"""Bump when parsing changes in a way that must re-ingest unchanged files."""

LINEAGE_COLUMNS = ("millesime", "source_row", "ingestion_id")


@dataclass
class IngestReport:
    """What one ingestion did, for the CLI, `meta.ingestions` and Dagster metadata."""

    dataset_id: str
    millesime: int
    status: str
    """loaded | unchanged | unavailable (the source failed; earlier rows kept) | kept (left
    alone by a backfill of other editions)"""
    origine: str
    source: str
    sha256: str
    bytes: int
    rows: int
    extra_columns: list[str] = field(default_factory=list)
    error: str = ""
    """Why the source was unavailable (status `unavailable`)."""


@dataclass(frozen=True)
class _LocalFile:
    published: Path  # the file as published (zip, or the data file itself)
    data: Path  # the file to parse
    data_format: str
    member: str | None
    download: fetch.Download | None


def _obtain(settings: Settings, item: InputFile, *, force: bool = False) -> _LocalFile:
    """Bring the input to a local, verified file, and unpack it if it is a zip; `force`
    downloads it again without asking whether the cached copy is current."""
    options = item.dataset.read_options(item.millesime)
    assert options.format is not None
    download = None
    if item.is_remote:
        edition = item.dataset.edition(item.millesime)
        download = fetch.download(
            item.location,
            download_folder(settings, item.dataset, item.millesime),
            label=item.label,
            expected_format=options.format,
            sha256=edition.sha256,
            timeout_s=settings.http_timeout_s,
            retries=settings.http_retries,
            backoff_s=settings.http_backoff_s,
            max_bytes=settings.max_download_bytes,
            file_name=edition.file_name_override,
            conditional=not force,
        )
        published = download.path
    else:
        published = Path(item.location)
        if not published.is_file():
            raise IngestError(f"{item.label}: {published}: file not found")
    if options.format != "zip":
        fetch.sniff(published, options.format, label=item.label)
        return _LocalFile(published, published, options.format, None, download)
    member_format = options.member_format or Path(options.member or "").suffix.lstrip(".") or "csv"
    if not _is_zip(published):
        # The member itself, taken out of the zip by the user: accept it as published.
        fetch.sniff(published, member_format, label=item.label)
        return _LocalFile(published, published, member_format, None, download)
    # Headers only: extract_member reads the member used and checks its CRC as it writes it.
    fetch.verify_zip(
        published,
        label=item.label,
        max_member_bytes=settings.max_member_bytes,
        max_ratio=settings.max_compression_ratio,
        read_members=False,
    )
    assert options.member is not None
    data = fetch.extract_member(
        published,
        options.member,
        settings.download_dir / "extracted" / item.dataset.id / str(item.millesime),
        label=item.label,
        max_member_bytes=settings.max_member_bytes,
        max_ratio=settings.max_compression_ratio,
    )
    fetch.sniff(data, member_format, label=item.label)
    return _LocalFile(published, data, member_format, data.name, download)


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def fingerprint(dataset: Dataset, sha256: str) -> str:
    """Same file + same catalog entry + same parser version = nothing to do."""
    return state.ingestion_fingerprint(sha256, dataset.model_dump(mode="json"), PARSER_VERSION)


def _loaded_rows(con: duckdb.DuckDBPyConnection, dataset: Dataset, year: int) -> int | None:
    if not table_exists(con, dataset.target_table):
        return None
    row = con.execute(
        f"select count(*) from {dataset.target_table} where millesime = ?", [year]
    ).fetchall()[0]
    return int(row[0]) if row else 0


def ensure_raw_table(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> None:
    """Create the raw table, or add the columns a catalog change introduced (never drop data)."""
    wanted = [*dataset.raw_columns]
    types = {"millesime": "integer", "source_row": "bigint", "ingestion_id": "varchar"}
    if not table_exists(con, dataset.target_table):
        columns = [f"{quote_identifier(c)} {raw_type(dataset, c)}" for c in wanted]
        columns += [f"{c} {types[c]}" for c in LINEAGE_COLUMNS]
        con.execute(f"create table {dataset.target_table} ({', '.join(columns)})")
        return
    present = set(table_columns(con, dataset.target_table))
    for column in wanted:
        if column not in present:
            con.execute(
                f"alter table {dataset.target_table} "
                f"add column {quote_identifier(column)} {raw_type(dataset, column)}"
            )


def _stage(
    con: duckdb.DuckDBPyConnection, item: InputFile, local: _LocalFile
) -> tuple[dict[str, str | None], list[str]]:
    """Parse the file, then define the temp view `_observatory_stage` over it with the raw
    table's columns. A view, not a copy: the insert into the raw table is then the only write
    of the rows after the parse (2.8 M BPE rows a millésime). The caller calls `release`."""
    dataset = item.dataset
    options = dataset.read_options(item.millesime)
    patterns = [c.pattern for c in dataset.columns if c.pattern]

    def keep(headers: Sequence[str]) -> set[str]:
        """The headers feeding a catalog column; a missing required one fails here, before
        the body of the file is read."""
        matched = match_columns(
            dataset.columns, headers, label=item.label, file_name=local.data.name
        )
        mapped = {h for h in matched.values() if h}
        return mapped | {
            h for h in headers if any(re.search(p, normalise_header(h)) for p in patterns)
        }

    read = read_file(con, local.data, local.data_format, options, item.label, keep)
    matched = match_columns(
        dataset.columns, read.headers, label=item.label, file_name=local.data.name
    )
    used = {h for h in matched.values() if h}
    extra = [
        h
        for h in read.headers
        if h not in used and not any(re.search(p, normalise_header(h)) for p in patterns)
    ]
    relation = relation_sql(dataset, matched, read.headers)
    con.execute(
        "create or replace temp view _observatory_stage as "
        f"select * exclude (_source_row), {int(item.millesime)}::integer as millesime, "
        f"_source_row as source_row from ({relation})"
    )
    return matched, extra


def _unchanged(
    con: duckdb.DuckDBPyConnection, item: InputFile, sha256: str, say: Callable[[str], None]
) -> IngestReport | None:
    """The report of a dataset-millésime already loaded from this very file, else None."""
    dataset = item.dataset
    loaded = _loaded_rows(con, dataset, item.millesime)
    last = last_ingestion(con, dataset.id, item.millesime)
    if loaded is None or last is None or last[0] != fingerprint(dataset, sha256):
        return None
    say(f"{item.label}: unchanged ({loaded} rows, sha256 {sha256[:12]})")
    size = last[1]
    return IngestReport(
        dataset.id, item.millesime, "unchanged", item.origine, item.location, sha256, size, loaded
    )


def ingest_one(
    settings: Settings,
    item: InputFile,
    *,
    force: bool = False,
    log: Callable[[str], None] | None = None,
    obtained: Future[_LocalFile] | None = None,
    loading: Callable[[], None] | None = None,
    recognise: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
) -> IngestReport:
    """Fetch, parse and load one dataset-millésime; skip it when nothing changed.

    `obtained`: the file already being fetched and unpacked (see ingest_dataset); `loading` is
    called once the file is local and about to be parsed; `recognise(con, file name)` checks the
    parsed rows (the view `_observatory_stage`) before anything is written, raising IngestError
    when they are not this dataset's (ingest/recognise.py)."""
    say = log or (lambda _m: None)
    started = datetime.now(UTC).replace(tzinfo=None)
    dataset = item.dataset
    source = item.location
    digest: str | None = None  # of the local file, once read
    if not force and not item.is_remote and Path(source).is_file():
        # A local file with the size and mtime it had when last loaded is not read (or
        # unzipped) again.
        with writer(settings) as con:
            digest = state.local_digest(con, Path(source))
            same = _unchanged(con, item, digest, say)
            if same is not None:
                state.remember_digest(con, Path(source), digest)
                return same
    try:
        local = obtained.result() if obtained is not None else _obtain(settings, item, force=force)
    except fetch.FetchError as exc:
        raise IngestError(str(exc)) from exc
    if loading is not None:
        loading()
    size = local.published.stat().st_size
    with writer(settings) as con:
        if local.download:
            sha256 = local.download.sha256
        elif digest is not None and local.published == Path(source):
            sha256 = digest  # read above: a 700 MB file is not hashed twice
        else:
            sha256 = state.local_digest(con, local.published)
        stamp = fingerprint(dataset, sha256)
        same = None if force else _unchanged(con, item, sha256, say)
        if same is not None:
            if not local.download:
                state.remember_digest(con, local.published, sha256)
            return same
        try:
            matched, extra = _stage(con, item, local)
            if recognise is not None:
                recognise(con, local.data.name)
        except (ParseError, IngestError) as exc:
            con.execute("drop view if exists _observatory_stage")
            release(con)
            if isinstance(exc, IngestError):
                raise
            raise IngestError(str(exc), item.millesime) from exc
        ingestion_id = uuid.uuid4().hex
        con.execute("begin transaction")
        try:
            ensure_raw_table(con, dataset)
            con.execute(f"delete from {dataset.target_table} where millesime = ?", [item.millesime])
            # rows of the raw table (a family that reshapes, e.g. one column per year, makes more)
            rows = int(
                con.execute(
                    f"insert into {dataset.target_table} by name "
                    f"select *, ? as ingestion_id from _observatory_stage",
                    [ingestion_id],
                ).fetchall()[0][0]
            )
            download = local.download
            record_ingestion(
                con,
                {
                    "ingestion_id": ingestion_id,
                    "dataset_id": dataset.id,
                    "millesime": item.millesime,
                    "origine": item.origine,
                    "source": source,
                    "file_name": local.published.name,
                    "member": local.member,
                    "bytes": size,
                    "sha256": sha256,
                    "etag": download.etag if download else None,
                    "last_modified": download.last_modified if download else None,
                    "http_status": download.status if download else None,
                    "rows_loaded": rows,
                    "columns_matched": json.dumps(dict(matched), ensure_ascii=False),
                    "extra_columns": json.dumps(extra, ensure_ascii=False),
                    "fingerprint": stamp,
                    "started_at": started,
                    "finished_at": datetime.now(UTC).replace(tzinfo=None),
                },
            )
            if not local.download:
                state.remember_digest(con, local.published, sha256)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.execute("drop view if exists _observatory_stage")
            release(con)
    say(f"{item.label}: loaded {rows} rows from {local.published.name} ({item.origine})")
    return IngestReport(
        dataset.id, item.millesime, "loaded", item.origine, source, sha256, size, rows, extra
    )


def _ingest_or_report(
    settings: Settings,
    item: InputFile,
    say: Callable[[str], None],
    failed: list[fetch.FetchError],
    **kwargs: Any,
) -> IngestReport:
    """One edition; when its source fails (404, 500, an HTML page...), the failure is recorded,
    appended to `failed` and reported instead of raised, and the rows loaded before are kept
    (ingest.unavailable)."""
    try:
        report = ingest_one(settings, item, log=say, **kwargs)
    except IngestError as exc:
        error = source_error(item, exc)
        if error is None:
            raise
        failed.append(error)
        kept = remember_failure(settings, item, error)
        say(f"{error}; kept the {kept} rows loaded before" if kept else str(error))
        return IngestReport(
            item.dataset.id, item.millesime, "unavailable", item.origine, item.location,
            "", 0, kept, error=str(error),
        )  # fmt: skip
    if item.is_remote:
        forget_failure(settings, item)
    return report


def ingest_dataset(
    settings: Settings,
    dataset: Dataset,
    *,
    millesimes: Collection[int] = (),
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> tuple[list[IngestReport], list[int]]:
    """Ingest every millésime available in the active mode; report those without input.

    An edition whose source fails is reported (status `unavailable`) and does not stop the
    others; the ingestion fails only when no edition at all has rows to show for it.

    A backfill names `millesimes`: only those editions are fetched and loaded, the others'
    rows are left as they are (reported `kept`), an unknown one is refused before anything is
    fetched, and a named edition whose source fails fails the ingestion. `force` fetches
    without the cached validators and reloads even an unchanged file."""
    say = log or (lambda _m: None)
    items, missing = planned_inputs(settings, dataset, millesimes)
    if millesimes and missing:
        raise IngestError(
            f"{dataset.id}: no input in source mode {settings.source!r} for millésime "
            f"{', '.join(map(str, missing))} to backfill; ingest a file with "
            f"`observatory ingest {dataset.id} --file PATH --millesime {missing[0]}` "
            "or change OBSERVATORY_SOURCE"
        )
    if not items:
        raise IngestError(
            f"{dataset.id}: no input in source mode {settings.source!r} "
            f"(millésimes {', '.join(map(str, missing))}); ingest a file with "
            f"`observatory ingest {dataset.id} --file PATH` or change OBSERVATORY_SOURCE"
        )
    reports: list[IngestReport] = []
    failed: list[fetch.FetchError] = []
    # While one millésime is parsed and loaded (DuckDB), the next one is downloaded and unzipped
    # in a thread (zlib and I/O release the GIL): four BPE editions of 1.2 GB each overlap
    # their unzipping with the previous load. Nothing is fetched ahead for a millésime whose
    # predecessor was unchanged, so a refresh that changes nothing unzips nothing.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="obtain") as ahead:
        upcoming: dict[int, Future[_LocalFile]] = {}

        def fetch_ahead(index: int) -> None:
            if index < len(items):
                upcoming[index] = ahead.submit(_obtain, settings, items[index], force=force)

        try:
            for index, item in enumerate(items):
                reports.append(
                    _ingest_or_report(
                        settings,
                        item,
                        say,
                        failed,
                        force=force,
                        obtained=upcoming.pop(index, None),
                        loading=functools.partial(fetch_ahead, index + 1),
                    )
                )
        finally:
            for pending in upcoming.values():
                pending.cancel()
    if millesimes:
        _fail_unobtained_backfill(dataset, reports, failed)
        reports = sorted([*reports, *_kept(settings, dataset, millesimes)], key=_by_year)
    elif all(r.status == "unavailable" and not r.rows for r in reports):
        # Nothing to build on: fail as before (a transient cause lets the step be retried).
        raise IngestError(
            f"{dataset.id}: no edition could be obtained and none was loaded before: "
            + "; ".join(r.error for r in reports)
        ) from failed[0]
    return reports, missing


def _by_year(report: IngestReport) -> int:
    return report.millesime


def _fail_unobtained_backfill(
    dataset: Dataset, reports: list[IngestReport], failed: list[fetch.FetchError]
) -> None:
    """A backfill was asked for these editions: one that could not be obtained is a failure,
    not a warning (its rows loaded before are kept; a transient cause lets the step be
    retried)."""
    errors = [r.error for r in reports if r.status == "unavailable"]
    if errors:
        raise IngestError(
            f"{dataset.id}: backfill failed, the rows loaded before are kept: " + "; ".join(errors)
        ) from failed[0]


KEPT_COLUMNS = ("dataset_id", "millesime", "origine", "source", "sha256", "bytes")


def _kept(settings: Settings, dataset: Dataset, backfilled: Collection[int]) -> list[IngestReport]:
    """The editions a backfill left alone, as they are in the warehouse (their latest load):
    the asset's metadata then still describes the whole raw table."""
    with writer(settings) as con:
        if not table_exists(con, dataset.target_table):
            return []
        counts = con.execute(
            f"select millesime, count(*) from {dataset.target_table} group by millesime"
        ).fetchall()
        loads = {
            int(load["millesime"]): load  # type: ignore[call-overload]
            for load in latest_ingestions(con, KEPT_COLUMNS)
            if load["dataset_id"] == dataset.id
        }
    reports = []
    for year, count in sorted(counts):
        if year in backfilled:
            continue
        load = loads.get(int(year), {})
        reports.append(
            IngestReport(
                dataset_id=dataset.id,
                millesime=int(year),
                status="kept",
                origine=str(load.get("origine") or ""),
                source=str(load.get("source") or ""),
                sha256=str(load.get("sha256") or ""),
                bytes=int(load.get("bytes") or 0),  # type: ignore[call-overload]
                rows=int(count),
            )
        )
    return reports


def is_transient(exc: IngestError) -> bool:
    """Whether the source was down or overloaded (worth trying the whole step again later),
    rather than the file being wrong (an HTML page, a bad checksum, a renamed column)."""
    cause = exc.__cause__
    if isinstance(cause, fetch.HttpStatusError):
        return cause.status >= 500 or cause.status == 429
    return isinstance(cause, fetch.NetworkError)
