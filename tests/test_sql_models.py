"""Tests of observatory.models (graph, runner): models written into tmp_path, loaded, run."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from observatory.defs.metadata import table_metadata
from observatory.models import ModelError
from observatory.models.graph import SqlModel, load_models
from observatory.models.runner import run_model

HEADER = """\
-- A test model.
-- grain: one row per code
-- columns:
--   code: the code
"""


def write_model(root: Path, layer: str, name: str, sql: str, header: str = HEADER) -> Path:
    path = root / layer / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + sql, encoding="utf-8")
    return path


def _by_table(models: list[SqlModel]) -> dict[str, SqlModel]:
    return {m.table: m for m in models}


# --- dependencies -------------------------------------------------------------------------------


def test_dependencies_from_joins_subqueries_ctes_and_union(tmp_path: Path) -> None:
    write_model(
        tmp_path,
        "staging",
        "stg_a",
        """
with recent as (
    select code, pop from raw.insee__pop where millesime > 2020
),
named as (
    select r.code, c.libelle from recent as r
    join raw.insee__cog as c on c.code = r.code
)
select n.code, n.libelle
from named as n
left join (select code from raw.insee__extra) as x on x.code = n.code
where n.code in (select code from raw.insee__filter)
union all
select code, libelle from raw.insee__other
""",
    )
    known = {
        "raw.insee__pop",
        "raw.insee__cog",
        "raw.insee__extra",
        "raw.insee__filter",
        "raw.insee__other",
    }
    (model,) = load_models(tmp_path, known_tables=known)
    assert model.deps == frozenset(known)
    assert "recent" not in model.deps and "named" not in model.deps  # CTE names are not deps
    assert model.table == "staging.stg_a"


def test_table_function_is_not_a_dependency(tmp_path: Path) -> None:
    write_model(
        tmp_path,
        "staging",
        "stg_files",
        "select * from read_csv('x.csv') as f join raw.insee__cog as c on c.code = f.code",
    )
    (model,) = load_models(tmp_path, known_tables={"raw.insee__cog"})
    assert model.deps == frozenset({"raw.insee__cog"})


def test_references_are_case_insensitive(tmp_path: Path) -> None:
    write_model(tmp_path, "staging", "stg_a", "select * from RAW.Insee__Cog")
    (model,) = load_models(tmp_path, known_tables={"raw.insee__cog"})
    assert model.deps == frozenset({"raw.insee__cog"})


def test_recursive_cte_is_not_a_dependency(tmp_path: Path) -> None:
    write_model(
        tmp_path,
        "intermediate",
        "int_numbers",
        "with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) "
        "select n as code from r",
    )
    (model,) = load_models(tmp_path, known_tables=set())
    assert model.deps == frozenset()


def test_trailing_semicolon_is_one_statement(tmp_path: Path) -> None:
    write_model(tmp_path, "staging", "stg_a", "select code from raw.a;\n")
    (model,) = load_models(tmp_path, known_tables={"raw.a"})
    assert model.sql.endswith("select code from raw.a")
    assert model.deps == frozenset({"raw.a"})


def test_comment_after_final_semicolon_is_one_statement(tmp_path: Path) -> None:
    write_model(tmp_path, "staging", "stg_a", "select code from raw.a;\n-- end of model\n")
    (model,) = load_models(tmp_path, known_tables={"raw.a"})
    assert model.deps == frozenset({"raw.a"})


# --- errors -------------------------------------------------------------------------------------


ERRORS: dict[str, tuple[str, str, str, str, str]] = {
    # case: (layer, name, header, sql, expected fragment of the message)
    "unqualified table": ("staging", "stg_a", HEADER, "select * from pop", "pop"),
    "unknown table": ("staging", "stg_a", HEADER, "select * from raw.nowhere", "raw.nowhere"),
    "two statements": ("staging", "stg_a", HEADER, "select 1 as code;\nselect 2 as code", "one"),
    "create table": (
        "staging",
        "stg_a",
        HEADER,
        "create table staging.stg_a as select * from raw.a",
        "CREATE",
    ),
    "delete": ("staging", "stg_a", HEADER, "delete from raw.a", "DELETE"),
    "missing grain": (
        "staging",
        "stg_a",
        "-- A description.\n-- columns:\n--   code: the code\n",
        "select * from raw.a",
        "grain",
    ),
    "missing description": (
        "staging",
        "stg_a",
        "-- grain: one row per code\n",
        "select * from raw.a",
        "description",
    ),
    "no header at all": ("staging", "stg_a", "", "select * from raw.a", "grain"),
    "staging without stg_": ("staging", "insee_a", HEADER, "select * from raw.a", "stg_"),
    "intermediate without int_": ("intermediate", "stg_a", HEADER, "select * from raw.a", "int_"),
    "name not snake_case": ("staging", "stg_A-b", HEADER, "select * from raw.a", "stg_"),
    "outside the layers": ("elsewhere", "stg_a", HEADER, "select * from raw.a", "staging"),
    "sql does not parse": ("staging", "stg_a", HEADER, "select from where (", "parse"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_model_errors_name_the_file(tmp_path: Path, case: str) -> None:
    layer, name, header, sql, fragment = ERRORS[case]
    path = write_model(tmp_path, layer, name, sql, header)
    with pytest.raises(ModelError) as info:
        load_models(tmp_path, known_tables={"raw.a"})
    message = str(info.value)
    assert str(path) in message
    assert fragment in message, message


def test_cycle_between_two_models_is_an_error(tmp_path: Path) -> None:
    write_model(tmp_path, "staging", "stg_a", "select * from staging.stg_b")
    write_model(tmp_path, "staging", "stg_b", "select * from staging.stg_a")
    with pytest.raises(ModelError, match="cycle") as info:
        load_models(tmp_path, known_tables=set())
    assert "staging.stg_a" in str(info.value)
    assert "staging.stg_b" in str(info.value)


def test_model_reading_itself_is_a_cycle(tmp_path: Path) -> None:
    write_model(tmp_path, "intermediate", "int_a", "select * from intermediate.int_a")
    with pytest.raises(ModelError, match="cycle"):
        load_models(tmp_path, known_tables=set())


def test_cycle_error_names_the_files(tmp_path: Path) -> None:
    first = write_model(tmp_path, "staging", "stg_a", "select * from staging.stg_b")
    write_model(tmp_path, "staging", "stg_b", "select * from staging.stg_a")
    with pytest.raises(ModelError) as info:
        load_models(tmp_path, known_tables=set())
    assert str(first) in str(info.value)


def test_model_in_a_nested_folder_is_not_silently_ignored(tmp_path: Path) -> None:
    write_model(tmp_path, "staging", "stg_a", "select * from raw.a")
    write_model(tmp_path / "staging", "insee", "stg_b", "select * from raw.a")
    with pytest.raises(ModelError, match="stg_b"):
        load_models(tmp_path, known_tables={"raw.a"})


# --- order --------------------------------------------------------------------------------------


def test_order_is_a_dependency_order(tmp_path: Path) -> None:
    # File names are chosen so that alphabetical order is NOT a valid order.
    marts_header = "-- Mart.\n-- grain: one row per code\n-- columns:\n--   code: the code\n"
    write_model(tmp_path, "marts", "a_summary", "select * from marts.z_detail", marts_header)
    write_model(
        tmp_path,
        "marts",
        "z_detail",
        "select i.code from intermediate.int_joined as i join staging.stg_b as b using (code)",
        marts_header,
    )
    write_model(
        tmp_path,
        "intermediate",
        "int_joined",
        "select a.code from staging.stg_z as a join staging.stg_b as b using (code)",
    )
    write_model(tmp_path, "staging", "stg_b", "select code from raw.b")
    write_model(tmp_path, "staging", "stg_z", "select code from raw.a")
    models = load_models(tmp_path, known_tables={"raw.a", "raw.b"})
    order = [m.table for m in models]
    assert sorted(order) == sorted(
        [
            "marts.a_summary",
            "marts.z_detail",
            "intermediate.int_joined",
            "staging.stg_b",
            "staging.stg_z",
        ]
    )
    position = {table: i for i, table in enumerate(order)}
    for model in models:
        for dep in model.deps:
            if dep in position:
                assert position[dep] < position[model.table], (dep, model.table, order)
    assert _by_table(models)["marts.a_summary"].deps == frozenset({"marts.z_detail"})
    assert _by_table(models)["intermediate.int_joined"].deps == frozenset(
        {"staging.stg_z", "staging.stg_b"}
    )


# --- header -------------------------------------------------------------------------------------


def test_header_parsing(tmp_path: Path) -> None:
    header = """\
-- Services per commune and millésime, with the population
-- used as denominator.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: edition of the BPE
--   code_commune: commune code in the target COG
--     (arrondissements mapped to their commune)
--   pour_10000_hab: nb_equipements per 10,000 inhabitants
"""
    write_model(
        tmp_path,
        "marts",
        "services__density",
        "select 2024 as millesime, '01001' as code_commune, 1.5 as pour_10000_hab",
        header,
    )
    (model,) = load_models(tmp_path, known_tables=set())
    assert model.description == (
        "Services per commune and millésime, with the population used as denominator."
    )
    assert model.grain == "one row per millesime x code_commune"
    assert dict(model.columns) == {
        "millesime": "edition of the BPE",
        "code_commune": "commune code in the target COG (arrondissements mapped to their commune)",
        "pour_10000_hab": "nb_equipements per 10,000 inhabitants",
    }
    assert model.schema == "marts"
    assert model.name == "services__density"
    assert model.table == "marts.services__density"


def test_real_models_load() -> None:
    """The repository's own models load against the raw tables of the catalog."""
    from observatory.catalog import load_catalog
    from observatory.ingest import territoires
    from observatory.models.project import NON_ASSET_TABLES
    from observatory.models.seeds import load_seeds

    repository = Path(__file__).resolve().parent.parent
    catalog = load_catalog(repository / "assets")
    root = repository / "dbt_like_sql"
    layers = ("staging", "intermediate", "quarantine", "marts")
    files = [p for p in sorted(root.glob("*/*.sql")) if p.parent.name in layers]

    known = {*catalog.by_table(), territoires.TABLE, *NON_ASSET_TABLES}
    known |= {seed.table for seed in load_seeds(root)}
    models = load_models(root, known_tables=known)
    assert len(models) == len(files)
    for model in models:
        assert model.grain and model.description, model.path


# --- run_model ----------------------------------------------------------------------------------


RAW_ROWS = [("01001", "779"), ("2A004", "72647"), ("97101", "52948"), ("01002", None)]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for schema in ("raw", "staging", "intermediate", "marts"):
        connection.execute(f"create schema {schema}")
    connection.execute("create table raw.pop (com varchar, pmun varchar)")
    connection.executemany("insert into raw.pop values (?, ?)", RAW_ROWS)
    return connection


def test_run_model_builds_table_with_comments(tmp_path: Path, con: duckdb.DuckDBPyConnection):
    header = """\
-- Populations per commune (l'INSEE's "populations municipales").
-- grain: one row per code_commune
-- columns:
--   code_commune: commune code
--   population: population municipale,
--     as an integer
"""
    write_model(
        tmp_path,
        "staging",
        "stg_pop",
        "select p.com as code_commune, cast(p.pmun as bigint) as population\n"
        "from raw.pop as p\nwhere p.pmun is not null\n",
        header,
    )
    (model,) = load_models(tmp_path, known_tables={"raw.pop"})
    described = run_model(con, model)

    expected = sorted((code, int(pop)) for code, pop in RAW_ROWS if pop is not None)
    rows = con.execute("select * from staging.stg_pop order by code_commune").fetchall()
    assert rows == expected
    assert described.rows == len(expected) == 3

    (comment,) = con.execute(
        "select comment from duckdb_tables() where schema_name = 'staging' "
        "and table_name = 'stg_pop'"
    ).fetchone()
    assert "l'INSEE's" in comment
    assert "Populations per commune" in comment
    assert "one row per code_commune" in comment
    columns = dict(
        con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'staging' "
            "and table_name = 'stg_pop'"
        ).fetchall()
    )
    assert columns == {
        "code_commune": "commune code",
        "population": "population municipale, as an integer",
    }
    assert [(name, type_) for name, type_, _text in described.columns] == [
        ("code_commune", "varchar"),
        ("population", "bigint"),
    ]
    assert described.undocumented == []
    # The Dagster UI shows the same description as materialization metadata.
    metadata = table_metadata(described)
    assert metadata["dagster/row_count"] == 3
    schema = metadata["dagster/column_schema"]
    assert [(c.name, c.description) for c in schema.columns] == [
        ("code_commune", "commune code"),
        ("population", "population municipale, as an integer"),
    ]
    assert metadata["undocumented_columns"] == "none"


def test_run_model_rebuilds_on_second_run(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    write_model(tmp_path, "staging", "stg_pop", "select p.com as code from raw.pop as p")
    (model,) = load_models(tmp_path, known_tables={"raw.pop"})
    run_model(con, model)
    con.execute("insert into raw.pop values ('01003', '5')")
    assert run_model(con, model).rows == len(RAW_ROWS) + 1
    (count,) = con.execute("select count(*) from staging.stg_pop").fetchone()
    assert count == len(RAW_ROWS) + 1


def test_staging_model_may_leave_columns_undocumented(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    write_model(
        tmp_path, "staging", "stg_pop", "select p.com as code, p.pmun as extra from raw.pop as p"
    )
    (model,) = load_models(tmp_path, known_tables={"raw.pop"})
    assert run_model(con, model).undocumented == ["extra"]


def test_marts_model_with_undocumented_column(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    path = write_model(
        tmp_path,
        "marts",
        "pop__commune",
        "select p.com as code, p.pmun as pmun_brute from raw.pop as p",
    )
    (model,) = load_models(tmp_path, known_tables={"raw.pop"})
    with pytest.raises(ModelError) as info:
        run_model(con, model)
    message = str(info.value)
    assert str(path) in message
    assert re.search(r"\bpmun_brute\b", message)
    assert not re.search(r"\bcode\b", message.split(":")[-1])  # the documented one is not listed
