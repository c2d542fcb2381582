"""Fingerprints and tokens: what changed since the last build, decided in one place.

Every shortcut of a refresh rests on a fingerprint: an input file that is not hashed again, an
ingestion that is not reloaded, a model that is not rebuilt, a validation result that is reused,
a publication that keeps the current edition. Each is computed here, from what the thing is made
of, so the rules that say "nothing changed" can be read (and changed) together. What is
remembered lives in the warehouse's `meta.*` tables (see warehouse/meta.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from observatory import warehouse

CHUNK_BYTES = 1024 * 1024


def sha256_file(path: Path) -> str:
    """sha256 of a file, read in chunks (national inputs are gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def combine(*parts: object) -> str:
    """One fingerprint of several parts (their text, separated by a unit separator)."""
    return sha256_text("\x1f".join(map(str, parts)))


# --- inputs --------------------------------------------------------------------------------------


def json_fingerprint(*parts: object) -> str:
    """One fingerprint of JSON-able parts (mappings in key order)."""
    return sha256_text(json.dumps(list(parts), sort_keys=True))


def ingestion_fingerprint(sha256: str, entry: Mapping[str, object], parser_version: str) -> str:
    """Same file + same catalog entry + same parser version = nothing to do."""
    return json_fingerprint(sha256, entry, parser_version)


def local_digest(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """sha256 of a local file, read again only when its size or modification time changed
    since a load remembered it (the test make and git rely on): a refresh over gigabytes of
    unchanged inputs then costs a stat per file."""
    path = path.resolve()
    stat = path.stat()
    known = warehouse.known_file_digest(con, str(path), stat.st_size, stat.st_mtime_ns)
    return known if known is not None else sha256_file(path)


def remember_digest(con: duckdb.DuckDBPyConnection, path: Path, digest: str) -> None:
    """Keep a file's digest with its size and mtime, once it was loaded (or found loaded): a
    refused file leaves the warehouse as it was."""
    path = path.resolve()
    stat = path.stat()
    warehouse.remember_file_digest(con, str(path), stat.st_size, stat.st_mtime_ns, digest)


# --- models --------------------------------------------------------------------------------------


def source_token(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """What identifies a table the models read but do not build: for a raw table the ingestions
    its rows come from (one cheap column), otherwise its whole content."""
    if not warehouse.table_exists(con, table):
        return "absent"
    columns = warehouse.table_columns(con, table)
    hashed = "ingestion_id, millesime" if "ingestion_id" in columns else "t"
    row = con.execute(
        f"select count(*), coalesce(sum(hash({hashed})), 0)::varchar from {table} as t"
    ).fetchall()[0]
    return f"{row[0]}:{row[1]}"


def models_context(con: duckdb.DuckDBPyConnection, macros: Sequence[str]) -> str:
    """The macros and the run's parameters: a change in either rebuilds every model."""
    return combine(*macros, warehouse.read_parameters(con))


def model_fingerprint(sql: str, context: str, inputs: Sequence[str]) -> str:
    """A model's SQL, the shared context and the fingerprints (or tokens) of what it reads."""
    return combine(sql, context, *inputs)


def warehouse_token(con: duckdb.DuckDBPyConnection) -> str | None:
    """What the built tables are made of: every model's fingerprint and the ingestions. Equal
    tokens mean nothing was rebuilt or loaded since (the publication and the SQL checks then
    keep what they had). None when models have no recorded state."""
    if not warehouse.table_exists(con, warehouse.INGESTIONS):
        return None
    models = sorted(warehouse.model_states(con).items())
    return combine(models, [warehouse.ingestions_summary(con)]) if models else None
