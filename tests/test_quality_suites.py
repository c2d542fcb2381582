"""Suites as data: from catalog entries (`checks:`) and model headers (`grain:`, `expect:`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from observatory.catalog import load_catalog
from observatory.models.graph import load_models
from observatory.models.header import parse
from observatory.quality.gx import gx_expectation
from observatory.quality.suites import catalog_suite, model_suite
from tests.conftest import REPOSITORY, make_settings


def test_every_declared_expectation_is_a_valid_great_expectations_one(tmp_path):
    settings = make_settings(tmp_path)
    suites = [catalog_suite(d) for d in load_catalog(settings.catalog_dir)]
    for path in sorted((REPOSITORY / "dbt_like_sql").glob("*/*.sql")):
        text = path.read_text(encoding="utf-8")
        suite = model_suite(f"{path.parent.name}.{path.stem}", parse(text, path), str(path))
        if suite is not None:
            suites.append(suite)
    built = 0
    for suite in suites:
        for spec in suite.expectations:
            kwargs = dict(spec.kwargs)
            if spec.drift == "rows":
                kwargs = {"min_value": 0, "max_value": 1}
            elif spec.drift == "sum":
                kwargs |= {"min_value": 0, "max_value": 1}
            elif spec.drift == "keys":
                kwargs |= {"value_set": ["x"]}
            gx_expectation(spec, kwargs)  # GX validates the arguments
            built += 1
    assert built > 150
    # Every published mart declares its grain as keys.
    marts = sorted(p.stem for p in (REPOSITORY / "dbt_like_sql" / "marts").glob("*.sql"))
    with_keys = {
        s.table.split(".")[1]
        for s in suites
        if any(e.name == "grain_unique" for e in s.expectations)
    }
    assert set(marts) <= with_keys


def test_catalog_checks_become_expectations_per_column():
    entry = yaml.safe_load(
        (REPOSITORY / "assets" / "insee" / "populations_reference.yaml").read_text(encoding="utf-8")
    )
    settings_catalog = load_catalog(REPOSITORY / "assets")
    suite = catalog_suite(settings_catalog.get("insee_populations_reference"))
    names = {e.name: e for e in suite.expectations}
    for column, pattern in entry["checks"]["matches"].items():
        assert names[f"{column}_format"].kwargs == {"column": column, "regex": pattern}
    for column in entry["checks"]["not_null"]:
        assert names[f"{column}_not_null"].expectation == "expect_column_values_to_not_be_null"
    drift = entry["checks"]["drift"]
    assert names["drift_rows"].tolerance == drift["rows"]
    assert {n for n in names if n.startswith("drift_keys_")} == {
        f"drift_keys_{c}" for c in drift["keys"]
    }


def test_a_suite_restricted_to_some_checks_keeps_their_order():
    header = parse(
        "-- T.\n-- grain: one row per a x b\n"
        "-- expect: column_values_to_be_between {column: c, min_value: 0}\nselect 1\n",
        Path("dbt_like_sql/marts/t.sql"),
    )
    suite = model_suite("marts.t", header, "dbt_like_sql/marts/t.sql")
    assert suite is not None
    names = [e.name for e in suite.expectations]
    assert names == ["a_not_null", "b_not_null", "grain_unique", "c_be_between"]
    chosen = suite.restricted_to({"c_be_between", "a_not_null"})
    assert [e.name for e in chosen.expectations] == ["a_not_null", "c_be_between"]
    assert (chosen.table, chosen.source) == (suite.table, suite.source)
    assert suite.restricted_to(set()).expectations == ()


def test_model_suites_are_named_by_their_path_from_the_project(tmp_path):
    """A model without keys in its grain or `expect:` has no suite; the others name their file."""
    from observatory.quality.suites import model_suites

    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "a.sql").write_text(
        "-- A.\n-- grain: one row per x\nselect 1 as x\n", encoding="utf-8"
    )
    (tmp_path / "marts" / "b.sql").write_text(
        "-- B.\n-- grain: one row\nselect 1 as y\n", encoding="utf-8"
    )
    (suite,) = model_suites(load_models(tmp_path, known_tables=set()))
    assert suite.table == "marts.a"
    assert suite.source == f"{tmp_path.name}/marts/a.sql"
