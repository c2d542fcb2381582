"""Shared fixtures: isolated settings, a sample warehouse built once, the real extracts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.models.header import Header
from observatory.models.header import parse as parse_header
from observatory.settings import Settings, load_settings
from observatory.warehouse import READER_CONFIG

REPOSITORY = Path(__file__).resolve().parent.parent
REAL = REPOSITORY.parent / "shared" / "data" / "real"


def build(settings: Settings, select: str | None = None, *, full_refresh: bool = False):
    """A build as `observatory build` runs it: planned by observatory.build, run as the code
    location's Dagster job, in-process."""
    from observatory.build import build as run_build
    from observatory.defs.execution import DagsterRunner

    return run_build(settings, DagsterRunner(settings), select, full_refresh=full_refresh)


def make_settings(home: Path, **env: str) -> Settings:
    """Settings for a test: its own home, no lock waits, environment given explicitly."""
    values = {
        "OBSERVATORY_HOME": str(home),
        "OBSERVATORY_WRITER_LOCK_TIMEOUT_S": "30",
        "OBSERVATORY_HTTP_BACKOFF_S": "0",
    }
    values.update(env)
    return load_settings(values)


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/data/real is not beside the repository")
    return REAL


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's OBSERVATORY_* variables or writes to ~/.dagster."""
    import os

    for name in list(os.environ):
        if name.startswith("OBSERVATORY_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, object]]:
    """The bundled sample built once for the session (read it, do not modify it)."""
    import os

    home = tmp_path_factory.mktemp("sample_home")
    settings = make_settings(home)
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    try:
        summary = build(settings)
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved
    yield settings, summary


def copy_of_sample(sample_build: tuple[Settings, Any], home: Path) -> Path:
    """`home` made a copy of the session's sample warehouse and editions, for a test to change
    (or rebuild: its models are then unchanged and not rebuilt)."""
    import shutil

    built, summary = sample_build
    assert summary.success, summary.failure
    shutil.copytree(
        built.warehouse_dir,
        home / "sample",
        symlinks=True,
        ignore=shutil.ignore_patterns("*.lock", "validation"),
    )
    return home


RUN_LOG = ("meta.validation_results",)
"""Tables every run appends to (the validation log): left out to compare editions' content."""


def digest(path: Path, *, without: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Every table of a DuckDB file (but `without`) -> (rows, order-independent content hash)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() order by 1, 2"
        ).fetchall()
        result = {}
        for schema, name in tables:
            if f"{schema}.{name}" in without:
                continue
            rows, content = con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0)::varchar from "{schema}"."{name}" t'
            ).fetchone()
            result[f"{schema}.{name}"] = (rows, content)
        return result
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(sample_build) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sample's published warehouse, read-only, configured as the analysts' reader (DuckDB
    refuses two connections to one file with different configurations)."""
    settings, summary = sample_build
    assert summary.success, summary.failure
    con = duckdb.connect(str(settings.published_path), read_only=True, config=dict(READER_CONFIG))
    yield con
    con.close()


@pytest.fixture
def warehouse(sample_build) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sample's working warehouse (every layer), read-only."""
    settings, summary = sample_build
    assert summary.success, summary.failure
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield con
    con.close()


def ingest_and_build(home: Path, files: list[tuple[str, Path, int]]) -> duckdb.DuckDBPyConnection:
    """Ingest real files by hand (`observatory ingest --file`), build in local mode, and return a
    read-only connection on the working warehouse (the caller closes it)."""
    from observatory.cli import main

    for dataset, path, year in files:
        argv = [
            "--home",
            str(home),
            "--source",
            "local",
            "ingest",
            dataset,
            "--file",
            str(path),
            "--millesime",
            str(year),
        ]
        assert main(argv) == 0, (dataset, year)
    settings = make_settings(home, OBSERVATORY_SOURCE="local")
    summary = build(settings)
    assert summary.success, summary.failure
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


class CountingConnection:
    """A DuckDB connection that keeps the queries holding `marker` (to count the scans or
    reads a piece of validation makes); everything else as the connection does it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, marker: str) -> None:
        self.con = con
        self.marker = marker
        self.queries: list[str] = []

    def execute(self, query: str, *args):
        if self.marker in query:
            self.queries.append(query)
        return self.con.execute(query, *args)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


def model_header(table: str, *lines: str) -> Header:
    """The parsed header of a one-line model of `table` whose comment holds `lines`."""
    text = "".join(f"-- {line}\n" for line in (f"The {table} table.", *lines)) + "select 1\n"
    return parse_header(text, Path("dbt_like_sql") / f"{table.replace('.', '/')}.sql")
