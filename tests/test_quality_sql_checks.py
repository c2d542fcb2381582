"""SQL checks: `dbt_like_sql/tests/*.sql`, a SELECT returning the offending rows."""

from __future__ import annotations

import duckdb

from observatory.quality.sql_checks import load_sql_check, run_sql_check
from tests.conftest import CountingConnection


def test_a_sql_check_runs_its_query_again_only_to_show_offending_rows(tmp_path):
    """A SQL check counts its offending rows; only when there are some is the query run a
    second time for a sample of them (a check is often a grouping over millions of rows)."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select i % 7 as cle, i as valeur from range(70) as t(i)")
    path = tmp_path / "t_cle_unique.sql"
    path.write_text(
        "-- Each key once.\n-- asset: marts.t\n"
        "select src.cle, count(*) as n from marts.t as src group by src.cle having count(*) > 1\n",
        encoding="utf-8",
    )
    check = load_sql_check(path)

    failing = CountingConnection(con, "from marts.t")  # the queries that run the check
    outcome = run_sql_check(failing, check)  # type: ignore[arg-type]
    assert not outcome.success and outcome.unexpected_count == 7
    assert len(outcome.sample) == 5 and {row["n"] for row in outcome.sample} == {10}
    assert len(failing.queries) == 2

    con.execute("delete from marts.t where valeur >= 7")
    passing = CountingConnection(con, "from marts.t")
    outcome = run_sql_check(passing, check)  # type: ignore[arg-type]
    assert outcome.success and outcome.unexpected_count == 0 and outcome.sample == []
    assert len(passing.queries) == 1
