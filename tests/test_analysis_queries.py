"""The analysts' SQL (`dbt_like_sql/analysis/`), parsed and checked by the model engine.

A query reads the published file only: every table it reads must be one the project publishes
(a model of a published schema, or a `meta.*` table the publication copies), so renaming a mart
breaks this test instead of an analyst's report.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from observatory.analysis.queries import run_query
from observatory.models import ModelError
from observatory.models.analysis import load_analysis_queries, unknown_references
from observatory.models.graph import NOT_MODELS
from observatory.models.project import load_project
from observatory.publish.editions import EDITION_VIEW, PUBLISHED_SCHEMAS
from observatory.warehouse import (
    FILE_DIGESTS,
    INGESTIONS,
    MODEL_STATES,
    PARAMETERS,
    SOURCES,
    VALIDATION_RESULTS,
)
from tests.conftest import REPOSITORY, make_settings

SQL_DIR = REPOSITORY / "dbt_like_sql"
META_PUBLISHED = {INGESTIONS, FILE_DIGESTS, MODEL_STATES, VALIDATION_RESULTS, PARAMETERS, SOURCES}
"""The `meta.*` tables of the working warehouse, which the publication copies with its schema."""


def published_tables(tmp_path: Path) -> set[str]:
    """What the project publishes: the models of the published schemas, the meta tables and the
    edition view (see publish/writing.py, which copies every table of PUBLISHED_SCHEMAS)."""
    project = load_project(make_settings(tmp_path))
    models = {m.table for m in project.models if m.schema in PUBLISHED_SCHEMAS}
    return models | META_PUBLISHED | {EDITION_VIEW}


def test_every_analysis_query_has_a_header_and_reads_only_published_tables(tmp_path):
    queries = load_analysis_queries(SQL_DIR)
    files = sorted((SQL_DIR / "analysis").glob("*.sql"))
    assert len(queries) == len(files) > 0
    for query in queries.values():
        assert query.header.description and query.header.grain, query.path
        code = re.sub(r"'[^']*'|--[^\n]*", "", query.sql)  # without literals and comments
        assert code == code.lower(), f"{query.path}: SQL is written in lower case"
    assert unknown_references(queries.values(), published_tables(tmp_path)) == {}
    # the profile reads every published mart it needs: not a vacuous check
    read = set().union(*(q.deps for q in queries.values()))
    assert {"marts.territoires", "marts.population", "meta.parametres"} <= read


def test_analysis_queries_are_not_warehouse_models(tmp_path):
    assert "analysis" in NOT_MODELS
    project = load_project(make_settings(tmp_path))
    assert not [m for m in project.models if m.path.parent.name == "analysis"]


def write_query(root: Path, name: str, text: str) -> Path:
    path = root / "analysis" / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_renamed_mart_is_reported_with_the_query(tmp_path):
    write_query(
        tmp_path,
        "ok",
        "-- Reads a mart.\n-- grain: one row per code\n"
        "select pop.code from marts.population as pop",
    )
    write_query(
        tmp_path,
        "stale",
        "-- Reads a mart that was renamed.\n-- grain: one row per code\n"
        "with refs as (select unnest(getvariable('refs'), recursive := true))\n"
        "select ref.code from refs as ref join marts.populations as pop on ref.code = pop.code",
    )
    queries = load_analysis_queries(tmp_path)
    assert queries["stale"].deps == {"marts.populations"}  # the CTE is not a table
    assert queries["stale"].variables == {"refs"}
    assert unknown_references(queries.values(), {"marts.population"}) == {
        "stale": ["marts.populations"]
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- grain: one row\nselect 1 as code", "description"),
        ("-- No grain.\nselect 1 as code", "grain"),
        ("-- Unqualified.\n-- grain: one row per code\nselect code from population", "schema"),
        ("-- Two.\n-- grain: one row\nselect 1; select 2", "exactly one statement"),
    ],
)
def test_malformed_analysis_query_names_the_file(tmp_path, text, message):
    path = write_query(tmp_path, "bad", text)
    with pytest.raises(ModelError, match=message) as error:
        load_analysis_queries(tmp_path)
    assert str(path) in str(error.value)


def test_run_query_sets_exactly_the_variables_the_file_reads(tmp_path):
    write_query(
        tmp_path,
        "double",
        "-- Doubles a number.\n-- grain: one row\nselect 2 * getvariable('n') as double",
    )
    con = duckdb.connect()
    assert run_query(con, "double", tmp_path, n=21) == [(42,)]
    with pytest.raises(TypeError, match=r"missing \['n'\]"):
        run_query(con, "double", tmp_path)  # n is still set from the first call: refused anyway
    with pytest.raises(TypeError, match=r"not read by the query \['m'\]"):
        run_query(con, "double", tmp_path, n=1, m=2)


def test_analysis_queries_read_tables_of_the_sample_published_file(published):
    """The same check against a real published file: every table read exists in it."""
    existing = {
        f"{schema}.{name}"
        for schema, name in published.execute(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
    }
    queries = load_analysis_queries(SQL_DIR)
    assert unknown_references(queries.values(), existing) == {}
