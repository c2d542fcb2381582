"""Zip safety: refuse unsafe or damaged archives, extract exactly one member, reuse extractions.

Official files arrive as zips that may be truncated by a flaky connection, hold member paths
that would write outside their folder (`../`, absolute paths, drive letters), or be
decompression bombs; and their member names change between millésimes. Every member is checked
from its header before anything is decompressed, the wanted member is chosen by a pattern that
must match exactly once, and its data and CRC are checked as it is written.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from observatory.fetch.errors import ArchiveError, message
from observatory.fetch.files import (
    commit,
    now_iso,
    read_json,
    temp_path,
)
from observatory.state import CHUNK_BYTES, sha256_file

DEFAULT_MAX_MEMBER_BYTES = 8 * 1024**3
DEFAULT_MAX_RATIO = 200.0
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_MAX_LISTED_MEMBERS = 20


def _unsafe_reason(name: str) -> str | None:
    """Why extracting a member called `name` could write outside its folder, or None."""
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE_LETTER.match(name):
        return "starts with a drive letter"
    if ".." in name.split("/"):
        return "has a '..' component"
    return None


def _check_member(
    info: zipfile.ZipInfo,
    *,
    label: str,
    source: object,
    max_member_bytes: int,
    max_ratio: float,
) -> None:
    """Refuse a member before decompressing it: unsafe path, oversized or suspiciously dense."""
    name = info.filename
    reason = _unsafe_reason(name)
    if reason is not None:
        raise ArchiveError(message(label, f"unsafe zip member path {name!r} ({reason})", source))
    if info.file_size > max_member_bytes:
        problem = (
            f"zip member {name!r} declares {info.file_size} bytes uncompressed, above the size "
            f"cap of {max_member_bytes} bytes (possible decompression bomb)"
        )
        raise ArchiveError(message(label, problem, source))
    if info.compress_size == 0 and info.file_size > 0:
        problem = f"truncated or corrupt zip: member {name!r} has 0 compressed bytes"
        raise ArchiveError(message(label, problem, source))
    if info.compress_size > 0 and info.file_size / info.compress_size > max_ratio:
        ratio = info.file_size / info.compress_size
        problem = (
            f"zip member {name!r} has compression ratio {ratio:.0f}, above the cap of "
            f"{max_ratio:g} (possible decompression bomb)"
        )
        raise ArchiveError(message(label, problem, source))


# What zipfile raises, besides BadZipFile, when compressed data is cut short or damaged
# (RuntimeError: encrypted member; NotImplementedError: unsupported compression method).
_CORRUPT_ZIP_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


@contextmanager
def _open_zip(path: Path, *, label: str, source: object) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        problem = f"truncated or corrupt zip: {exc}"
        raise ArchiveError(message(label, problem, source)) from exc
    with archive:
        yield archive


def check_zip(
    path: Path,
    *,
    label: str,
    source: object,
    max_member_bytes: int,
    max_ratio: float,
    read_members: bool = True,
) -> None:
    """`verify_zip` naming `source` in its errors: a download checks a hidden temporary file,
    whose name would mean nothing to the reader, so it names the URL instead."""
    with _open_zip(path, label=label, source=source) as archive:
        members = archive.infolist()
        if not members:
            raise ArchiveError(message(label, "expected files in the zip, found none", source))
        # Header checks first: they are cheap and must run before testzip() decompresses.
        for info in members:
            _check_member(
                info,
                label=label,
                source=source,
                max_member_bytes=max_member_bytes,
                max_ratio=max_ratio,
            )
        if not read_members:
            return
        try:
            bad = archive.testzip()
        except (*_CORRUPT_ZIP_ERRORS, OSError) as exc:  # nothing is written: OSError is the zip's
            problem = f"truncated or corrupt zip: {type(exc).__name__}: {exc}"
            raise ArchiveError(message(label, problem, source)) from exc
        if bad is not None:
            problem = f"truncated or corrupt zip: bad CRC-32 in member {bad!r}"
            raise ArchiveError(message(label, problem, source))


def verify_zip(
    path: Path,
    *,
    label: str,
    max_member_bytes: int,
    max_ratio: float,
    read_members: bool = True,
) -> None:
    """Raise ArchiveError unless every member of the zip is safe, within limits and intact.

    Reads (and so decompresses) every member once: a zip cut short by a flaky connection often
    still opens, and only reading the data reveals the damage. `read_members=False` checks the
    headers only (count, sizes, compression ratio), for a caller that then extracts the member
    it needs with `extract_member`, which checks that member's data and CRC as it writes it:
    decompressing a 1.2 GB member twice costs seconds and proves nothing more.
    """
    check_zip(
        Path(path),
        label=label,
        source=path,
        max_member_bytes=max_member_bytes,
        max_ratio=max_ratio,
        read_members=read_members,
    )


def _select_member(
    archive: zipfile.ZipFile, pattern: str, *, label: str, source: object
) -> zipfile.ZipInfo:
    """The single file member whose base name matches `pattern`, ignoring case."""
    files = [info for info in archive.infolist() if not info.is_dir()]
    wanted = pattern.lower()
    matches = [
        info for info in files if fnmatch.fnmatchcase(_base_name(info.filename).lower(), wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        problem = f"no zip member matches {pattern!r}; members: {_list_names(files)}"
    else:
        problem = f"pattern {pattern!r} is ambiguous, it matches: {_list_names(matches)}"
    raise ArchiveError(message(label, problem, source))


def _base_name(member_name: str) -> str:
    return PurePosixPath(member_name).name


def _list_names(infos: list[zipfile.ZipInfo]) -> str:
    names = [info.filename for info in infos[:_MAX_LISTED_MEMBERS]]
    more = len(infos) - len(names)
    listed = ", ".join(names) if names else "(none)"
    return f"{listed} … and {more} more" if more else listed


def _extraction_sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".extracted.json")


def _reusable_extraction(target: Path, zip_sha256: str, member: str) -> bool:
    """True when `target` was extracted from this very zip and member and still has its size."""
    meta = read_json(_extraction_sidecar(target))
    return (
        meta is not None
        and target.is_file()
        and meta.get("zip_sha256") == zip_sha256
        and meta.get("member") == member
        and meta.get("bytes") == target.stat().st_size
    )


def _copy_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    part: Path,
    *,
    label: str,
    source: object,
    max_member_bytes: int,
) -> tuple[str, int]:
    """Decompress `info` into `part`, counting bytes: headers can lie about the size."""
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as member, open(part, "wb") as out:
            while chunk := member.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_member_bytes:
                    problem = (
                        f"zip member {info.filename!r} produced more than {max_member_bytes} "
                        f"bytes, above the size cap (possible decompression bomb)"
                    )
                    raise ArchiveError(message(label, problem, source))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except _CORRUPT_ZIP_ERRORS as exc:
        problem = f"truncated or corrupt zip: member {info.filename!r}: {exc}"
        raise ArchiveError(message(label, problem, source)) from exc
    return digest.hexdigest(), size


def extract_member(
    zip_path: Path,
    pattern: str,
    dest_dir: Path,
    *,
    label: str,
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> Path:
    """Extract the one member whose base name matches `pattern` to `dest_dir/<base name>`.

    Official zips change member names between millésimes (`base_cc_comparateur_2021.csv`…), so
    callers give a pattern; exactly one match is required, because silently picking one of two
    CSVs is how the wrong table gets loaded. A sidecar `<name>.extracted.json` records the zip's
    sha256 so an unchanged zip is not decompressed again.
    """
    zip_path = Path(zip_path)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with _open_zip(zip_path, label=label, source=zip_path) as archive:
        info = _select_member(archive, pattern, label=label, source=zip_path)
        _check_member(
            info,
            label=label,
            source=zip_path,
            max_member_bytes=max_member_bytes,
            max_ratio=max_ratio,
        )
        target = dest_dir / _base_name(info.filename)
        zip_sha256 = sha256_file(zip_path)
        if _reusable_extraction(target, zip_sha256, info.filename):
            return target
        with temp_path(dest_dir, target.name) as part:
            digest, size = _copy_member(
                archive,
                info,
                part,
                label=label,
                source=zip_path,
                max_member_bytes=max_member_bytes,
            )
            meta = {
                "zip_path": str(zip_path),
                "zip_sha256": zip_sha256,
                "member": info.filename,
                "bytes": size,
                "sha256": digest,
                "extracted_at": now_iso(),
            }
            sidecar = _extraction_sidecar(target)
            # The stale sidecar goes first: a crash between the two renames must not leave an
            # old sidecar vouching for a new file.
            sidecar.unlink(missing_ok=True)
            commit(part, target, sidecar, meta)
    return target
