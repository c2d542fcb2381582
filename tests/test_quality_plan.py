"""The validation plan: every suite and SQL check of the project, from the files alone."""

from __future__ import annotations

import pytest

from observatory.catalog import load_catalog
from observatory.models import ModelError
from observatory.models.header import parse
from observatory.quality.plan import select_validations, validation_plan
from tests.conftest import REPOSITORY, make_settings


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return validation_plan(make_settings(tmp_path_factory.mktemp("plan")))


def test_the_plan_covers_every_dataset_and_mart_and_every_sql_check(plan):
    suites, checks = plan
    catalog = load_catalog(REPOSITORY / "assets")
    tables = {s.table for s in suites}
    assert {d.target_table for d in catalog} <= tables
    marts = {f"marts.{p.stem}" for p in (REPOSITORY / "dbt_like_sql" / "marts").glob("*.sql")}
    assert marts <= tables
    assert len(tables) == len(suites)  # one suite per table
    files = [p.stem for p in (REPOSITORY / "dbt_like_sql" / "tests").glob("*.sql")]
    generic = [  # a generic check per model whose header asks for it (`tests: <name>`)
        f"{name}__{p.stem}"
        for p in (REPOSITORY / "dbt_like_sql").glob("*/*.sql")
        for name in parse(p.read_text(encoding="utf-8"), p).tests
    ]
    assert len(generic) >= 9
    assert sorted(c.name for c in checks) == sorted(files + generic)
    models = {f"{p.parent.name}.{p.stem}" for p in (REPOSITORY / "dbt_like_sql").glob("*/*.sql")}
    assert {c.asset for c in checks} <= tables | models


def test_a_target_selects_a_dataset_a_table_or_a_schema(plan):
    suites, checks = plan
    assert select_validations(suites, checks, None) == (suites, checks)
    chosen, chosen_checks = select_validations(suites, checks, "marts/population")
    assert [s.table for s in chosen] == ["marts.population"]
    assert chosen_checks and all(c.asset == "marts.population" for c in chosen_checks)
    chosen, _ = select_validations(suites, checks, "insee_cog_communes")
    assert [s.dataset for s in chosen] == ["insee_cog_communes"]
    chosen, _ = select_validations(suites, checks, "marts")
    assert chosen and all(s.table.startswith("marts.") for s in chosen)


def test_an_unknown_target_names_the_closest_ones(plan):
    with pytest.raises(ModelError) as raised:
        select_validations(*plan, "marts.populations")
    assert "nothing to validate for 'marts.populations'; did you mean " in str(raised.value)
    assert "marts.population" in str(raised.value)
