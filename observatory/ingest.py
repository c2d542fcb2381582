"""Ingestion: find each dataset-millésime's input, fetch it, parse it, load its raw table.

One Dagster asset per catalog dataset (a factory over the catalog). The same functions serve the
CLI (`observatory ingest --file`), so a file ingested by hand goes through exactly the code a
download does. A load replaces one millésime of the raw table inside a transaction, together with
its `meta.ingestions` record: a failure at any step leaves the warehouse as it was.
"""

import functools
import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from observatory import fetch
from observatory.catalog import Catalog, Dataset, normalise_header
from observatory.resources import WRITER_POOL, ObservatoryResource
from observatory.settings import Settings
from observatory.sources import parser_for, relation_sql
from observatory.sources.tabular import ParseError, match_columns, read_file, release
from observatory.validation import Outcome, record, warm_up_in_background, write_report
from observatory.warehouse import quote_identifier, table_columns, table_exists, writer

PARSER_VERSION = "1"
"""Bump when parsing changes in a way that must re-ingest unchanged files."""

LINEAGE_COLUMNS = ("millesime", "source_row", "ingestion_id")

STEP_RETRIES = 2
"""Whole-step retries when a source is unreachable (after fetch.py's own request retries)."""


class IngestError(RuntimeError):
    """An input could not be ingested; the warehouse and the cache are unchanged."""

    def __init__(self, message: str, millesime: int | None = None) -> None:
        super().__init__(message)
        self.millesime = millesime


@dataclass(frozen=True)
class InputFile:
    """Where one dataset-millésime comes from in the active source mode."""

    dataset: Dataset
    millesime: int
    origine: str  # sample | live | mirror | manual
    location: str  # local path, or URL to download

    @property
    def label(self) -> str:
        return f"{self.dataset.id} {self.millesime}"

    @property
    def is_remote(self) -> bool:
        return self.origine in ("live", "mirror")


@dataclass
class IngestReport:
    """What one ingestion did, for the CLI, `meta.ingestions` and Dagster metadata."""

    dataset_id: str
    millesime: int
    status: str  # loaded | unchanged
    origine: str
    source: str
    sha256: str
    bytes: int
    rows: int
    extra_columns: list[str] = field(default_factory=list)


def sample_path(settings: Settings, dataset: Dataset, millesime: int) -> Path:
    """Bundled sample file: assets/sample/<dataset>/<millesime>/<official file name>."""
    return (
        settings.catalog_dir
        / "sample"
        / dataset.id
        / str(millesime)
        / dataset.edition(millesime).file_name
    )


def manual_file(settings: Settings, dataset: Dataset, millesime: int) -> Path | None:
    folder = settings.manual_dir / dataset.id / str(millesime)
    files = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
    return files[0] if files else None


def manual_millesimes(settings: Settings, dataset: Dataset) -> list[int]:
    folder = settings.manual_dir / dataset.id
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in folder.iterdir()
        if p.is_dir() and p.name.isdigit() and manual_file(settings, dataset, int(p.name))
    )


def resolve_input(settings: Settings, dataset: Dataset, millesime: int) -> InputFile | None:
    """The input of one dataset-millésime in the active mode.

    A file ingested by hand wins in every real-data mode (live, mirror, local). The sample mode
    uses only the bundled files: a real file there would mix real and invented communes.
    """
    if settings.source == "sample":
        path = sample_path(settings, dataset, millesime)
        return InputFile(dataset, millesime, "sample", str(path)) if path.is_file() else None
    manual = manual_file(settings, dataset, millesime)
    if manual is not None:
        return InputFile(dataset, millesime, "manual", str(manual))
    if not dataset.has_millesime(millesime) or settings.source == "local":
        return None
    url = dataset.edition(millesime).url
    if settings.source == "mirror":
        assert settings.mirror_url is not None
        return InputFile(dataset, millesime, "mirror", fetch.mirror_url(url, settings.mirror_url))
    return InputFile(dataset, millesime, "live", url)


def planned_inputs(settings: Settings, dataset: Dataset) -> tuple[list[InputFile], list[int]]:
    """Inputs available in the active mode, and the millésimes that have none."""
    years = set(dataset.years)
    if settings.source != "sample":
        years |= set(manual_millesimes(settings, dataset))
    found, missing = [], []
    for year in sorted(years):
        item = resolve_input(settings, dataset, year)
        if item is None:
            missing.append(year)
        else:
            found.append(item)
    return found, missing


@dataclass(frozen=True)
class _LocalFile:
    published: Path  # the file as published (zip, or the data file itself)
    data: Path  # the file to parse
    data_format: str
    member: str | None
    download: fetch.Download | None


def _obtain(settings: Settings, item: InputFile) -> _LocalFile:
    """Bring the input to a local, verified file, and unpack it if it is a zip."""
    options = item.dataset.read_options(item.millesime)
    assert options.format is not None
    download = None
    if item.is_remote:
        edition = item.dataset.edition(item.millesime)
        download = fetch.download(
            item.location,
            settings.download_dir / item.dataset.id / str(item.millesime),
            label=item.label,
            expected_format=options.format,
            sha256=edition.sha256,
            timeout_s=settings.http_timeout_s,
            retries=settings.http_retries,
            backoff_s=settings.http_backoff_s,
            max_bytes=settings.max_download_bytes,
            file_name=edition.file_name_override,
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
    payload = json.dumps([sha256, dataset.model_dump(mode="json"), PARSER_VERSION], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def local_digest(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """sha256 of a local file, read again only when its size or modification time changed
    since a load remembered it (the test make and git rely on): a refresh over gigabytes of
    unchanged inputs then costs a stat per file. Kept in meta.empreintes_fichiers."""
    path = path.resolve()
    stat = path.stat()
    known = con.execute(
        "select sha256 from meta.empreintes_fichiers where chemin = ? and octets = ? "
        "and mtime_ns = ?",
        [str(path), stat.st_size, stat.st_mtime_ns],
    ).fetchall()
    return str(known[0][0]) if known else fetch.sha256_file(path)


def remember_digest(con: duckdb.DuckDBPyConnection, path: Path, digest: str) -> None:
    """Keep a file's digest with its size and mtime, once it was loaded (or found loaded): a
    refused file leaves the warehouse as it was."""
    path = path.resolve()
    stat = path.stat()
    con.execute(
        "insert or replace into meta.empreintes_fichiers values (?, ?, ?, ?)",
        [str(path), stat.st_size, stat.st_mtime_ns, digest],
    )


def _last_fingerprint(con: duckdb.DuckDBPyConnection, dataset: Dataset, year: int) -> str | None:
    row = con.execute(
        "select fingerprint from meta.ingestions where dataset_id = ? and millesime = ? "
        "order by finished_at desc limit 1",
        [dataset.id, year],
    ).fetchall()
    return row[0][0] if row else None


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
        columns = [f"{quote_identifier(c)} varchar" for c in wanted]
        columns += [f"{c} {types[c]}" for c in LINEAGE_COLUMNS]
        con.execute(f"create table {dataset.target_table} ({', '.join(columns)})")
        return
    present = set(table_columns(con, dataset.target_table))
    for column in wanted:
        if column not in present:
            con.execute(
                f"alter table {dataset.target_table} add column {quote_identifier(column)} varchar"
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
    if loaded is None or _last_fingerprint(con, dataset, item.millesime) != fingerprint(
        dataset, sha256
    ):
        return None
    say(f"{item.label}: unchanged ({loaded} rows, sha256 {sha256[:12]})")
    size = con.execute(
        "select bytes from meta.ingestions where dataset_id = ? and millesime = ? "
        "order by finished_at desc limit 1",
        [dataset.id, item.millesime],
    ).fetchall()[0][0]
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
) -> IngestReport:
    """Fetch, parse and load one dataset-millésime; skip it when nothing changed.

    `obtained`: the file already being fetched and unpacked (see ingest_dataset); `loading` is
    called once the file is local and about to be parsed."""
    say = log or (lambda _m: None)
    started = datetime.now(UTC).replace(tzinfo=None)
    dataset = item.dataset
    source = item.location
    digest: str | None = None  # of the local file, once read
    if not force and not item.is_remote and Path(source).is_file():
        # A local file with the size and mtime it had when last loaded is not read (or
        # unzipped) again.
        with writer(settings) as con:
            digest = local_digest(con, Path(source))
            same = _unchanged(con, item, digest, say)
            if same is not None:
                remember_digest(con, Path(source), digest)
                return same
    try:
        local = obtained.result() if obtained is not None else _obtain(settings, item)
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
            sha256 = local_digest(con, local.published)
        stamp = fingerprint(dataset, sha256)
        same = None if force else _unchanged(con, item, sha256, say)
        if same is not None:
            if not local.download:
                remember_digest(con, local.published, sha256)
            return same
        try:
            matched, extra = _stage(con, item, local)
        except ParseError as exc:
            release(con)
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
            con.execute(
                "insert into meta.ingestions values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    ingestion_id,
                    dataset.id,
                    item.millesime,
                    item.origine,
                    source,
                    local.published.name,
                    local.member,
                    size,
                    sha256,
                    download.etag if download else None,
                    download.last_modified if download else None,
                    download.status if download else None,
                    rows,
                    json.dumps({k: v for k, v in matched.items()}, ensure_ascii=False),
                    json.dumps(extra, ensure_ascii=False),
                    stamp,
                    started,
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )
            if not local.download:
                remember_digest(con, local.published, sha256)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.execute("drop view if exists _observatory_stage")
            release(con)
    warm_up_in_background()  # new rows will be validated
    say(f"{item.label}: loaded {rows} rows from {local.published.name} ({item.origine})")
    return IngestReport(
        dataset.id, item.millesime, "loaded", item.origine, source, sha256, size, rows, extra
    )


def register_manual_file(
    settings: Settings,
    dataset: Dataset,
    millesime: int,
    path: Path,
    *,
    log: Callable[[str], None] | None = None,
) -> IngestReport:
    """`observatory ingest --file`: ingest a file downloaded by hand and keep it as that input.

    The file is loaded first and kept only when that worked, so a wrong file loses nothing: the
    previous input of that millésime stays in place, and so does the warehouse.
    """
    if not path.is_file():
        raise IngestError(f"{dataset.id} {millesime}: {path}: file not found")
    report = ingest_one(
        settings, InputFile(dataset, millesime, "manual", str(path.resolve())), force=True, log=log
    )
    folder = settings.manual_dir / dataset.id / str(millesime)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{path.name}.part"
    shutil.copyfile(path, temporary)
    for old in folder.iterdir():
        if old.is_file() and not old.name.startswith("."):
            old.unlink()
    temporary.replace(folder / path.name)
    return report


def infer_millesime(dataset: Dataset, path: Path) -> int:
    """The millésime of a hand-downloaded file: the only one, or a catalog year in its name."""
    if len(dataset.millesimes) == 1:
        return dataset.millesimes[0].millesime
    hits = [y for y in dataset.years if str(y) in path.name]
    if len(hits) == 1:
        return hits[0]
    raise IngestError(
        f"{dataset.id}: cannot tell the millésime of {path.name}; give --millesime "
        f"(catalog millésimes: {', '.join(map(str, dataset.years))})"
    )


def ingest_dataset(
    settings: Settings, dataset: Dataset, *, log: Callable[[str], None] | None = None
) -> tuple[list[IngestReport], list[int]]:
    """Ingest every millésime available in the active mode; report those without input."""
    items, missing = planned_inputs(settings, dataset)
    if not items:
        raise IngestError(
            f"{dataset.id}: no input in source mode {settings.source!r} "
            f"(millésimes {', '.join(map(str, missing))}); ingest a file with "
            f"`observatory ingest {dataset.id} --file PATH` or change OBSERVATORY_SOURCE"
        )
    reports: list[IngestReport] = []
    # While one millésime is parsed and loaded (DuckDB), the next one is downloaded and unzipped
    # in a thread (zlib and I/O release the GIL): four BPE editions of 1.2 GB each overlap
    # their unzipping with the previous load. Nothing is fetched ahead for a millésime whose
    # predecessor was unchanged, so a refresh that changes nothing unzips nothing.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="obtain") as ahead:
        upcoming: dict[int, Future[_LocalFile]] = {}

        def fetch_ahead(index: int) -> None:
            if index < len(items):
                upcoming[index] = ahead.submit(_obtain, settings, items[index])

        try:
            for index, item in enumerate(items):
                reports.append(
                    ingest_one(
                        settings,
                        item,
                        log=log,
                        obtained=upcoming.pop(index, None),
                        loading=functools.partial(fetch_ahead, index + 1),
                    )
                )
        finally:
            for pending in upcoming.values():
                pending.cancel()
    return reports, missing


# --- Dagster -----------------------------------------------------------------------------------


def ingest_asset_key(dataset: Dataset) -> dg.AssetKey:
    return dg.AssetKey(dataset.target_table.split("."))


def _asset_metadata(dataset: Dataset) -> dict[str, object]:
    editions = {str(m.millesime): m.url for m in dataset.millesimes}
    latest = max(dataset.millesimes, key=lambda m: m.millesime)
    return {
        "dataset_id": dataset.id,
        "producer": dataset.producer,
        "licence": dataset.licence,
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


def build_ingest_asset(dataset: Dataset) -> dg.AssetsDefinition:
    """One asset per catalog dataset: every millésime of its raw table."""
    parser_for(dataset)  # an unknown parser family fails when definitions load
    options = dataset.read_options(dataset.years[-1])

    @dg.asset(
        key=ingest_asset_key(dataset),
        description=f"{dataset.title}. {dataset.description}".strip(),
        group_name=dataset.group,
        owners=[dataset.owner],
        kinds={"duckdb", options.member_format or options.format or "file"},
        metadata=_asset_metadata(dataset),
        tags={"producer": dataset.producer},
        pool=WRITER_POOL,
    )
    def _ingest(
        context: AssetExecutionContext, observatory: ObservatoryResource
    ) -> dg.MaterializeResult:
        settings = observatory.settings()
        try:
            reports, missing = ingest_dataset(settings, dataset, log=context.log.info)
        except IngestError as exc:
            if _transient(exc):
                # The source is down or overloaded: try the whole step again later. A wrong
                # file (HTML page, bad checksum, renamed column) is not retried.
                raise dg.RetryRequested(
                    max_retries=STEP_RETRIES, seconds_to_wait=settings.http_backoff_s * 60
                ) from exc
            _record_refusal(settings, context.run.run_id, dataset, exc)
            raise
        if missing:
            context.log.warning(
                f"{dataset.id}: no input in mode {settings.source!r} for millésimes {missing}"
            )
        return dg.MaterializeResult(metadata=_report_metadata(reports, missing))

    return _ingest


def _record_refusal(settings: Settings, run_id: str, dataset: Dataset, exc: IngestError) -> None:
    """A file refused before loading (missing column, wrong encoding) is a failed validation too:
    it goes to meta.validation_results and the run's report, with the column when known."""
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


def _transient(exc: IngestError) -> bool:
    cause = exc.__cause__
    if isinstance(cause, fetch.HttpStatusError):
        return cause.status >= 500 or cause.status == 429
    return isinstance(cause, fetch.NetworkError)


def _report_metadata(reports: Iterable[IngestReport], missing: list[int]) -> dict[str, object]:
    reports = list(reports)
    rows = {str(r.millesime): r.rows for r in reports}
    return {
        "dagster/row_count": sum(rows.values()),
        "rows_per_millesime": dg.MetadataValue.json(rows),
        "ingestions": dg.MetadataValue.md(
            "| millésime | status | origine | rows | bytes | sha256 | source |\n"
            "|---|---|---|---|---|---|---|\n"
            + "\n".join(
                f"| {r.millesime} | {r.status} | {r.origine} | {r.rows} | {r.bytes} | "
                f"`{r.sha256[:16]}` | {r.source} |"
                for r in reports
            )
        ),
        "millesimes_without_input": ", ".join(map(str, missing)) or "none",
        "extra_columns_ignored": dg.MetadataValue.json(
            {str(r.millesime): r.extra_columns for r in reports if r.extra_columns}
        ),
    }


def build_ingest_assets(catalog: Catalog) -> list[dg.AssetsDefinition]:
    return [build_ingest_asset(d) for d in catalog]
