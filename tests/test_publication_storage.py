"""The published file is in a storage format DuckDB 1.x clients open (issue 18, part 5).

DuckDB 2.0 writes a format no 1.x client reads; the publication asks for storage v1.0.0. No 1.x
client is installed with the project, so the tests read what the file records: the storage
version number in its header and the types of its columns (a type v1.0.0 storage cannot hold,
VARIANT or BIGNUM, would make 1.x clients fail or the write refuse).
"""

from __future__ import annotations

import json
import re
import struct

import duckdb

from observatory.publish.editions import MANIFEST_NAME, list_editions
from observatory.publish.writing import STORAGE_VERSION, publish
from tests.conftest import copy_of_sample, make_settings

STORAGE_NUMBER_OF_V1_0 = 64
"""The number DuckDB 0.10 to 1.1 write in a file's header, the only one DuckDB 1.0 and 1.1
read (1.2 writes 65, 1.5 writes 68, 2.0 writes 999); 1.x clients up to 1.5 read it too."""

TYPES_OF_V1 = re.compile(
    r"(VARCHAR|INTEGER|BIGINT|SMALLINT|DOUBLE|FLOAT|BOOLEAN|DATE|TIMESTAMP|DECIMAL\(\d+,\d+\)"
    r"|BLOB)"
)
"""Column types a DuckDB 1.0 client reads back from storage v1.0.0, as tried by hand (BLOB, the
outlines' WKB, a core type since DuckDB 0.x: not tried by hand with a 1.x client)."""


def header_storage_number(path) -> int:
    """The storage version number of a DuckDB file: after the 8-byte checksum, `DUCK`, uint64."""
    with open(path, "rb") as file:
        head = file.read(20)
    assert head[8:12] == b"DUCK", f"{path} is not a DuckDB file"
    return struct.unpack("<Q", head[12:20])[0]


def test_the_published_file_is_written_in_storage_v1_0(sample_build):
    settings, summary = sample_build
    assert summary.success, summary.failure
    assert STORAGE_VERSION == "v1.0.0"
    assert header_storage_number(settings.published_path) == STORAGE_NUMBER_OF_V1_0
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert tags["storage_version"] == "v1.0.0+"


def test_a_file_written_by_default_would_not_be_v1_0(tmp_path):
    """The header check can fail: DuckDB 2's own format records another number."""
    path = tmp_path / "default.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select 1 as x")
    con.close()
    assert header_storage_number(path) != STORAGE_NUMBER_OF_V1_0


def test_published_columns_have_only_types_1x_clients_read_and_keep_comments(published):
    columns = published.execute(
        "select schema_name || '.' || table_name || '.' || column_name, data_type, comment "
        "from duckdb_columns() where database_name = current_database()"
    ).fetchall()
    assert columns
    unreadable = {name: kind for name, kind, _ in columns if not TYPES_OF_V1.fullmatch(kind)}
    assert not unreadable, f"types a DuckDB 1.x client may not read: {unreadable}"
    marts = [(name, comment) for name, _, comment in columns if name.startswith("marts.")]
    assert all(comment for _, comment in marts), "a mart column lost its comment"


def test_a_refresh_rewrites_an_unchanged_edition_written_in_another_storage_version(
    sample_build, tmp_path
):
    """An edition published before the storage version was chosen (DuckDB 2's own format) is
    not kept as `unchanged`: 1.x clients would never get a file they can open."""
    settings = make_settings(copy_of_sample(sample_build, tmp_path / "home"))
    assert publish(settings, skip_unchanged=True).unchanged
    current = next(e for e in list_editions(settings) if e.current)
    manifest_path = current.folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["database"]["storage_version"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    again = publish(settings, skip_unchanged=True)

    assert not again.unchanged and again.edition != current.id
    assert header_storage_number(settings.published_path) == STORAGE_NUMBER_OF_V1_0
