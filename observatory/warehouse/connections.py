"""DuckDB connections: the single writer and read-only readers, and the writer's lock.

DuckDB allows one writing process per file. Every write goes through `writer()`, which first takes
an exclusive file lock next to the database, so a CLI ingestion, a Dagster run and a test never
collide on DuckDB's own lock: the second writer waits (up to a timeout) instead of failing.
Readers (analysts, dashboards) open the *published* file read-only and never this one, through
`reader()`: besides read-only, that connection cannot touch any other file or the network
(external access off, no extension installed or loaded), its configuration is locked so a
statement cannot undo that, and a time limit interrupts its query (not the process).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb

from observatory.settings import Settings
from observatory.warehouse.failures import damaged
from observatory.warehouse.meta import create_meta_tables

SCHEMAS = ("raw", "seeds", "staging", "intermediate", "marts", "meta", "quarantine")


READER_CONFIG: dict[str, object] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
"""The configuration of every read-only connection: no file but the database itself (no COPY,
ATTACH, read_csv, read_blob, glob, import_database...), no network, no extension, and locked
(no SET or RESET can change it). DuckDB refuses a second connection to the same file with a
different configuration, so whoever opens the published file in this process uses this one."""


class QueryTimeoutError(RuntimeError):
    """A read on the published file ran past the time limit and was interrupted."""


class WarehouseBusyError(RuntimeError):
    """Another process held the writer lock for longer than the timeout."""


def _wait_for(handle: IO[str], operation: int, lock_path: Path, timeout_s: float) -> None:
    """Take the lock (exclusive or shared), retrying until the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(handle, operation | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise WarehouseBusyError(
                    f"{lock_path.with_suffix('')}: another writer ({holder}) has held the "
                    f"warehouse for more than {timeout_s:g} s; wait for it to finish or "
                    "raise OBSERVATORY_WRITER_LOCK_TIMEOUT_S"
                ) from None
            time.sleep(0.05)


@contextmanager
def _exclusive_lock(lock_path: Path, timeout_s: float) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        _wait_for(handle, fcntl.LOCK_EX, lock_path, timeout_s)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def exclusive_lock(lock_path: Path, timeout_s: float) -> contextlib.AbstractContextManager[None]:
    """The writer's file lock, for other files that need one writer at a time (publication)."""
    return _exclusive_lock(lock_path, timeout_s)


def initialise(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the meta tables if they are missing (idempotent)."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    create_meta_tables(con)


_OPEN: dict[Path, duckdb.DuckDBPyConnection] = {}
"""Writer connections this process holds: a nested `writer()` reuses the outer one."""


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection; a file that is no DuckDB database (zero bytes, torn, overwritten)
    is reported as a damaged warehouse, with its remedy."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        error = damaged(path, exc)
        if error is None:
            raise
        raise error from exc


@contextmanager
def _shared_lock(lock_path: Path, timeout_s: float) -> Iterator[None]:
    """The writer's lock taken shared (opened read-only: works in a read-only home): waits for
    a writer to finish instead of failing on DuckDB's own lock, lets other readers in."""
    if not lock_path.exists():
        yield
        return
    with lock_path.open("r") as handle:
        _wait_for(handle, fcntl.LOCK_SH, lock_path, timeout_s)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def warehouse_reader(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection on the working warehouse (`observatory status`): needs no write
    access to the home, and waits for a running writer instead of taking its place."""
    path = settings.warehouse_path
    if path in _OPEN:
        yield _OPEN[path]
        return
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here yet; run `observatory build` first")
    with _shared_lock(path.with_name(path.name + ".lock"), settings.writer_lock_timeout_s):
        con = _connect(path, read_only=True)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def writer(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one connection allowed to write the working warehouse (serialised across processes).

    Nested uses in one process share the outermost connection and lock: a CLI build opens the
    warehouse once for all its steps instead of once per step (each close checkpoints the file).
    """
    path = settings.warehouse_path
    if path in _OPEN:
        yield _OPEN[path]
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path.with_name(path.name + ".lock"), settings.writer_lock_timeout_s):
        con = _connect(path, read_only=False)
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        _OPEN[path] = con
        try:
            initialise(con)
            yield con
        finally:
            del _OPEN[path]
            con.close()


@contextmanager
def reader(path: Path, timeout_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only, locked-down connection (READER_CONFIG), e.g. on the published file; fails
    clearly when the file does not exist.

    With `timeout_s`, a timer interrupts whatever the connection is running once that time has
    passed since it was opened; the interruption leaves the block as QueryTimeoutError."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here yet; run `observatory build` first")
    con = duckdb.connect(str(path), read_only=True, config=dict(READER_CONFIG))
    expired = threading.Event()
    closing = threading.Lock()

    def interrupt() -> None:
        with closing:
            if not expired.is_set():
                expired.set()
                con.interrupt()

    timer = threading.Timer(timeout_s, interrupt) if timeout_s else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield con
    except duckdb.Error as exc:
        if expired.is_set():
            raise QueryTimeoutError(
                f"the query ran for more than {timeout_s:g} s and was interrupted; narrow it "
                "or raise OBSERVATORY_QUERY_TIMEOUT_S"
            ) from exc
        raise
    finally:
        if timer is not None:
            timer.cancel()
        with closing:
            expired.set()  # a timer firing now finds nothing to interrupt
            con.close()


def published_reader(
    settings: Settings,
) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The connection analysts and dashboards read through: `reader()` on the published file,
    with the settings' time limit (OBSERVATORY_QUERY_TIMEOUT_S)."""
    return reader(settings.published_path, settings.query_timeout_s)
