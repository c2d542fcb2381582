"""Data and helpers shared by the tests of the observatory.fetch package's modules.

The tests of downloads, archives and sniffing look at the same kinds of files (a small CSV of
communes, an HTML error page, zips built on the fly) and check that a failure leaves a folder
exactly as it was; those live here once.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

LABEL = "insee_populations_reference 2023"
CSV = b"codgeo;libgeo;pmun\n01001;L'Abergement-Cl\xc3\xa9menciat;859\n01002;L'Abergement;273\n"
HTML = b"<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body>Oops</body></html>"
MiB = 1024 * 1024


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def assert_untouched(dest_dir: Path, before: dict[str, bytes]) -> None:
    assert snapshot(dest_dir) == before
    assert not [p.name for p in dest_dir.iterdir() if p.name.endswith(".part")]


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, bytes], **kwargs: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_zip(members, **kwargs))
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
