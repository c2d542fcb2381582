"""Tests of observatory.fetch.archive on zips built on the fly: unsafe paths, bombs, bad CRCs,
member selection by pattern, and the reuse of a previous extraction."""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path

import pytest

from observatory.fetch import ArchiveError, extract_member, verify_zip
from observatory.state import sha256_file
from tests.fetch_support import (
    CSV,
    LABEL,
    MiB,
    assert_untouched,
    make_zip,
    sha,
    snapshot,
    write_zip,
)

# --------------------------------------------------------------------------------------------
# verify_zip


def test_verify_zip_rejects_member_above_size_cap(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "big.zip", {"zeros.csv": b"\x00" * 2 * MiB})
    with pytest.raises(ArchiveError, match="above the size cap") as caught:
        verify_zip(archive, label=LABEL, max_member_bytes=MiB, max_ratio=1e9)
    assert "decompression bomb" in str(caught.value)
    verify_zip(archive, label=LABEL, max_member_bytes=4 * MiB, max_ratio=1e9)  # within limits


def test_verify_zip_rejects_high_compression_ratio(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "dense.zip", {"zeros.csv": b"\x00" * 200_000})
    with pytest.raises(ArchiveError, match=r"compression ratio \d+, .* decompression bomb"):
        verify_zip(archive, label=LABEL, max_member_bytes=MiB, max_ratio=200.0)


def test_verify_zip_detects_bad_crc(tmp_path: Path) -> None:
    data = bytearray(make_zip({"a.csv": CSV * 50}, compression=zipfile.ZIP_STORED))
    data[40] ^= 0xFF  # inside the stored member's data: headers stay valid, the CRC does not
    path = tmp_path / "bad.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="truncated or corrupt zip"):
        verify_zip(path, label=LABEL, max_member_bytes=MiB, max_ratio=200.0)


# --------------------------------------------------------------------------------------------
# extract_member


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_zip(
        tmp_path / "ensemble.zip",
        {
            "ensemble/Donnees_Communes.CSV": CSV,
            "ensemble/donnees_arrondissements.csv": b"a;b\n",
            "ensemble/notice.pdf": b"%PDF-1.4",
            "ensemble/": b"",
        },
    )


def test_extract_member_matches_base_name_case_insensitively(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "extracted"
    path = extract_member(archive, "donnees_communes.csv", out, label=LABEL)

    assert path == out / "Donnees_Communes.CSV"
    assert path.read_bytes() == CSV
    meta = json.loads((out / "Donnees_Communes.CSV.extracted.json").read_text())
    assert meta["zip_sha256"] == sha256_file(archive)
    assert meta["member"] == "ensemble/Donnees_Communes.CSV"
    assert (meta["bytes"], meta["sha256"]) == (len(CSV), sha(CSV))
    assert sorted(p.name for p in out.iterdir()) == [
        "Donnees_Communes.CSV",
        "Donnees_Communes.CSV.extracted.json",
    ]


def test_extract_member_missing_lists_members_present(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError) as caught:
        extract_member(archive, "*.xlsx", tmp_path / "out", label=LABEL)
    message = str(caught.value)
    assert "no zip member matches '*.xlsx'" in message and str(archive) in message
    assert "ensemble/Donnees_Communes.CSV" in message and "ensemble/notice.pdf" in message
    assert list((tmp_path / "out").iterdir()) == []


def test_extract_member_ambiguous_pattern(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="ambiguous") as caught:
        extract_member(archive, "donnees_*.csv", tmp_path / "out", label=LABEL)
    assert "ensemble/donnees_arrondissements.csv" in str(caught.value)
    assert "notice.pdf" not in str(caught.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_extract_member_reuses_previous_extraction(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    first = extract_member(archive, "*communes*", out, label=LABEL)
    stat = first.stat()

    def no_decompression(*args: object, **kwargs: object) -> None:
        raise AssertionError("the member was extracted again")

    with monkeypatch.context() as patched:
        patched.setattr(zipfile.ZipFile, "open", no_decompression)
        again = extract_member(archive, "*communes*", out, label=LABEL)

    assert again == first
    assert (again.stat().st_ino, again.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)

    # A new zip (other sha256) is extracted again, replacing the file.
    write_zip(archive, {"Donnees_Communes.csv": CSV + b"01003;X;1\n"})
    third = extract_member(archive, "*communes*", out, label=LABEL)
    assert third.read_bytes() == CSV + b"01003;X;1\n"


def test_extract_member_refuses_unsafe_member_path(tmp_path: Path) -> None:
    zip_path = write_zip(tmp_path / "z" / "evil.zip", {"../evil.csv": CSV})
    out = tmp_path / "z" / "out"
    with pytest.raises(ArchiveError, match=re.escape("unsafe zip member path '../evil.csv'")):
        extract_member(zip_path, "evil.csv", out, label=LABEL)
    assert list(out.iterdir()) == []
    assert not (tmp_path / "z" / "evil.csv").exists() and not (tmp_path / "evil.csv").exists()


def test_extract_member_enforces_size_cap_and_ratio(tmp_path: Path) -> None:
    zip_path = write_zip(tmp_path / "big.zip", {"zeros.csv": b"\x00" * 2 * MiB})
    out = tmp_path / "out"
    with pytest.raises(ArchiveError, match="above the size cap"):
        extract_member(zip_path, "*.csv", out, label=LABEL, max_member_bytes=MiB, max_ratio=1e9)
    with pytest.raises(ArchiveError, match="compression ratio"):
        extract_member(zip_path, "*.csv", out, label=LABEL, max_member_bytes=4 * MiB)
    assert list(out.iterdir()) == []


def test_extract_member_with_lying_size_header_is_rejected(tmp_path: Path) -> None:
    """Headers claim 10 bytes; the data holds 100 000: no more than claimed may come out."""
    real = bytes(range(256)) * 400
    data = make_zip({"data.csv": real}, compression=zipfile.ZIP_STORED)
    honest = struct.pack("<II", len(real), len(real))  # compressed, uncompressed sizes
    assert data.count(honest) == 2  # local header and central directory
    zip_path = tmp_path / "liar.zip"
    zip_path.write_bytes(data.replace(honest, struct.pack("<II", len(real), 10)))
    out = tmp_path / "out"

    with pytest.raises(ArchiveError, match="truncated or corrupt zip"):
        extract_member(zip_path, "data.csv", out, label=LABEL, max_member_bytes=50)

    assert list(out.iterdir()) == []


def test_extract_member_keeps_previous_copy_when_new_zip_is_corrupt(tmp_path: Path) -> None:
    out = tmp_path / "out"
    zip_path = write_zip(tmp_path / "e.zip", {"a.csv": CSV * 50}, compression=zipfile.ZIP_STORED)
    extract_member(zip_path, "a.csv", out, label=LABEL)
    before = snapshot(out)
    data = bytearray(make_zip({"a.csv": CSV * 60}, compression=zipfile.ZIP_STORED))
    data[40] ^= 0xFF
    zip_path.write_bytes(bytes(data))

    with pytest.raises(ArchiveError, match="truncated or corrupt zip"):
        extract_member(zip_path, "a.csv", out, label=LABEL)

    assert_untouched(out, before)
