"""Write-audit-publish: editions, their Parquet files and manifest, rollback, pruning, and what a
reader and a killed refresh see.

Every test works on a copy of the session's sample warehouse (no rebuild) and publishes from it,
changing a mart between publications when it needs editions that differ.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from observatory.cli import main
from observatory.publish import PublicationError
from observatory.publish.editions import (
    CURRENT_LINK,
    DATABASE_NAME,
    MANIFEST_NAME,
    list_editions,
    rollback,
    verify_edition,
)
from observatory.publish.writing import publish
from observatory.settings import Settings
from tests.conftest import REPOSITORY, copy_of_sample, digest, make_settings


@pytest.fixture
def home(tmp_path: Path, sample_build) -> Path:
    """A copy of the sample warehouse (with its published editions) this test may change."""
    return copy_of_sample(sample_build, tmp_path / "home")


def settings_for(home: Path, kept: int = 3) -> Settings:
    return make_settings(home, OBSERVATORY_PUBLISHED_EDITIONS_KEPT=str(kept))


def change_a_mart(settings: Settings, keep_communes: int) -> None:
    """Make the next edition differ: keep only some communes in marts.population."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute(
            "delete from marts.population where niveau = 'commune' and code_territoire not in "
            "(select code_territoire from marts.population where niveau = 'commune' "
            f"group by 1 order by 1 limit {keep_communes})"
        )
    finally:
        con.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current(settings: Settings) -> str:
    return next(e.id for e in list_editions(settings) if e.current)


def test_an_edition_has_parquet_files_and_a_manifest_that_match_its_tables(home):
    settings = settings_for(home)
    result = publish(settings)
    folder = settings.published_dir / "editions" / result.edition
    assert result.folder == folder
    assert os.path.samefile(settings.published_path, folder / DATABASE_NAME)
    assert (settings.published_dir / CURRENT_LINK).resolve() == folder.resolve()
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["edition"] == result.edition and manifest["source_mode"] == "sample"
    assert manifest["database"]["sha256"] == sha256(settings.published_path)

    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        assert con.execute("select edition_id from meta.edition").fetchall() == [(result.edition,)]
        tables = {e["table"]: e for e in manifest["tables"]}
        published = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database()"
            ).fetchall()
        }
        assert set(tables) == published == set(result.tables)
        assert {t for t in tables if t.startswith("marts.")} >= {
            "marts.population",
            "marts.territoires",
            "marts.services__densite",
            "marts.sante__densite",
        }
        for name, entry in tables.items():
            rows = con.execute(f"select count(*) from {name}").fetchall()[0][0]
            assert entry["rows"] == rows == result.tables[name], name
            parquet = folder / entry["parquet"]["path"]
            assert entry["parquet"]["sha256"] == sha256(parquet), name
            # The Parquet file holds exactly the table (both directions, duplicates counted).
            source = f"read_parquet('{parquet}')"
            difference = con.execute(
                f"select count(*) from ((from {name} except all from {source}) "
                f"union all (from {source} except all from {name}))"
            ).fetchall()[0][0]
            assert (
                difference == 0
                and rows == con.execute(f"select count(*) from {source}").fetchall()[0][0]
            ), name
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = ? "
                "and table_name = ? order by column_index",
                name.split("."),
            ).fetchall()
            assert [(c["name"], c["type"]) for c in entry["columns"]] == columns, name
            if name.startswith("marts."):
                assert entry["description"] and entry["grain"].startswith("one row per"), name
                assert all(c["description"] for c in entry["columns"]), name
        years = con.execute("select distinct millesime from marts.population order by 1")
        assert tables["marts.population"]["millesimes"] == [r[0] for r in years.fetchall()]
        ingested = con.execute(
            "select distinct dataset_id, millesime, sha256 from meta.ingestions"
        ).fetchall()
    finally:
        con.close()
    sources = {(s["dataset_id"], s["millesime"], s["sha256"]) for s in manifest["sources"]}
    assert sources == set(ingested) and len(sources) > 20


def test_an_edition_without_datapackage_is_published_again_with_it(home):
    """After an upgrade, a refresh that changed nothing still writes the new file once."""
    settings = settings_for(home)
    first = publish(settings, skip_unchanged=True)
    assert first.unchanged and first.folder is not None
    manifest = json.loads((first.folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    del manifest["datapackage"]
    (first.folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    again = publish(settings, skip_unchanged=True)
    assert not again.unchanged and again.edition != first.edition
    assert again.folder is not None and (again.folder / "datapackage.json").is_file()
    assert publish(settings, skip_unchanged=True).unchanged


def test_rollback_restores_the_previous_edition_and_old_editions_are_pruned(home, capsys):
    settings = settings_for(home, kept=1)
    first = current(settings)  # the sample build's own edition, copied with the warehouse
    first_content = digest(settings.published_path)
    change_a_mart(settings, keep_communes=5)
    second = publish(settings).edition
    assert digest(settings.published_path) != first_content

    now, before = rollback(settings)
    assert (now.id, before and before.id) == (first, second)
    assert current(settings) == first and digest(settings.published_path) == first_content
    with pytest.raises(PublicationError, match="no edition older"):
        rollback(settings)

    # The CLI: rollback by a unique prefix; the list marks the current edition; one-line errors.
    assert main(["--home", str(home), "rollback", second[:-3]]) == 0
    assert main(["--home", str(home), "editions"]) == 0
    out, _ = capsys.readouterr()
    marked = [line.split()[0] for line in out.splitlines() if line.rstrip().endswith("*")]
    assert marked == [second]
    assert main(["--home", str(home), "rollback", "19990101"]) == 1
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("error: ") and "not a published" in err

    # A damaged edition is refused, and the published one stays.
    parquet = next((settings.published_dir / "editions" / first / "parquet").rglob("*.parquet"))
    parquet.write_bytes(parquet.read_bytes()[:-10])
    with pytest.raises(PublicationError, match="damaged"):
        rollback(settings, first)
    assert current(settings) == second

    # A reader that has the current file open keeps its edition, even once it is deleted.
    reader = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        rows_before = reader.execute("select count(*) from marts.population").fetchall()
        change_a_mart(settings, keep_communes=2)
        third, fourth = (publish(settings).edition for _ in range(2))
        assert [e.id for e in list_editions(settings)] == [third, fourth]  # current + 1 kept
        assert not (settings.published_dir / "editions" / second).exists()
        assert reader.execute("select count(*) from marts.population").fetchall() == rows_before
        assert reader.execute("select edition_id from meta.edition").fetchall() == [(second,)]
    finally:
        reader.close()
    assert current(settings) == fourth


def test_a_file_published_before_editions_is_kept_as_an_edition(home):
    settings = settings_for(home)
    shutil.rmtree(settings.published_dir / "editions")
    (settings.published_dir / CURRENT_LINK).unlink()
    legacy = digest(settings.published_path)  # a plain file, as publications used to leave
    publish(settings)
    adopted, new = list_editions(settings)
    assert new.current and "adopted" in adopted.manifest and not verify_edition(adopted)
    assert rollback(settings)[0].id == adopted.id
    assert digest(settings.published_path) == legacy


READER = textwrap.dedent(
    """
    import json, pathlib, sys, time
    import duckdb

    published, stop, ready = (pathlib.Path(a) for a in sys.argv[1:4])
    seen, reads = set(), 0
    while not stop.exists():
        con = duckdb.connect(str(published), read_only=True)
        try:
            edition = con.execute("select edition_id from meta.edition").fetchall()[0][0]
            time.sleep(0.01)  # hold the file open while a refresh may switch editions
            manifest = json.loads(
                (published.parent / "editions" / edition / "manifest.json").read_text()
            )
            for entry in manifest["tables"]:
                rows = con.execute(f"select count(*) from {entry['table']}").fetchall()[0][0]
                if rows != entry["rows"]:
                    sys.exit(f"{edition}: {entry['table']} has {rows} rows, manifest says "
                             f"{entry['rows']}")
        finally:
            con.close()
        seen.add(edition)
        reads += 1
        ready.touch()
    print(json.dumps({"reads": reads, "editions": sorted(seen)}))
    """
)


def test_a_reader_in_another_process_sees_only_complete_editions(home, tmp_path):
    settings = settings_for(home, kept=10)
    first = current(settings)
    script, stop, ready = tmp_path / "reader.py", tmp_path / "stop", tmp_path / "ready"
    script.write_text(READER, encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, str(script), str(settings.published_path), str(stop), str(ready)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and reader.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        published = [first]
        for keep in (10, 5, 3):  # each edition has another number of commune rows
            change_a_mart(settings, keep_communes=keep)
            published.append(publish(settings).edition)
        time.sleep(0.2)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=30)
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert set(report["editions"]) <= set(published)
    assert len(report["editions"]) >= 3 and report["reads"] >= 10, report


KILLED = textwrap.dedent(
    """
    import pathlib, sys, time
    from observatory.publish import editions, writing

    where, marker = sys.argv[1], pathlib.Path(sys.argv[2])

    def pause(*_args):
        marker.write_text(where)
        time.sleep(120)  # killed here

    if where == "copy":  # the new edition's database is half written
        copy = writing._copy_schema

        def copy_then_pause(con, schema):
            result = copy(con, schema)
            pause()
            return result

        writing._copy_schema = copy_then_pause
    else:  # the new edition is complete, the switch has not happened
        writing.switch = pause  # as writing.publish calls it
    if sys.argv[3:]:
        from observatory.cli import main

        sys.exit(main(sys.argv[3:]))
    from observatory.settings import load_settings

    writing.publish(load_settings())
    """
)


BUILD = ["build", "--full-refresh", "--select", 'key:"published/observatory"']
"""`observatory build` of the publication alone: the whole CLI path (writer lock held for the
run, Dagster in-process run) without rebuilding the models; `--full-refresh` so it does write a
new edition (a refresh where nothing changed keeps the current one)."""


@pytest.mark.parametrize(
    "where, command",
    [("copy", []), ("switch", []), ("copy", BUILD)],
    ids=["killed-while-copying", "killed-before-the-switch", "observatory-build-killed"],
)
def test_a_refresh_killed_mid_publication_leaves_the_edition_intact(home, tmp_path, where, command):
    settings = settings_for(home)
    before = current(settings)
    published = digest(settings.published_path)
    change_a_mart(settings, keep_communes=3)
    script, marker = tmp_path / "killed.py", tmp_path / "marker"
    script.write_text(KILLED, encoding="utf-8")
    env = {**os.environ, "OBSERVATORY_HOME": str(home), "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen(
        [sys.executable, str(script), where, str(marker), *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), process.stderr.read() if process.stderr else ""
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    editions = settings.published_dir / "editions"
    if where == "copy":
        assert list(editions.glob(".building-*"))  # the half-written edition, hidden
    assert digest(settings.published_path) == published
    assert current(settings) == before
    assert main(["--home", str(home), "query", "select count(*) from marts.population"]) == 0

    # The next refresh takes the (released) locks, cleans up and publishes.
    after = publish(settings).edition
    assert current(settings) == after != before
    assert not list(editions.glob(".*")) and not list(settings.published_dir.glob(".switch-*"))
    assert digest(settings.published_path) != published


def parquet_rows(path: Path) -> int:
    con = duckdb.connect()
    try:
        return con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
    finally:
        con.close()


def test_a_current_link_left_stale_by_a_crash_is_repaired_by_the_next_build(
    home, monkeypatch, capsys
):
    """Issue 19, defect 5: a publication stopped between its two renames (the published file on
    the new edition, `current/` on the old one); the next build, inputs unchanged, repairs it."""
    settings = settings_for(home, kept=1)
    before = current(settings)
    change_a_mart(settings, keep_communes=3)

    def crash(*_args, **_kwargs):
        raise OSError("killed between the two renames")

    monkeypatch.setattr(os, "symlink", crash)
    with pytest.raises(OSError, match="killed between"):
        publish(settings)
    monkeypatch.undo()

    link = settings.published_dir / CURRENT_LINK
    parquet = link / "parquet" / "marts" / "population.parquet"
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        published_rows = con.execute("select count(*) from marts.population").fetchall()[0][0]
        after = con.execute("select edition_id from meta.edition").fetchall()[0][0]
    finally:
        con.close()
    assert after != before and current(settings) == after
    assert os.readlink(link).endswith(before)  # stale: dashboards read the old edition
    assert parquet_rows(parquet) != published_rows
    capsys.readouterr()
    assert main(["--home", str(home), "editions"]) == 0
    out, _ = capsys.readouterr()
    assert f"points at edition {before}" in out and f"is edition {after}" in out

    # A build whose inputs are unchanged (the publication is kept, not written again) repairs it.
    assert main(["--home", str(home), "build", "--select", 'key:"published/observatory"']) == 0
    assert [e.id for e in list_editions(settings)] == [before, after]
    assert os.readlink(link).endswith(after) and current(settings) == after
    assert parquet_rows(parquet) == published_rows
    capsys.readouterr()
    assert main(["--home", str(home), "editions"]) == 0
    assert "warning" not in capsys.readouterr().out

    # Pruning resumes: the next publication keeps the current edition and one other only.
    change_a_mart(settings, keep_communes=2)
    newest = publish(settings).edition
    assert [e.id for e in list_editions(settings)] == [after, newest]
