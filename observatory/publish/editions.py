"""The published editions on disk: which one is current, switching, pruning, rolling back.

Each name a reader opens (`observatory.duckdb`, `current/`) is replaced by one rename, so it
always points at a complete edition; editions are written once and never modified.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.publish import PublicationError
from observatory.settings import Settings
from observatory.state import sha256_file
from observatory.warehouse import exclusive_lock, quote_identifier

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


def editions_dir(settings: Settings) -> Path:
    return settings.published_dir / EDITIONS_FOLDER


def fsync(path: Path) -> None:
    """Flush a file or a folder to disk, so a rename never points at unwritten blocks."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def publication_lock(settings: Settings) -> Iterator[None]:
    """Serialises publications and rollbacks (not the warehouse: a rollback does not need it)."""
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    lock = settings.published_path.with_name(DATABASE_NAME + ".lock")
    with exclusive_lock(lock, settings.writer_lock_timeout_s):
        yield


def write_json(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def clean_leftovers(settings: Settings) -> None:
    """Remove what a failed or killed publication left (called under the publication lock)."""
    root = settings.published_dir
    folder = editions_dir(settings)
    if folder.is_dir():
        for leftover in folder.glob(f"{BUILDING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in [*root.glob(f"{SWITCH_PREFIX}*"), *root.glob(".observatory-*.duckdb*")]:
        leftover.unlink(missing_ok=True)


def switch(settings: Settings, edition_id: str) -> None:
    """Make an edition current: each name is replaced by one rename, so it always points at a
    complete edition (the database first: it is what analysts and dashboards open). A crash
    between the two renames leaves `current` on the previous edition; `repair_current` (run by
    the next publication) points it at the published file's edition."""
    root = settings.published_dir
    folder = editions_dir(settings) / edition_id
    temporary = root / f"{SWITCH_PREFIX}{uuid.uuid4().hex}.duckdb"
    link_or_copy(folder / DATABASE_NAME, temporary)
    os.replace(temporary, settings.published_path)
    _point_current_at(settings, edition_id)


def _point_current_at(settings: Settings, edition_id: str) -> None:
    """Replace the `current` link by one rename."""
    root = settings.published_dir
    link = root / f"{SWITCH_PREFIX}{uuid.uuid4().hex}"
    os.symlink(Path(EDITIONS_FOLDER) / edition_id, link)
    current = root / CURRENT_LINK
    if current.is_dir() and not current.is_symlink():
        shutil.rmtree(current)  # a copy of the folder that followed the link (cp -r, copytree)
    os.replace(link, current)
    fsync(root)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def current_id(settings: Settings, folders: Sequence[Path]) -> str | None:
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
    named = _edition_named_in(published)
    if named is not None and any(folder.name == named for folder in folders):
        return named
    link = link_id(settings)
    if link is not None and (editions_dir(settings) / link).is_dir():
        return link
    size, checksum = published.stat().st_size, None
    for folder in reversed(folders):
        expected = read_manifest(folder).get("database", {})
        if expected.get("bytes") == size:
            checksum = checksum or sha256_file(published)
            if expected.get("sha256") == checksum:
                return folder.name
    return None


def _edition_named_in(published: Path) -> str | None:
    """The edition id the published file's `meta.edition` view names (None: none, unreadable)."""
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute(f"select edition_id from {EDITION_VIEW}").fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return str(rows[0][0]) if rows else None


def link_id(settings: Settings) -> str | None:
    """The edition the `current` link points at (None: no link, or a folder that is no link)."""
    link = settings.published_dir / CURRENT_LINK
    return Path(os.readlink(link)).name if link.is_symlink() else None


def stale_link(settings: Settings, editions: Sequence[Edition]) -> str | None:
    """Why `current` does not match the published file (None: it does): a publication that
    stopped between its two renames, a link removed or a folder copied over it."""
    published = next((e for e in editions if e.current), None)
    if published is None:
        return None
    link = settings.published_dir / CURRENT_LINK
    target = link_id(settings)
    if target == published.id:
        return None
    if target is not None:
        found = f"points at edition {target}"
    elif link.exists():
        found = "is a copied folder, not a link"
    else:
        found = "is missing"
    return (
        f"{link} {found}, but {settings.published_path} is edition {published.id}; "
        "the next `observatory build` repairs it"
    )


def repair_current(settings: Settings) -> str | None:
    """Point `current` at the published file's edition when it does not (called under the
    publication lock); returns the edition it now points at, None when nothing was wrong."""
    editions = list_editions(settings)
    if stale_link(settings, editions) is None:
        return None
    edition = next(e for e in editions if e.current)
    _point_current_at(settings, edition.id)
    return edition.id


def list_editions(settings: Settings) -> list[Edition]:
    """Complete editions, oldest first (the ones being built are hidden and not listed)."""
    folder = editions_dir(settings)
    if not folder.is_dir():
        return []
    folders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    current = current_id(settings, folders)
    return [Edition(p.name, p, read_manifest(p), p.name == current) for p in folders]


def prune(settings: Settings, keep: int) -> list[str]:
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
    if manifest.get("datapackage"):  # editions published before it have none
        expected.append((manifest["datapackage"]["path"], manifest["datapackage"]["sha256"]))
    return [
        path
        for path, sha256 in expected
        if not (edition.folder / path).is_file() or sha256_file(edition.folder / path) != sha256
    ]


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: a copy works too, at the cost of space
        shutil.copyfile(source, target)


def adopt_unlisted(settings: Settings) -> str | None:
    """Keep a published file that is no edition's (published before editions existed) as an
    edition of its own, so the first publication after an upgrade can be rolled back too."""
    published = settings.published_path
    folder = editions_dir(settings)
    folders = [e.folder for e in list_editions(settings)]
    if not published.is_file() or current_id(settings, folders) is not None:
        return None
    stamp = datetime.fromtimestamp(published.stat().st_mtime, UTC).replace(tzinfo=None)
    edition_id = stamp.strftime("%Y%m%dT%H%M%S.%fZ")
    building = folder / f"{BUILDING_PREFIX}{edition_id}"
    building.mkdir(parents=True)
    try:
        database = building / DATABASE_NAME
        link_or_copy(published, database)
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
                "sha256": sha256_file(database),
            },
            "tables": tables,
            "sources": [],
        }
        write_json(building / MANIFEST_NAME, manifest)
        os.rename(building, folder / edition_id)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return edition_id


def rollback(settings: Settings, edition: str | None = None) -> tuple[Edition, Edition | None]:
    """Make an earlier edition current again (default: the one before the current one).

    Returns (the edition now current, the one that was). The edition's files are verified
    against its manifest first, so a damaged edition is refused rather than published.
    """
    with publication_lock(settings):
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
            switch(settings, target.id)
    return Edition(target.id, target.folder, target.manifest, True), current
