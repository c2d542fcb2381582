"""Every `meta.*` table of the warehouse: its name, its DDL, and the queries that read and write
it. The one place that knows the meta schema, so a change of a meta table (DDL, the queries that
read it, its migration) is one diff here, hence its length; the rest of the code calls these
functions.

Results are read with `fetchall()`: DuckDB 2.0 keeps a result read with `fetchone()` pending,
which then makes `register()` on the same connection fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from observatory.warehouse.identifiers import (
    escape_literal,
    table_exists,
)

INGESTIONS = "meta.ingestions"
FILE_DIGESTS = "meta.empreintes_fichiers"
MODEL_STATES = "meta.modeles"
"""Each model's fingerprint when it was last built (see state.py): a model whose fingerprint is
unchanged is not rebuilt (dbt's state comparison); `observatory build --full-refresh` forgets
them."""
VALIDATION_RESULTS = "meta.validation_results"
"""Every validation result of every run, with the fingerprint that lets a later run reuse it."""
SOURCE_FAILURES = "meta.source_failures"
"""Each dataset-millésime whose source failed at its last attempt (404, 500, an HTML page
instead of data): the rows loaded before are kept, and the ingestion's warning check reads this
table. A row is removed when the edition is obtained again."""
PARAMETERS = "meta.parametres"
"""Run parameters the SQL models read (see models/parameters.py), rewritten before every build."""
SOURCES = "meta.sources"
"""Who produced each input and under which licence, rewritten before every publication from the
catalog and meta.ingestions: the attribution the licences ask for travels with the figures."""

META_DDL = (
    """
    create table if not exists meta.ingestions (
        ingestion_id varchar primary key,
        dataset_id varchar not null,
        millesime integer not null,
        origine varchar not null,         -- sample | live | mirror | manual
        source varchar not null,          -- URL or local path of the file as published
        file_name varchar not null,
        member varchar,                   -- file read inside a zip
        bytes bigint not null,
        sha256 varchar not null,
        etag varchar,
        last_modified varchar,
        http_status integer,
        rows_loaded bigint not null,
        columns_matched varchar,          -- canonical <- header as found, for every column
        extra_columns varchar,            -- headers present in the file but not in the catalog
        fingerprint varchar not null,     -- file sha256 + catalog entry + parser: skip when equal
        started_at timestamp not null,
        finished_at timestamp not null
    )
    """,
    """
    create table if not exists meta.empreintes_fichiers (
        chemin varchar primary key,       -- absolute path of a local input
        octets bigint not null,
        mtime_ns bigint not null,
        sha256 varchar not null
    )
    """,
    """
    create table if not exists meta.source_failures (
        dataset_id varchar not null,
        millesime integer not null,
        source varchar not null,          -- URL asked
        error varchar not null,           -- HttpStatusError, NetworkError, NotDataError...
        http_status integer,
        message varchar not null,         -- one line naming dataset, millésime, problem, URL
        first_failed_at timestamp not null,
        last_failed_at timestamp not null,
        attempts integer not null,
        primary key (dataset_id, millesime)
    )
    """,
    """
    create table if not exists meta.modeles (
        table_name varchar primary key,
        fingerprint varchar,
        built_at timestamp
    )
    """,
)


def create_meta_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the meta tables that are missing, and migrate older ones (idempotent)."""
    for ddl in META_DDL:
        con.execute(ddl)
    _ensure_validation_results(con)


# --- meta.ingestions -----------------------------------------------------------------------------

INGESTION_COLUMNS = (
    "ingestion_id",
    "dataset_id",
    "millesime",
    "origine",
    "source",
    "file_name",
    "member",
    "bytes",
    "sha256",
    "etag",
    "last_modified",
    "http_status",
    "rows_loaded",
    "columns_matched",
    "extra_columns",
    "fingerprint",
    "started_at",
    "finished_at",
)


def record_ingestion(con: duckdb.DuckDBPyConnection, values: dict[str, object]) -> None:
    """One load of one dataset-millésime, by column name (every column of meta.ingestions)."""
    missing = sorted(set(INGESTION_COLUMNS) - set(values))
    if missing:
        raise ValueError(f"{INGESTIONS}: no value for {', '.join(missing)}")
    con.execute(
        f"insert into {INGESTIONS} ({', '.join(INGESTION_COLUMNS)}) "
        f"values ({', '.join('?' for _ in INGESTION_COLUMNS)})",
        [values[c] for c in INGESTION_COLUMNS],
    )


def last_ingestion(
    con: duckdb.DuckDBPyConnection, dataset_id: str, millesime: int
) -> tuple[str, int] | None:
    """(fingerprint, bytes) of the latest load of one dataset-millésime, if any."""
    rows = con.execute(
        f"select fingerprint, bytes from {INGESTIONS} where dataset_id = ? and millesime = ? "
        "order by finished_at desc limit 1",
        [dataset_id, millesime],
    ).fetchall()
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


def latest_ingestions(
    con: duckdb.DuckDBPyConnection, columns: Sequence[str]
) -> list[dict[str, object]]:
    """The latest load of every dataset-millésime, by dataset and millésime: the given columns
    of meta.ingestions (`observatory status`, an edition's manifest)."""
    unknown = sorted(set(columns) - set(INGESTION_COLUMNS))
    if unknown:
        raise ValueError(f"{INGESTIONS} has no column {', '.join(unknown)}")
    rows = con.execute(
        f"""
        select {", ".join(columns)}
        from {INGESTIONS}
        qualify row_number() over (partition by dataset_id, millesime
                                   order by finished_at desc) = 1
        order by dataset_id, millesime
        """
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def ingestions_summary(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """(count, sum of hashes) of every ingestion id: changes whenever anything is loaded."""
    row = con.execute(
        f"select count(*), coalesce(sum(hash(ingestion_id)), 0)::varchar from {INGESTIONS}"
    ).fetchall()[0]
    return int(row[0]), str(row[1])


def forget_ingestions(con: duckdb.DuckDBPyConnection, dataset_id: str, millesime: int) -> int:
    """`observatory forget`: every record of one dataset-millésime (its loads, its source
    failures, its validation results); returns the loads removed."""
    removed = con.execute(
        f"delete from {INGESTIONS} where dataset_id = ? and millesime = ?", [dataset_id, millesime]
    ).fetchall()[0][0]
    clear_source_failure(con, dataset_id, millesime)
    if table_exists(con, VALIDATION_RESULTS):
        con.execute(
            f"delete from {VALIDATION_RESULTS} where dataset = ? and millesime = ?",
            [dataset_id, millesime],
        )
    return int(removed)


# --- meta.source_failures -----------------------------------------------------------------------


def record_source_failure(
    con: duckdb.DuckDBPyConnection,
    dataset_id: str,
    millesime: int,
    *,
    source: str,
    error: str,
    http_status: int | None,
    message: str,
) -> None:
    """One failed attempt to obtain a dataset-millésime; a repeated failure keeps its first date."""
    con.execute(
        f"""
        insert into {SOURCE_FAILURES} as failure
        values (?, ?, ?, ?, ?, ?, current_timestamp, current_timestamp, 1)
        on conflict (dataset_id, millesime) do update set
            source = excluded.source, error = excluded.error,
            http_status = excluded.http_status, message = excluded.message,
            last_failed_at = excluded.last_failed_at, attempts = failure.attempts + 1
        """,
        [dataset_id, millesime, source, error, http_status, message],
    )


def clear_source_failure(con: duckdb.DuckDBPyConnection, dataset_id: str, millesime: int) -> None:
    """The edition was obtained again: its source no longer fails."""
    con.execute(
        f"delete from {SOURCE_FAILURES} where dataset_id = ? and millesime = ?",
        [dataset_id, millesime],
    )


SOURCE_FAILURE_COLUMNS = (
    "dataset_id",
    "millesime",
    "source",
    "error",
    "http_status",
    "message",
    "first_failed_at",
    "last_failed_at",
    "attempts",
)


def source_failures(
    con: duckdb.DuckDBPyConnection, dataset_id: str | None = None
) -> list[dict[str, object]]:
    """The editions whose source currently fails (of one dataset, or all), by dataset and year."""
    where, params = ("where dataset_id = ?", [dataset_id]) if dataset_id else ("", [])
    rows = con.execute(
        f"select {', '.join(SOURCE_FAILURE_COLUMNS)} from {SOURCE_FAILURES} {where} "
        "order by dataset_id, millesime",
        params,
    ).fetchall()
    return [dict(zip(SOURCE_FAILURE_COLUMNS, row, strict=True)) for row in rows]


# --- meta.empreintes_fichiers --------------------------------------------------------------------


def known_file_digest(
    con: duckdb.DuckDBPyConnection, path: str, size: int, mtime_ns: int
) -> str | None:
    """The sha256 remembered for a local file with this very size and modification time."""
    rows = con.execute(
        f"select sha256 from {FILE_DIGESTS} where chemin = ? and octets = ? and mtime_ns = ?",
        [path, size, mtime_ns],
    ).fetchall()
    return str(rows[0][0]) if rows else None


def remember_file_digest(
    con: duckdb.DuckDBPyConnection, path: str, size: int, mtime_ns: int, sha256: str
) -> None:
    con.execute(
        f"insert or replace into {FILE_DIGESTS} values (?, ?, ?, ?)", [path, size, mtime_ns, sha256]
    )


# --- meta.modeles --------------------------------------------------------------------------------


def model_state(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """One model's fingerprint when it was last built, if it was."""
    if not table_exists(con, MODEL_STATES):
        return None
    rows = con.execute(
        f"select fingerprint from {MODEL_STATES} where table_name = ?", [table]
    ).fetchall()
    return str(rows[0][0]) if rows else None


def model_states(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Model table -> its fingerprint when it was last built."""
    if not table_exists(con, MODEL_STATES):
        return {}
    return dict(con.execute(f"select table_name, fingerprint from {MODEL_STATES}").fetchall())


def remember_model(con: duckdb.DuckDBPyConnection, table: str, fingerprint: str) -> None:
    con.execute(
        f"insert or replace into {MODEL_STATES} values (?, ?, current_timestamp)",
        [table, fingerprint],
    )


def forget_models(con: duckdb.DuckDBPyConnection) -> None:
    """Every model is rebuilt at the next run (`--full-refresh`)."""
    if table_exists(con, MODEL_STATES):
        con.execute(f"delete from {MODEL_STATES}")


# --- meta.parametres -----------------------------------------------------------------------------


def write_parameters(con: duckdb.DuckDBPyConnection, values: list[tuple[str, str, str]]) -> None:
    """Replace the run's parameters (nom, valeur, description): same settings, same table."""
    con.execute(
        f"create or replace table {PARAMETERS} "
        "(nom varchar primary key, valeur varchar not null, description varchar)"
    )
    con.executemany(f"insert into {PARAMETERS} values (?, ?, ?)", values)


def read_parameters(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every parameter row, in a stable order (they are part of every model's fingerprint)."""
    return con.execute(f"select * from {PARAMETERS} order by all").fetchall()


# --- meta.sources --------------------------------------------------------------------------------

CATALOG_SOURCE_COLUMNS = (
    "dataset_id",
    "producer",
    "title",
    "licence",
    "licence_url",
    "landing_page",
)
"""What the catalog says of each dataset, as write_sources takes it (one tuple per dataset)."""

SOURCES_COMMENTS = {
    "dataset_id": "catalog id of the dataset (assets/<producer>/<dataset>.yaml)",
    "producer": "who publishes the file (insee, dgcl, ans, ameli, drees, etalab, laposte)",
    "title": "the dataset's title in the catalog",
    "licence": "the licence the producer publishes the file under",
    "licence_url": "the text of that licence",
    "landing_page": "the producer's page for the dataset",
    "millesime": "edition (millésime) of the file",
    "origine": "how it was obtained: sample (synthetic), live, mirror or manual (ingested by hand)",
    "source": "URL of the file as published, or the local path of a file ingested by hand",
    "file_name": "name of the file",
    "sha256": "sha256 of the file as obtained",
    "ingested_at": "when it was loaded (UTC)",
}


def write_sources(con: duckdb.DuckDBPyConnection, catalog: Sequence[Sequence[str]]) -> int:
    """Rebuild meta.sources: the latest load of every dataset-millésime with its producer, title
    and licence from the catalog (one tuple of CATALOG_SOURCE_COLUMNS per dataset). A dataset
    since removed from the catalog keeps its row, with its catalog columns empty: what was loaded
    is never hidden. Returns the number of rows."""
    if any(len(row) != len(CATALOG_SOURCE_COLUMNS) for row in catalog):
        raise ValueError(f"{SOURCES}: each catalog row is {', '.join(CATALOG_SOURCE_COLUMNS)}")
    values = ", ".join("(" + ", ".join("?" * len(CATALOG_SOURCE_COLUMNS)) + ")" for _ in catalog)
    entries = (
        f"select * from (values {values}) as cat({', '.join(CATALOG_SOURCE_COLUMNS)})"
        if catalog
        else "select "
        + ", ".join(f"null::varchar as {c}" for c in CATALOG_SOURCE_COLUMNS)
        + " where false"
    )
    con.execute(
        f"""
        create or replace table {SOURCES} as
        with catalogue as ({entries}),
        derniers as (
            select ing.dataset_id, ing.millesime, ing.origine, ing.source, ing.file_name,
                ing.sha256, ing.finished_at
            from {INGESTIONS} as ing
            qualify row_number() over (partition by ing.dataset_id, ing.millesime
                                       order by ing.finished_at desc) = 1
        )
        select der.dataset_id, cat.producer, cat.title, cat.licence, cat.licence_url,
            cat.landing_page, der.millesime, der.origine, der.source, der.file_name, der.sha256,
            der.finished_at as ingested_at
        from derniers as der
        left join catalogue as cat on der.dataset_id = cat.dataset_id
        order by der.dataset_id, der.millesime
        """,
        [value for row in catalog for value in row],
    )
    con.execute(
        f"comment on table {SOURCES} is 'Who produced each input of the published tables and "
        "under which licence: the latest load of every dataset-millésime, with the catalog''s "
        "producer, title, licence and landing page. Grain: dataset_id x millesime'"
    )
    for column, text in SOURCES_COMMENTS.items():
        con.execute(f"comment on column {SOURCES}.{column} is '{escape_literal(text)}'")
    return int(con.execute(f"select count(*) from {SOURCES}").fetchall()[0][0])


def read_sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Every row of meta.sources, by column name, in its order (an edition's datapackage.json)."""
    if not table_exists(con, SOURCES):
        return []
    result = con.execute(f"select * from {SOURCES} order by dataset_id, millesime")
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


# --- meta.validation_results ---------------------------------------------------------------------

VALIDATION_COLUMNS = (
    "run_id",
    "checked_at",
    "dataset",
    "table_name",
    "millesime",
    "check_name",
    "expectation",
    "column_name",
    "severity",
    "success",
    "unexpected_count",
    "unexpected_sample",
    "observed_value",
    "message",
    "engine",
    "fingerprint",
)
RECORD_CHUNK = 500
"""Results written per insert statement: executemany would run one insert per row."""


def _ensure_validation_results(con: duckdb.DuckDBPyConnection) -> None:
    if table_exists(con, VALIDATION_RESULTS):
        # an older warehouse may lack the column; nothing else to do (no catalog write)
        con.execute(
            f"alter table {VALIDATION_RESULTS} add column if not exists fingerprint varchar"
        )
        return
    con.execute(
        f"""
        create table {VALIDATION_RESULTS} (
            run_id varchar, checked_at timestamp, dataset varchar, table_name varchar,
            millesime integer, check_name varchar, expectation varchar, column_name varchar,
            severity varchar, success boolean, unexpected_count bigint,
            unexpected_sample varchar, observed_value varchar, message varchar, engine varchar,
            fingerprint varchar
        )
        """
    )
    con.execute(
        f"comment on table {VALIDATION_RESULTS} is 'Every validation result of every run: one "
        "row per run x table x millésime x expectation. Grain: run_id x table_name x millesime x "
        "check_name.'"
    )


def record_validation_results(con: duckdb.DuckDBPyConnection, rows: list[list[object]]) -> None:
    """Append results (one list of VALIDATION_COLUMNS values each), a few hundred a statement,
    creating the table first where a connection has not been initialised (a standalone check)."""
    _ensure_validation_results(con)
    for start in range(0, len(rows), RECORD_CHUNK):
        chunk = rows[start : start + RECORD_CHUNK]
        values = ", ".join(["(" + ", ".join(["?"] * len(row)) + ")" for row in chunk])
        con.execute(
            f"insert into {VALIDATION_RESULTS} values {values}",
            [value for row in chunk for value in row],
        )


def latest_validation_results(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """The latest result of every fingerprint of one table: millésime, fingerprint, success,
    unexpected count and sample, observed value, message, run id."""
    if not table_exists(con, VALIDATION_RESULTS):
        return []
    return con.execute(
        f"""
        select millesime, fingerprint, success, unexpected_count, unexpected_sample,
            observed_value, message, run_id
        from {VALIDATION_RESULTS}
        where table_name = ? and fingerprint is not null
        qualify row_number() over (partition by millesime, fingerprint
                                   order by checked_at desc) = 1
        """,
        [table],
    ).fetchall()


def validation_results_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """One run's results for its report, failures first: dataset, millésime, check name,
    expectation, column, severity, success, unexpected count and sample, message, engine."""
    return con.execute(
        f"""
        select dataset, millesime, check_name, expectation, column_name, severity, success,
            unexpected_count, unexpected_sample, message, engine
        from {VALIDATION_RESULTS} where run_id = ?
        order by success, severity, dataset, millesime nulls first, check_name
        """,
        [run_id],
    ).fetchall()
