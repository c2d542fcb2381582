"""Tests of observatory.fetch.files: chunked hashing and the atomic replacement of a file and
its sidecar that downloads and extractions share."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.fetch.files import commit, read_json, temp_path
from observatory.state import sha256_file
from tests.fetch_support import MiB, sha


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"ab" * MiB)  # more than one read chunk
    assert sha256_file(path) == sha(b"ab" * MiB)


def test_temp_path_is_hidden_beside_its_destination_and_removed_on_failure(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="interrupted"), temp_path(tmp_path, "a.csv") as part:
        assert part.parent == tmp_path and part.name.startswith(".a.csv.")
        assert part.name.endswith(".part") and part.exists()
        part.write_bytes(b"half a file")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_commit_replaces_the_file_and_its_sidecar_and_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    sidecar = tmp_path / "a.csv.meta.json"
    target.write_bytes(b"old")
    sidecar.write_text('{"sha256": "old"}')

    with temp_path(tmp_path, target.name) as part:
        part.write_bytes(b"new")
        commit(part, target, sidecar, {"sha256": sha(b"new"), "bytes": 3})

    assert target.read_bytes() == b"new"
    assert read_json(sidecar) == {"bytes": 3, "sha256": sha(b"new")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.csv.meta.json"]


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]"])
def test_read_json_gives_none_for_a_missing_unreadable_or_non_object_sidecar(
    tmp_path: Path, content: str
) -> None:
    assert read_json(tmp_path / "missing.json") is None
    path = tmp_path / "x.meta.json"
    path.write_text(content)
    assert read_json(path) is None
