"""`python -m bench.digest PUBLISHED.duckdb`: a content digest of every published table.

Two builds publish the same content when every table has the same digest: a refactoring, a
faster query or a new DuckDB version can be checked against the edition built before it. A
table's digest is the md5 of its rows' md5s in sorted order, so row order does not matter;
doubles are rounded to 9 significant digits first, because DuckDB sums them in parallel in an
order that changes from run to run (the last bits differ, not the figures). Tables whose content
depends on when and where the build ran (times, run and ingestion ids, paths, edition ids, and the
fingerprints made of them) are
digested without those columns: `VOLATILE_COLUMNS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

VOLATILE_COLUMNS = {
    "started_at",
    "finished_at",
    "validated_at",
    "checked_at",
    "fingerprint",
    "built_at",
    "run_id",
    "ingestion_id",
    "source",
    "local_path",
    "edition",
    "duration_s",
    "report",
}
"""Columns that say when, where or by which run a row was written, not what the data is."""


def _expression(name: str, data_type: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    if data_type in ("DOUBLE", "FLOAT", "REAL"):
        # 9 significant digits: the figures, not the order DuckDB summed them in
        return (
            f"case when {quoted} is null or isnan({quoted}) or isinf({quoted}) "
            f"then {quoted}::varchar else printf('%.9g', {quoted}) end"
        )
    return f"{quoted}::varchar"


def table_digests(path: Path) -> dict[str, tuple[int, str]]:
    """Table -> (rows, digest) for every base table of a DuckDB file, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() order by 1, 2"
        ).fetchall()
        digests = {}
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = current_database() and schema_name = ? "
                "and table_name = ? order by column_index",
                [schema, table],
            ).fetchall()
            kept = [_expression(n, t) for n, t in columns if n not in VOLATILE_COLUMNS]
            row = "concat_ws('|', " + ", ".join(f"coalesce({e}, '∅')" for e in kept) + ")"
            rows, digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f'from (select md5({row}) as h from "{schema}"."{table}")'
            ).fetchone()  # type: ignore[misc]
            digests[f"{schema}.{table}"] = (int(rows), str(digest))
        return digests
    finally:
        con.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("published", type=Path, help="a published observatory.duckdb")
    args = parser.parse_args(argv)
    for table, (rows, digest) in table_digests(args.published).items():
        print(f"{table}\t{rows}\t{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
