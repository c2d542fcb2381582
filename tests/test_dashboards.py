"""The README's instructions for dashboard tools, followed as a Superset administrator would.

Superset (like most Python BI tools) reaches DuckDB through SQLAlchemy and the `duckdb-engine`
dialect: the README gives the URI and the engine parameters to paste. These tests read both
from the README itself, so the instructions cannot drift from what is tested, connect the way
Superset does, and run the README's example queries through that connection.

The engine opens a copy of the published file: one process cannot open the same DuckDB file
twice with different settings, and the `published` fixture holds the original open.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy

from tests.conftest import REPOSITORY

README = (REPOSITORY / "README.md").read_text(encoding="utf-8")
FOR_ANALYSTS = README.split("## For analysts", 1)[1].split("\n## ", 1)[0]


def _superset_instructions() -> tuple[str, dict]:
    """(the SQLAlchemy URI with its placeholder path, the engine parameters) as the README
    gives them for Superset."""
    superset = FOR_ANALYSTS.split("**Superset**", 1)[1]
    uri = re.search(r"SQLAlchemy URI `(duckdb:///[^`]+)`", superset)
    parameters = re.search(r"Engine parameters\*, `(\{.+?\})`", superset, re.DOTALL)
    assert uri and parameters, "the README's Superset instructions changed shape"
    return uri.group(1), json.loads(parameters.group(1))


@pytest.fixture(scope="module")
def superset_engine(sample_build, tmp_path_factory) -> sqlalchemy.Engine:
    """An engine configured exactly as the README tells a Superset administrator."""
    settings, summary = sample_build
    assert summary.success, summary.failure
    copy = tmp_path_factory.mktemp("dashboard") / "observatory.duckdb"
    shutil.copyfile(settings.published_path, copy)
    uri, parameters = _superset_instructions()
    placeholder = uri.removeprefix("duckdb:///")
    assert placeholder.startswith("/"), "the README's URI names an absolute path"
    engine = sqlalchemy.create_engine(f"duckdb:///{copy.resolve()}", **parameters)
    yield engine
    engine.dispose()


def test_readme_gives_a_read_only_connection_for_superset():
    """The parameters the README asks to paste make the connection read-only."""
    _, parameters = _superset_instructions()
    assert parameters == {"connect_args": {"read_only": True}}


def test_readme_example_queries_answer_the_same_through_sqlalchemy(superset_engine, published):
    """Every SQL example of the README, run through duckdb-engine, returns the rows the DuckDB
    client returns on the published file, in the same order."""
    queries = re.findall(r"```sql\n(.*?)```", FOR_ANALYSTS, re.DOTALL)
    assert len(queries) >= 4
    with superset_engine.connect() as connection:
        for query in queries:
            statement = query.strip().rstrip(";")
            through_dashboard = [
                tuple(row) for row in connection.execute(sqlalchemy.text(statement))
            ]
            expected = published.execute(statement).fetchall()
            assert through_dashboard, statement
            assert through_dashboard == expected, statement


def test_a_dashboard_lists_the_published_tables(superset_engine, published):
    """What Superset shows when a dataset is added: the schemas, and in `marts` every
    published table."""
    inspector = sqlalchemy.inspect(superset_engine)
    expected = {
        name
        for (name,) in published.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    }
    assert expected and set(inspector.get_table_names(schema="marts")) == expected
    schemas = {s.split(".")[-1] for s in inspector.get_schema_names()}
    assert {"marts", "meta", "quarantine"} <= schemas


def test_a_dashboard_cannot_write_to_the_published_file(superset_engine, tmp_path):
    """The read-only parameters hold: a statement that writes is refused and the file is left
    as it was."""
    path = Path(superset_engine.url.database)
    before = path.read_bytes()
    with (
        superset_engine.connect() as connection,
        pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"),
    ):
        connection.execute(sqlalchemy.text("create table marts.ajout as select 1 as x"))
    assert path.read_bytes() == before
