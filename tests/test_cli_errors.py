"""Issue 19, defects 6 and 7: what used to end in a traceback ends in one `error:` line naming
its cause (a report path that is a folder, a read-only home, a damaged warehouse, a reader that
left the pipe, a full disk hidden under the failure of the cleanup)."""

from __future__ import annotations

import errno
import io
import os
import pathlib
import sys
from pathlib import Path

import duckdb
import pytest

from observatory.cli import main
from observatory.publish import writing
from tests.conftest import copy_of_sample, make_settings


@pytest.fixture
def home(tmp_path: Path, sample_build) -> Path:
    return copy_of_sample(sample_build, tmp_path / "home")


def one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def a_code(home: Path) -> str:
    published = make_settings(home).published_path
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(
            "select code_territoire from marts.territoires where niveau = 'epci' limit 1"
        ).fetchall()[0][0]
    finally:
        con.close()


def test_a_report_written_to_a_folder_is_one_line(home, tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    code = a_code(home)
    line = one_line_error(
        capsys, "--home", str(home), "report", code, "--niveau", "epci", "-o", str(folder)
    )
    assert f"{folder} is a folder" in line and list(folder.iterdir()) == []


def read_only_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """A home on a read-only file system (emulated: the tests run as root, whom chmod does not
    stop): writing, creating or appending under it fails with EROFS."""
    opened = pathlib.Path.open

    def open_read_only(self, mode="r", *args, **kwargs):
        if self.is_relative_to(home) and any(c in mode for c in "wax+"):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return opened(self, mode, *args, **kwargs)

    made = pathlib.Path.mkdir

    def mkdir_read_only(self, *args, **kwargs):
        if self.is_relative_to(home) and not self.is_dir():
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return made(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_read_only)
    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir_read_only)


def test_a_read_only_home_is_one_line_and_status_needs_no_write(home, monkeypatch, capsys):
    read_only_home(monkeypatch, home)
    # status reads the warehouse read-only: no writer lock, nothing written
    assert main(["--home", str(home), "status"]) == 0, capsys.readouterr().err
    assert "insee_cog_communes" in capsys.readouterr().out
    # a write command names the cause
    line = one_line_error(
        capsys, "--home", str(home), "build", "-q", "--select", 'key:"published/observatory"'
    )
    assert line.startswith(f"error: home is read-only: {home}"), line


def test_a_damaged_warehouse_is_one_line_with_its_remedy(home, capsys):
    warehouse = make_settings(home).warehouse_path
    assert warehouse.is_file()
    for content in (b"", os.urandom(50_000)):  # zero bytes, then garbage
        warehouse.write_bytes(content)
        for command in (["status"], ["build", "-q"]):
            line = one_line_error(capsys, "--home", str(home), *command)
            assert f"warehouse file is damaged: {warehouse}" in line, line
            assert "observatory build" in line


def test_a_reader_that_leaves_the_pipe_ends_the_command_quietly(home, monkeypatch, tmp_path):
    """`observatory status | head -1`: the pipe breaks; no traceback, nothing more written."""
    sink = (tmp_path / "stdout").open("w")

    class BrokenPipe(io.TextIOWrapper):
        def write(self, _text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    broken = BrokenPipe(io.BytesIO())
    monkeypatch.setattr(broken, "fileno", sink.fileno, raising=False)
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stdout", broken)
    monkeypatch.setattr(sys, "stderr", errors)
    saved = os.dup(sink.fileno())
    try:
        assert main(["--home", str(home), "status"]) == 1
    finally:
        os.dup2(saved, sink.fileno())
        os.close(saved)
        sink.close()
    assert errors.getvalue() == ""


def test_a_full_disk_is_named_under_the_failure_of_the_cleanup(home, monkeypatch, capsys):
    """The edition's write fails with ENOSPC and aborts the transaction, so the `rollback` of the
    cleanup fails too ("cannot rollback - no transaction is active"): the build says why."""
    target = home / "sample" / "published" / "editions" / "x" / "observatory.duckdb"

    def disk_full(con, schema):
        con.execute("rollback")  # what DuckDB does to the transaction of a failed write
        raise duckdb.IOException(f'Could not write file "{target}": No space left on device')

    monkeypatch.setattr(writing, "_copy_schema", disk_full)
    line = one_line_error(
        capsys,
        "--home",
        str(home),
        "build",
        "-q",
        "--full-refresh",
        "--select",
        'key:"published/observatory"',
    )
    assert f"No space left on device: {target}" in line, line
    assert "cannot rollback" not in line

    # Outside a Dagster run (ingest, status...), the same chain with a Python OSError.
    from observatory.warehouse import cause_of

    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        except OSError:
            raise duckdb.TransactionException(  # noqa: B904 (the implicit context, as DuckDB's)
                "cannot rollback - no transaction is active"
            )
    except duckdb.Error as exc:
        assert cause_of(exc, home) == f"No space left on device: {target}"
