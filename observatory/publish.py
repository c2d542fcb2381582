"""Write-audit-publish: copy the audited tables into a new edition, then switch to it atomically.

Analysts and dashboards open only the published file, read-only; the working warehouse is the
writer's. Each publication is an *edition*, a folder written once and never modified:

    published/
      observatory.duckdb        the current edition's database (a hard link to it)
      current -> editions/<id>  the current edition's folder (Parquet files, manifest)
      editions/<id>/observatory.duckdb
      editions/<id>/parquet/<schema>/<table>.parquet
      editions/<id>/manifest.json

An edition is built under a hidden name (`editions/.building-<id>`), renamed to its final name
once complete, and only then made current by renaming a new link over `observatory.duckdb` (one
`os.replace`). A reader that opened the previous file keeps reading that complete edition (the
rename does not touch its inode, and editions are never rewritten), and a refresh that fails or
is killed at any point leaves the current edition in place; its leftovers are removed by the next
publication. The previous editions are kept (OBSERVATORY_PUBLISHED_EDITIONS_KEPT) so that
`observatory rollback` can switch back to one in the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from observatory.settings import Settings
from observatory.sql_models import warehouse_token
from observatory.warehouse import exclusive_lock, quote_identifier, writer

if TYPE_CHECKING:
    import dagster as dg

PUBLISHED_SCHEMAS = ("marts", "quarantine", "meta")
DATABASE_NAME = "observatory.duckdb"
EDITIONS_FOLDER = "editions"
CURRENT_LINK = "current"
MANIFEST_NAME = "manifest.json"
PARQUET_FOLDER = "parquet"
BUILDING_PREFIX = ".building-"
SWITCH_PREFIX = ".switch-"
EDITION_VIEW = "meta.edition"
"""A view in every published file naming its edition, so a reader knows which manifest it has.
A view, not a table: the tables of two editions built from the same warehouse stay identical."""
MANIFEST_FORMAT = 1


class PublicationError(RuntimeError):
    """A publication or a rollback cannot be done as asked (unknown edition, damaged files)."""


@dataclass(frozen=True)
class Publication:
    """What one publication wrote."""

    path: Path
    tables: dict[str, int]
    edition: str = ""
    folder: Path | None = None
    removed: list[str] = field(default_factory=list)
    unchanged: bool = False


@dataclass(frozen=True)
class Edition:
    """One published edition on disk."""

    id: str
    folder: Path
    manifest: dict[str, Any]
    current: bool

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_NAME

    @property
    def built_at(self) -> str:
        return str(self.manifest.get("built_at", ""))

    @property
    def rows(self) -> int:
        return sum(int(t.get("rows", 0)) for t in self.manifest.get("tables", []))


# --- paths and small helpers ---------------------------------------------------------------------


def editions_dir(settings: Settings) -> Path:
    return settings.published_dir / EDITIONS_FOLDER


def _escape(text: str) -> str:
    return text.replace("'", "''")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    """Flush a file or a folder to disk, so a rename never points at unwritten blocks."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_edition_id() -> str:
    """UTC time to the microsecond: unique per publication and sorted like the editions."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


@contextmanager
def _publication_lock(settings: Settings) -> Iterator[None]:
    """Serialises publications and rollbacks (not the warehouse: a rollback does not need it)."""
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    lock = settings.published_path.with_name(DATABASE_NAME + ".lock")
    with exclusive_lock(lock, settings.writer_lock_timeout_s):
        yield


def _split_comment(comment: str | None) -> tuple[str, str]:
    """A model's table comment is `<description> Grain: <grain>` (see sql_models.py)."""
    text = (comment or "").strip()
    description, marker, grain = text.rpartition(" Grain: ")
    return (description.strip(), grain.strip()) if marker else (text, "")


# --- writing an edition --------------------------------------------------------------------------


def _copy_schema(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    """Copy every table of a schema into the attached `published` database, with comments."""
    tables = {}
    names = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? order by table_name",
        [schema],
    ).fetchall()
    con.execute(f"create schema if not exists published.{schema}")
    for name, comment in names:
        target = f"published.{schema}.{quote_identifier(name)}"
        con.execute(f"create table {target} as select * from {schema}.{quote_identifier(name)}")
        if comment:
            con.execute(f"comment on table {target} is '{_escape(comment)}'")
        for column, text in con.execute(
            "select column_name, comment from duckdb_columns() where database_name = "
            "current_database() and schema_name = ? and table_name = ? and comment is not null",
            [schema, name],
        ).fetchall():
            con.execute(
                f"comment on column {target}.{quote_identifier(column)} is '{_escape(text)}'"
            )
        row = con.execute(f"select count(*) from {target}").fetchall()[0]
        tables[f"{schema}.{name}"] = int(row[0]) if row else 0
    return tables


def _describe_table(
    con: duckdb.DuckDBPyConnection, qualified: str, rows: int, parquet: Path, folder: Path
) -> dict[str, Any]:
    """The manifest entry of one published table (read from the `published` database)."""
    schema, name = qualified.split(".", 1)
    comment = con.execute(
        "select comment from duckdb_tables() where database_name = 'published' "
        "and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0][0]
    description, grain = _split_comment(comment)
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where database_name = 'published' and schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, name],
    ).fetchall()
    millesimes = None
    if any(c[0] == "millesime" for c in columns):
        millesimes = [
            r[0]
            for r in con.execute(
                f"select distinct millesime from published.{schema}.{quote_identifier(name)} "
                "where millesime is not null order by 1"
            ).fetchall()
        ]
    return {
        "table": qualified,
        "description": description,
        "grain": grain,
        "rows": rows,
        "millesimes": millesimes,
        "columns": [{"name": c, "type": t, "description": d or ""} for c, t, d in columns],
        "parquet": {
            "path": parquet.relative_to(folder).as_posix(),
            "bytes": parquet.stat().st_size,
            "sha256": _sha256(parquet),
        },
    }


def _source_versions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The input of every dataset-millésime the tables were built from (latest load of each)."""
    rows = con.execute(
        """
        select dataset_id, millesime, origine, source, file_name, sha256, bytes, etag,
               last_modified, finished_at
        from meta.ingestions
        qualify row_number() over (partition by dataset_id, millesime
                                   order by finished_at desc) = 1
        order by dataset_id, millesime
        """
    ).fetchall()
    keys = (
        "dataset_id",
        "millesime",
        "origine",
        "source",
        "file_name",
        "sha256",
        "bytes",
        "etag",
        "last_modified",
        "ingested_at",
    )
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in zip(keys, r, strict=True)}
        for r in rows
    ]


def _write_edition(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    folder: Path,
    edition_id: str,
    built_at: datetime,
    schemas: Sequence[str],
) -> tuple[dict[str, int], dict[str, Any]]:
    """Database, Parquet files and manifest of one edition, all inside `folder`."""
    database = folder / DATABASE_NAME
    tables: dict[str, int] = {}
    entries = []
    con.execute(f"attach '{_escape(str(database))}' as published")
    try:
        # One transaction: hundreds of comments and tables in one commit, not one each.
        con.execute("begin transaction")
        try:
            for schema in schemas:
                tables.update(_copy_schema(con, schema))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("create schema if not exists published.meta")
        con.execute(
            f"create view published.{EDITION_VIEW} as select '{edition_id}' as edition_id, "
            f"timestamp '{built_at:%Y-%m-%d %H:%M:%S.%f}' as built_at, "
            f"'{_escape(settings.source)}' as source_mode"
        )
        con.execute(
            f"comment on view published.{EDITION_VIEW} is 'The edition this file is: its "
            f"folder published/{EDITIONS_FOLDER}/<edition_id> holds its manifest and Parquet "
            "files.'"
        )
        for qualified, rows in tables.items():
            schema, name = qualified.split(".", 1)
            parquet = folder / PARQUET_FOLDER / schema / f"{name}.parquet"
            parquet.parent.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"copy (select * from published.{schema}.{quote_identifier(name)}) "
                f"to '{_escape(str(parquet))}' (format parquet, compression zstd)"
            )
            entries.append(_describe_table(con, qualified, rows, parquet, folder))
        sources = _source_versions(con)
    finally:
        con.execute("detach published")  # checkpoints: the file is complete, no WAL beside it
    manifest = {
        "format": MANIFEST_FORMAT,
        "edition": edition_id,
        "built_at": built_at.isoformat(),
        "source_mode": settings.source,
        "database": {
            "path": DATABASE_NAME,
            "bytes": database.stat().st_size,
            "sha256": _sha256(database),
        },
        "tables": entries,
        "sources": sources,
    }
    return tables, manifest


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


# --- switching, listing, pruning -----------------------------------------------------------------


def _clean_leftovers(settings: Settings) -> None:
    """Remove what a failed or killed publication left (called under the publication lock)."""
    root = settings.published_dir
    folder = editions_dir(settings)
    if folder.is_dir():
        for leftover in folder.glob(f"{BUILDING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in [*root.glob(f"{SWITCH_PREFIX}*"), *root.glob(".observatory-*.duckdb*")]:
        leftover.unlink(missing_ok=True)


def _switch(settings: Settings, edition_id: str) -> None:
    """Make an edition current: each name is replaced by one rename, so it always points at a
    complete edition (the database first: it is what analysts and dashboards open)."""
    root = settings.published_dir
    folder = editions_dir(settings) / edition_id
    temporary = root / f"{SWITCH_PREFIX}{uuid.uuid4().hex}.duckdb"
    _link_or_copy(folder / DATABASE_NAME, temporary)
    os.replace(temporary, settings.published_path)
    link = root / f"{SWITCH_PREFIX}{uuid.uuid4().hex}"
    os.symlink(Path(EDITIONS_FOLDER) / edition_id, link)
    current = root / CURRENT_LINK
    if current.is_dir() and not current.is_symlink():
        shutil.rmtree(current)  # a copy of the folder that followed the link (cp -r, copytree)
    os.replace(link, current)
    _fsync(root)


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _current_id(settings: Settings, folders: Sequence[Path]) -> str | None:
    """The edition whose database *is* the published file (same inode); when the file is a copy
    (no hard links on this file system, or the folder was copied), the `current` link's, else the
    edition whose checksum it has."""
    published = settings.published_path
    if not published.exists():
        return None
    for folder in folders:
        database = folder / DATABASE_NAME
        if database.exists() and os.path.samefile(database, published):
            return folder.name
    link = settings.published_dir / CURRENT_LINK
    if link.is_symlink() and (settings.published_dir / os.readlink(link)).is_dir():
        return Path(os.readlink(link)).name
    size, checksum = published.stat().st_size, None
    for folder in reversed(folders):
        expected = _read_manifest(folder).get("database", {})
        if expected.get("bytes") == size:
            checksum = checksum or _sha256(published)
            if expected.get("sha256") == checksum:
                return folder.name
    return None


def list_editions(settings: Settings) -> list[Edition]:
    """Complete editions, oldest first (the ones being built are hidden and not listed)."""
    folder = editions_dir(settings)
    if not folder.is_dir():
        return []
    folders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    current = _current_id(settings, folders)
    return [Edition(p.name, p, _read_manifest(p), p.name == current) for p in folders]


def _prune(settings: Settings, keep: int) -> list[str]:
    """Delete all but the current edition and the `keep` most recent others. A reader that has
    a deleted edition's file open keeps reading it (the inode lives until it closes)."""
    editions = list_editions(settings)
    others = [e for e in editions if not e.current]
    doomed = others[: max(len(others) - keep, 0)]
    for edition in doomed:
        shutil.rmtree(edition.folder, ignore_errors=True)
    return [e.id for e in doomed]


def verify_edition(edition: Edition) -> list[str]:
    """Files of an edition whose checksum differs from its manifest (empty: intact)."""
    manifest = edition.manifest
    if not manifest:
        return [MANIFEST_NAME]
    expected = [(manifest["database"]["path"], manifest["database"]["sha256"])]
    expected += [
        (t["parquet"]["path"], t["parquet"]["sha256"]) for t in manifest["tables"] if t["parquet"]
    ]
    return [
        path
        for path, sha256 in expected
        if not (edition.folder / path).is_file() or _sha256(edition.folder / path) != sha256
    ]


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: a copy works too, at the cost of space
        shutil.copyfile(source, target)


def _adopt_unlisted(settings: Settings) -> str | None:
    """Keep a published file that is no edition's (published before editions existed) as an
    edition of its own, so the first publication after an upgrade can be rolled back too."""
    published = settings.published_path
    folder = editions_dir(settings)
    folders = [e.folder for e in list_editions(settings)]
    if not published.is_file() or _current_id(settings, folders) is not None:
        return None
    stamp = datetime.fromtimestamp(published.stat().st_mtime, UTC).replace(tzinfo=None)
    edition_id = stamp.strftime("%Y%m%dT%H%M%S.%fZ")
    building = folder / f"{BUILDING_PREFIX}{edition_id}"
    building.mkdir(parents=True)
    try:
        database = building / DATABASE_NAME
        _link_or_copy(published, database)
        con = duckdb.connect(str(database), read_only=True)
        try:
            names = con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database() order by 1, 2"
            ).fetchall()
            tables = [
                {
                    "table": f"{schema}.{name}",
                    "rows": con.execute(
                        f"select count(*) from {schema}.{quote_identifier(name)}"
                    ).fetchall()[0][0],
                    "parquet": None,
                }
                for schema, name in names
            ]
        finally:
            con.close()
        manifest = {
            "format": MANIFEST_FORMAT,
            "edition": edition_id,
            "built_at": stamp.isoformat(),
            "adopted": "published before editions existed: no Parquet files, no source versions",
            "database": {
                "path": DATABASE_NAME,
                "bytes": database.stat().st_size,
                "sha256": _sha256(database),
            },
            "tables": tables,
            "sources": [],
        }
        _write_json(building / MANIFEST_NAME, manifest)
        os.rename(building, folder / edition_id)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return edition_id


# --- the operations ------------------------------------------------------------------------------


def publish(
    settings: Settings,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
    *,
    skip_unchanged: bool = False,
) -> Publication:
    """Write a new edition of the given schemas of the working warehouse and make it current.

    `skip_unchanged` (a refresh): when the current edition was made of the same models and
    ingestions, keep it instead of writing an identical one (at national scale, minutes).
    """
    edition_id = _new_edition_id()
    built_at = datetime.now(UTC).replace(tzinfo=None)
    # The warehouse lock first, the publication lock second: the order a CLI build takes them
    # (it holds the writer for the whole run), so two processes never wait for each other.
    with writer(settings) as con, _publication_lock(settings):
        _clean_leftovers(settings)
        _adopt_unlisted(settings)
        token = warehouse_token(con)
        if skip_unchanged and token is not None:
            folders = sorted(p for p in editions_dir(settings).glob("*") if p.is_dir())
            current = _current_id(settings, folders)
            manifest = _read_manifest(editions_dir(settings) / current) if current else {}
            if current and manifest.get("content_token") == token:
                tables = {t["table"]: int(t["rows"]) for t in manifest.get("tables", [])}
                folder = editions_dir(settings) / current
                return Publication(settings.published_path, tables, current, folder, [], True)
        building = editions_dir(settings) / f"{BUILDING_PREFIX}{edition_id}"
        building.mkdir(parents=True)
        try:
            tables, manifest = _write_edition(
                con, settings, building, edition_id, built_at, schemas
            )
            _write_json(building / MANIFEST_NAME, {**manifest, "content_token": token})
            for path in building.rglob("*"):
                if path.is_file():
                    _fsync(path)
            final = editions_dir(settings) / edition_id
            os.rename(building, final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        _fsync(editions_dir(settings))
        _switch(settings, edition_id)
        removed = _prune(settings, settings.published_editions_kept)
    return Publication(settings.published_path, tables, edition_id, final, removed)


def rollback(settings: Settings, edition: str | None = None) -> tuple[Edition, Edition | None]:
    """Make an earlier edition current again (default: the one before the current one).

    Returns (the edition now current, the one that was). The edition's files are verified
    against its manifest first, so a damaged edition is refused rather than published.
    """
    with _publication_lock(settings):
        editions = list_editions(settings)
        if not editions:
            raise PublicationError(
                f"{settings.published_dir}: no published edition yet; run `observatory build`"
            )
        current = next((e for e in editions if e.current), None)
        if edition is None:
            older = [e for e in editions if current is None or e.id < current.id]
            if not older:
                raise PublicationError(
                    f"no edition older than the current one ({current.id if current else '?'})"
                    "; `observatory editions` lists them"
                )
            target = older[-1]
        else:
            matches = [e for e in editions if e.id == edition] or [
                e for e in editions if e.id.startswith(edition)
            ]
            if len(matches) != 1:
                known = ", ".join(e.id for e in editions)
                problem = "is ambiguous" if matches else "is not a published edition"
                raise PublicationError(f"{edition!r} {problem}; editions: {known}")
            target = matches[0]
        damaged = verify_edition(target)
        if damaged:
            raise PublicationError(
                f"edition {target.id} is damaged (checksum differs from its manifest: "
                f"{', '.join(damaged[:5])}); choose another one"
            )
        if not target.current:
            _switch(settings, target.id)
    return Edition(target.id, target.folder, target.manifest, True), current


def build_publish_asset(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The published edition, built after every mart (and its blocking checks) succeeded.

    Dagster is imported here, not with the module: publishing, listing editions and rolling
    back need only DuckDB, so a process that only does those starts in a fraction of Dagster's
    import time.
    """
    import dagster as dg

    from observatory.resources import WRITER_POOL
    from observatory.validation import report_path

    @dg.asset(
        key=dg.AssetKey(["published", "observatory"]),
        deps=list(upstream),
        group_name="published",
        description="The published edition analysts and dashboards open read-only: every "
        "marts.* table, the quarantine.* tables (rows a source could not place, with the reason) "
        "and the meta.* tables, as a DuckDB file and one Parquet file per table with a manifest; "
        "switched atomically, the previous editions kept for `observatory rollback`.",
        owners=["team:observatory"],
        kinds={"duckdb", "parquet"},
        pool=WRITER_POOL,
        required_resource_keys={"observatory"},
    )
    def published(context):  # type: ignore[no-untyped-def]  # Dagster resolves annotations
        # in module globals, where dagster is not imported (see above)
        settings = context.resources.observatory.settings()
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
