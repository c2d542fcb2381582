"""`observatory query` and the analysts' reader cannot write, read other files, reach the network
or run forever (issue 19, defects 1 and 2). Each test works on a copy of the sample's published
file, so a defence that gave way could not damage the session's build."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from observatory.cli import main
from observatory.warehouse import reader


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def population_rows(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from marts.population").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def home(sample_build, tmp_path: Path) -> Path:
    """A home whose published file is a copy of the sample's."""
    settings, summary = sample_build
    assert summary.success, summary.failure
    home = tmp_path / "home"
    published = home / "sample" / "published" / "observatory.duckdb"
    published.parent.mkdir(parents=True)
    shutil.copyfile(settings.published_path, published)
    return home


def published_file(home: Path) -> Path:
    return home / "sample" / "published" / "observatory.duckdb"


@pytest.fixture
def import_dir(home: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A folder for PRAGMA import_database whose schema.sql writes a file with COPY and empties
    a table of an edition attached READ_WRITE (the attack of issue 19)."""
    edition = tmp_path / "edition.duckdb"
    shutil.copyfile(published_file(home), edition)
    leak = tmp_path / "leak.csv"
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "schema.sql").write_text(
        f"COPY (SELECT 42 AS x) TO '{leak}';\n"
        f"ATTACH '{edition}' AS e (READ_WRITE);\n"
        "DELETE FROM e.marts.population;\n"
        "DETACH e;\n",
        encoding="utf-8",
    )
    (folder / "load.sql").write_text("", encoding="utf-8")
    return folder, edition, leak


def test_pragma_import_database_is_refused_and_writes_nothing(capsys, home, import_dir):
    folder, edition, leak = import_dir
    rows = population_rows(edition)
    before = published_file(home).read_bytes()
    code, _, err = run(capsys, home, "query", f"PRAGMA import_database('{folder}')")
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert "PRAGMA" in err and "read-only" in err
    assert not leak.exists(), "COPY wrote a file"
    assert population_rows(edition) == rows > 0, "the attached edition was emptied"
    assert published_file(home).read_bytes() == before


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (select 1) TO '{leak}'",
        "ATTACH '{edition}' AS e (READ_WRITE)",
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "CALL pragma_version()",
        "INSTALL httpfs",
        "LOAD httpfs",
        "EXPORT DATABASE '{leak}'",
        "EXPLAIN COPY (select 1) TO '{leak}'",
        "select 1; select 2",
    ],
)
def test_other_statement_kinds_are_refused(capsys, home, import_dir, sql):
    _, edition, leak = import_dir
    code, _, err = run(capsys, home, "query", sql.format(leak=leak, edition=edition))
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert "read-only" in err or "one statement" in err
    assert not leak.exists()


def test_reads_that_pass_the_guard(capsys, home):
    for sql in (
        "describe marts.population",
        "explain select count(*) from marts.population",
        "with t as (select 1 as x) select x from t",
        "summarize marts.territoires",
    ):
        code, out, err = run(capsys, home, "query", sql)
        assert code == 0, (sql, err)
        assert out


def test_the_connection_itself_refuses_import_database(home, import_dir):
    """The reader is a defence of its own, behind the statement guard (profile, report and
    dashboards run their SQL on it without the guard)."""
    folder, edition, leak = import_dir
    rows = population_rows(edition)
    with reader(published_file(home)) as con:
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"PRAGMA import_database('{folder}')")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        con.execute("set variable code = ?", ["01"])  # the analyses' parameters still work
        assert con.execute("select getvariable('code')").fetchall() == [("01",)]
    assert not leak.exists() and population_rows(edition) == rows


@pytest.mark.parametrize(
    "call",
    [
        "read_blob('{secret}')",
        "read_text('{secret}')",
        "glob('{folder}/*')",
        "read_csv('{secret}')",
        "'{secret}'",
    ],
)
def test_files_outside_the_warehouse_cannot_be_read(capsys, home, tmp_path, call):
    folder = tmp_path / "private"
    folder.mkdir()
    secret = folder / "shadow.csv"
    secret.write_text("user,hash\nroot,TOPSECRET\n", encoding="utf-8")
    sql = f"select * from {call.format(secret=secret, folder=folder)}"
    code, out, err = run(capsys, home, "query", sql)
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert "disabled by configuration" in err
    assert "TOPSECRET" not in out + err and "shadow" not in out


def test_an_http_path_installs_no_extension(capsys, home, tmp_path, monkeypatch):
    """DuckDB installs extensions under $HOME/.duckdb/extensions: it stays absent."""
    user_home = tmp_path / "user"
    user_home.mkdir()
    monkeypatch.setenv("HOME", str(user_home))
    for sql in (
        "select * from read_csv('http://127.0.0.1:9/data.csv')",
        "select * from 'https://127.0.0.1:9/data.parquet'",
    ):
        code, _, err = run(capsys, home, "query", sql)
        assert code == 1 and err.count("\n") == 1, err
        assert "disabled by configuration" in err
    assert list(user_home.iterdir()) == []


def test_a_long_query_is_interrupted_and_the_process_goes_on(capsys, home, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_QUERY_TIMEOUT_S", "1")
    started = time.monotonic()
    code, _, err = run(capsys, home, "query", "select count(*) from range(100000000000)")
    elapsed = time.monotonic() - started
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert "more than 1 s" in err and "OBSERVATORY_QUERY_TIMEOUT_S" in err
    assert elapsed < 15
    code, out, err = run(capsys, home, "query", "select 40 + 2 as answer")
    assert code == 0, err
    assert "42" in out
