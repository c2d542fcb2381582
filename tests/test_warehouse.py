"""observatory.warehouse: one writer at a time across processes, read-only readers, schemas."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from observatory.warehouse import (
    INGESTION_COLUMNS,
    WarehouseBusyError,
    initialise,
    read_sources,
    reader,
    record_ingestion,
    table_columns,
    table_exists,
    write_sources,
    writer,
)
from tests.conftest import REPOSITORY, make_settings

# The child process takes the writer, records itself, says "locked", and keeps the lock until it
# has slept HOLD_S seconds or (HOLD_S = 0) until its stdin is closed.
HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from observatory.settings import load_settings
    from observatory.warehouse import writer

    home, hold = sys.argv[1], float(sys.argv[2])
    settings = load_settings({"OBSERVATORY_HOME": home, "OBSERVATORY_WRITER_LOCK_TIMEOUT_S": "5"})
    with writer(settings) as con:
        con.execute("create table if not exists meta.probe (who varchar, pid integer)")
        con.execute("insert into meta.probe values ('child', ?)", [os.getpid()])
        print("locked", settings.warehouse_path, flush=True)
        if hold:
            time.sleep(hold)
        else:
            sys.stdin.read()
    print("released", flush=True)
    """
)


def start_holder(home: Path, hold_s: float) -> tuple[subprocess.Popen[str], str]:
    """Start the child and wait until it holds the writer; return it and the path it locked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), str(hold_s)],
        cwd=REPOSITORY,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # blocks until the child holds the lock (or dies)
    if not line.startswith("locked "):
        child.kill()
        _, err = child.communicate(timeout=10)
        pytest.fail(f"the child did not take the writer: {line!r} {err}")
    return child, line.split(" ", 1)[1].strip()


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    """Children started by a test, ended (by their own pid) whatever happens."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=10)


def test_second_writer_waits_for_the_first_process_to_release(
    tmp_path: Path, children: list
) -> None:
    home = tmp_path / "home"
    settings = make_settings(home, OBSERVATORY_WRITER_LOCK_TIMEOUT_S="10")
    child, locked_path = start_holder(home, 1.5)
    children.append(child)
    assert locked_path == str(settings.warehouse_path)  # both sides name the same warehouse
    started = time.monotonic()
    with writer(settings) as con:  # must wait, not fail on DuckDB's own file lock
        waited = time.monotonic() - started
        rows = con.execute("select who, pid from meta.probe").fetchall()
    assert waited >= 1.0, f"got the writer after {waited:.2f} s while the child held it 1.5 s"
    assert waited < 10
    assert rows == [("child", child.pid)], "the child's committed row is visible once it released"
    out, err = child.communicate(timeout=10)
    assert child.returncode == 0, err
    assert out.strip() == "released"


def test_busy_writer_raises_with_path_and_holder_pid(tmp_path: Path, children: list) -> None:
    home = tmp_path / "home"
    settings = make_settings(home, OBSERVATORY_WRITER_LOCK_TIMEOUT_S="0.5")
    child, _ = start_holder(home, 0)
    children.append(child)
    started = time.monotonic()
    with pytest.raises(WarehouseBusyError) as raised, writer(settings):
        pass
    elapsed = time.monotonic() - started
    message = str(raised.value)
    assert str(settings.warehouse_path) in message
    assert f"pid {child.pid}" in message
    assert "OBSERVATORY_WRITER_LOCK_TIMEOUT_S" in message
    assert 0.4 <= elapsed < 5, elapsed
    assert not isinstance(raised.value, duckdb.Error)
    assert child.poll() is None, "the holder must still be running"
    out, err = child.communicate(input="", timeout=10)  # closing stdin releases the lock
    assert child.returncode == 0, err
    assert out.strip() == "released"
    with writer(settings) as con:  # free again once the holder is gone
        assert con.execute("select count(*) from meta.probe").fetchone() == (1,)


def test_busy_writer_message_states_the_configured_timeout(tmp_path: Path, children: list) -> None:
    home = tmp_path / "home"
    settings = make_settings(home, OBSERVATORY_WRITER_LOCK_TIMEOUT_S="0.5")
    child, _ = start_holder(home, 0)
    children.append(child)
    with pytest.raises(WarehouseBusyError) as raised, writer(settings):
        pass
    child.communicate(input="", timeout=10)
    durations = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?) s\b", str(raised.value))]
    assert durations == [0.5], str(raised.value)


# --- schemas ------------------------------------------------------------------------------------

EXPECTED_SCHEMAS = {"raw", "staging", "intermediate", "marts", "meta", "quarantine"}


def schemas(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select schema_name from information_schema.schemata "
        "where catalog_name = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def test_writer_creates_the_schemas_and_the_ingestions_table(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    assert not settings.warehouse_path.exists()
    with writer(settings) as con:
        assert schemas(con) >= EXPECTED_SCHEMAS
        columns = con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'meta' and table_name = 'ingestions'"
        ).fetchall()
    names = {c[0] for c in columns}
    for column in ("ingestion_id", "dataset_id", "millesime", "sha256", "rows_loaded"):
        assert column in names
    assert settings.warehouse_path.is_file()


def test_writer_twice_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    with writer(settings) as con:
        first = schemas(con)
        con.execute("create table raw.kept (code varchar)")
        con.execute("insert into raw.kept values ('01901'), ('2A901')")
    with writer(settings) as con:
        second = schemas(con)
        kept = con.execute("select code from raw.kept order by code").fetchall()
        ingestions = con.execute("select count(*) from meta.ingestions").fetchone()
    assert second == first
    assert second >= EXPECTED_SCHEMAS
    assert kept == [("01901",), ("2A901",)]  # codes stay strings, leading zero kept
    assert ingestions == (0,)


# --- readers ------------------------------------------------------------------------------------


def test_reader_on_a_missing_file_says_to_build(tmp_path: Path) -> None:
    missing = tmp_path / "published" / "observatory.duckdb"
    with pytest.raises(FileNotFoundError) as raised, reader(missing):
        pass
    assert str(missing) in str(raised.value)
    assert "observatory build" in str(raised.value)
    assert not missing.exists(), "the reader must not create the file"


def test_reader_cannot_write(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    with writer(settings) as con:
        con.execute("create table marts.t (code varchar)")
        con.execute("insert into marts.t values ('01901')")
    with reader(settings.warehouse_path) as con:
        assert con.execute("select code from marts.t").fetchall() == [("01901",)]
        with pytest.raises(duckdb.Error, match=r"(?i)read-only"):
            con.execute("insert into marts.t values ('69901')")
    with reader(settings.warehouse_path) as con:
        assert con.execute("select count(*) from marts.t").fetchone() == (1,)


def test_the_writer_caps_duckdb_memory_and_refuses_a_size_it_cannot_read(tmp_path):
    from observatory.settings import SettingsError

    settings = make_settings(tmp_path, OBSERVATORY_DUCKDB_MEMORY_LIMIT="512MB")
    with writer(settings) as con:
        limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    assert limit.replace(" ", "") in {"512.0MB", "488.2MiB"}, limit
    with pytest.raises(SettingsError, match="OBSERVATORY_DUCKDB_MEMORY_LIMIT='lots'"):
        make_settings(tmp_path, OBSERVATORY_DUCKDB_MEMORY_LIMIT="lots")


def test_tables_and_views_are_found_by_name_without_spoiling_a_transaction() -> None:
    """table_exists / table_columns bind the name instead of querying information_schema: a
    view counts, a missing table or schema is simply absent, columns come in their order, and
    an open transaction stays usable after asking for a missing table."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t (b integer, a varchar, c double)")
    con.execute("create view marts.v as select a, b from marts.t")
    assert table_exists(con, "marts.t") and table_exists(con, "marts.v")
    assert table_columns(con, "marts.t") == ["b", "a", "c"]
    assert table_columns(con, "marts.v") == ["a", "b"]
    assert not table_exists(con, "marts.absent") and not table_exists(con, "nowhere.t")
    assert table_columns(con, "marts.absent") == []
    con.execute("begin transaction")
    assert not table_exists(con, "marts.absent")
    con.execute("insert into marts.t values (1, 'x', 2.5)")
    con.execute("commit")
    assert con.execute("select count(*) from marts.v").fetchall() == [(1,)]


def test_meta_sources_keeps_the_latest_load_and_every_dataset_ingested():
    """One row per dataset-millésime (its latest load), the catalog's credits joined; a dataset
    the catalog no longer lists keeps its row, its credits empty."""
    con = duckdb.connect()
    try:
        initialise(con)
        loads = [("a1", "insee_x", 2024, "old", 1), ("a2", "insee_x", 2024, "new", 2)]
        loads += [("b1", "gone_y", 2020, "kept", 3)]
        for ingestion_id, dataset, year, digest, hour in loads:
            values = dict.fromkeys(INGESTION_COLUMNS, 0)
            values.update(
                ingestion_id=ingestion_id,
                dataset_id=dataset,
                millesime=year,
                origine="live",
                source=f"https://example.org/{dataset}.csv",
                file_name=f"{dataset}.csv",
                member=None,
                sha256=digest,
                etag=None,
                last_modified=None,
                http_status=200,
                columns_matched="",
                extra_columns="",
                fingerprint=digest,
                started_at=datetime(2026, 1, 1, hour),
                finished_at=datetime(2026, 1, 1, hour),
            )
            record_ingestion(con, values)
        credit = ("insee_x", "insee", "X", "ODbL", "https://l", "https://p")
        assert write_sources(con, [credit, ("unused", "dgcl", "U", "L", "u", "p")]) == 2
        rows = read_sources(con)
        assert [(r["dataset_id"], r["sha256"], r["producer"], r["licence"]) for r in rows] == [
            ("gone_y", "kept", None, None),
            ("insee_x", "new", "insee", "ODbL"),
        ]
        assert rows[1]["ingested_at"] == datetime(2026, 1, 1, 2)
        assert write_sources(con, []) == 2  # rewritten, not appended
        with pytest.raises(ValueError, match=r"meta\.sources"):
            write_sources(con, [("insee_x", "insee")])
    finally:
        con.close()
