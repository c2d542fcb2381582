"""A refresh over unchanged local files reads none of them: their digest is kept with their size
and mtime (meta.empreintes_fichiers), and an unchanged file is not unzipped or parsed again."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from observatory import state
from observatory.catalog import load_catalog
from observatory.ingest import IngestError, load
from observatory.ingest.inputs import planned_inputs
from observatory.ingest.load import ingest_one
from observatory.settings import load_settings
from observatory.warehouse import initialise
from tests.conftest import make_settings


def _counting_sha256(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = state.sha256_file

    def counting(path: Path) -> str:
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(state, "sha256_file", counting)
    return calls


def test_a_digest_is_read_again_only_when_size_or_mtime_change(tmp_path, monkeypatch):
    calls = _counting_sha256(monkeypatch)
    con = duckdb.connect()
    initialise(con)
    path = tmp_path / "f.csv"
    path.write_bytes(b"a;b\n1;2\n")

    first = state.local_digest(con, path)
    assert state.local_digest(con, path) == first and len(calls) == 2  # nothing remembered yet
    state.remember_digest(con, path, first)  # what a successful load does
    again = state.local_digest(con, path)
    assert first == again == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert len(calls) == 2  # the third answer came from meta.empreintes_fichiers

    path.write_bytes(b"a;b\n1;3\n")  # same size, new content and mtime
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = state.local_digest(con, path)
    assert len(calls) == 3
    assert changed == hashlib.sha256(b"a;b\n1;3\n").hexdigest() != first


def test_an_unchanged_zip_is_neither_hashed_nor_unzipped_at_the_next_refresh(tmp_path, monkeypatch):
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(load_settings({}).catalog_dir, catalog_dir)
    settings = make_settings(tmp_path / "home", OBSERVATORY_CATALOG_DIR=str(catalog_dir))
    bpe = next(d for d in load_catalog(catalog_dir) if d.id == "insee_bpe")
    items, _ = planned_inputs(settings, bpe)
    item = next(i for i in items if str(i.location).endswith(".zip"))

    loaded = ingest_one(settings, item)
    assert loaded.status == "loaded" and loaded.rows > 0

    calls = _counting_sha256(monkeypatch)

    def no_unzip(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an unchanged file was obtained (unzipped) again")

    monkeypatch.setattr(load, "_obtain", no_unzip)
    again = ingest_one(settings, item)
    assert (again.status, again.rows, again.sha256, again.bytes) == (
        "unchanged",
        loaded.rows,
        loaded.sha256,
        loaded.bytes,
    )
    assert calls == []

    # Touched but identical: read once to be sure, still nothing to load.
    stat = Path(item.location).stat()
    os.utime(item.location, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = ingest_one(settings, item)
    assert touched.status == "unchanged" and len(calls) == 1


def test_the_next_millesime_is_unpacked_while_the_previous_one_loads(tmp_path, monkeypatch):
    """The BPE's editions: every one after the first is obtained (unzipped) in the background
    thread while its predecessor loads, each exactly once, and loads the same rows; a refresh
    that changes nothing obtains none; a damaged later file still fails under its own name."""
    import threading

    catalog_dir = tmp_path / "catalog"
    shutil.copytree(load_settings({}).catalog_dir, catalog_dir)
    settings = make_settings(tmp_path / "home", OBSERVATORY_CATALOG_DIR=str(catalog_dir))
    bpe = next(d for d in load_catalog(catalog_dir) if d.id == "insee_bpe")
    items, _ = planned_inputs(settings, bpe)
    assert len(items) >= 3
    expected = {}
    for item in items:  # one at a time, in another home: the reference
        alone = make_settings(tmp_path / "alone", OBSERVATORY_CATALOG_DIR=str(catalog_dir))
        expected[item.millesime] = ingest_one(alone, item).rows

    obtained: list[tuple[int, str]] = []
    real = load._obtain

    def recording(settings_, item, **options):  # type: ignore[no-untyped-def]
        obtained.append((item.millesime, threading.current_thread().name))
        return real(settings_, item, **options)

    monkeypatch.setattr(load, "_obtain", recording)
    reports, _ = load.ingest_dataset(settings, bpe)
    assert {r.millesime: r.rows for r in reports} == expected
    assert [m for m, _ in obtained] == [i.millesime for i in items]
    assert obtained[0][1] == threading.current_thread().name
    assert all(name.startswith("obtain") for _, name in obtained[1:])

    obtained.clear()
    again, _ = load.ingest_dataset(settings, bpe)
    assert {r.status for r in again} == {"unchanged"} and obtained == []

    # A later edition replaced by a damaged zip: the earlier ones load, the error names it.
    damaged = next(i for i in items[1:] if str(i.location).endswith(".zip"))
    data = bytearray(Path(damaged.location).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(damaged.location).write_bytes(bytes(data))
    fresh = make_settings(tmp_path / "fresh", OBSERVATORY_CATALOG_DIR=str(catalog_dir))
    with pytest.raises(IngestError) as refused:
        load.ingest_dataset(fresh, bpe)
    assert f"insee_bpe {damaged.millesime}" in str(refused.value)
    assert "corrupt zip" in str(refused.value) or "CRC" in str(refused.value)
