"""The Dagster code location: loads offline, validates, and has the asset graph the files imply.

Expectations come from the catalog YAML and the SQL files themselves (read here with plain yaml and
a regex), not from the code that builds the definitions.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import dagster as dg
import pytest
import yaml

from observatory.catalog import load_catalog
from observatory.defs import assemble as build_definitions
from observatory.models.graph import NOT_MODELS
from tests.conftest import REPOSITORY, make_settings

SQL_DIR = REPOSITORY / "dbt_like_sql"
CATALOG_DIR = REPOSITORY / "assets"
PUBLISHED = dg.AssetKey(["published", "observatory"])


def _no_network(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("definitions must load without network access")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("definitions_home")
    return build_definitions(make_settings(home)).resolve_asset_graph()


def catalog_yaml() -> dict[str, dict]:
    entries = {}
    for path in sorted(CATALOG_DIR.glob("*/*.yaml")):
        if path.parent.name != "sample":
            entry = yaml.safe_load(path.read_text(encoding="utf-8"))
            entries[entry["id"]] = entry
    return entries


def raw_key(entry: dict) -> dg.AssetKey:
    return dg.AssetKey(entry["target_table"].split("."))


def sql_files() -> list[Path]:
    """Model files: `dbt_like_sql/<layer>/<name>.sql` (`tests/` holds checks, `macros/` macros,
    `analysis/` the analysts' queries on the published file: none of them is a model)."""
    return sorted(p for p in SQL_DIR.glob("*/*.sql") if p.parent.name not in NOT_MODELS)


def model_key(path: Path) -> dg.AssetKey:
    return dg.AssetKey([path.parent.name, path.stem])


def referenced_tables(path: Path) -> set[str]:
    """Schema-qualified tables after FROM or JOIN in a model's SQL (comments removed).

    `meta.*` tables are the build's own bookkeeping (meta.ingestions, run parameters), not
    assets, so they are not dependencies.
    """
    sql = "\n".join(
        line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()
    )
    pattern = (
        r"\b(?:from|join)\s+(raw|seeds|staging|intermediate|quarantine|marts)\.([a-z_][a-z0-9_]*)\b"
    )
    return {f"{schema}.{name}" for schema, name in re.findall(pattern, sql, flags=re.IGNORECASE)}


def value(metadata_value: object) -> object:
    return getattr(metadata_value, "value", metadata_value)


# --- loading ------------------------------------------------------------------------------------


def test_definitions_load_with_no_network(tmp_path: Path, offline: None) -> None:
    with pytest.raises(AssertionError, match="without network"):
        socket.create_connection(("127.0.0.1", 9))  # the guard is in place
    definitions = build_definitions(make_settings(tmp_path / "home"))
    graph = definitions.resolve_asset_graph()
    assert graph.get_all_asset_keys()
    assert not (tmp_path / "home").exists(), "building definitions created the home folder"


def test_importing_the_code_location_touches_neither_network_nor_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    cwd = tmp_path / "cwd"  # the default OBSERVATORY_HOME is `data` under the working directory
    cwd.mkdir()
    monkeypatch.setenv("OBSERVATORY_HOME", str(home))
    monkeypatch.chdir(cwd)
    module = importlib.reload(importlib.import_module("observatory.definitions"))
    assert type(module.defs).__name__ == "LazyDefinitions"  # what @dg.definitions returns
    definitions = module.defs()
    assert isinstance(definitions, dg.Definitions)
    keys = definitions.resolve_asset_graph().get_all_asset_keys()
    assert PUBLISHED in keys
    assert list(home.iterdir()) == []
    assert list(cwd.iterdir()) == []


def test_fresh_interpreter_import_is_offline_and_writes_nothing(tmp_path: Path) -> None:
    """The same in a new process, so the first import of every module is covered."""
    home, cwd, dagster_home = tmp_path / "home", tmp_path / "cwd", tmp_path / "dagster"
    for folder in (home, cwd, dagster_home):
        folder.mkdir()
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise SystemExit('network access while loading definitions')\n"
        "socket.socket.connect = refuse\n"
        "socket.socket.connect_ex = refuse\n"
        "socket.create_connection = refuse\n"
        "import observatory.definitions as d\n"
        "graph = d.defs().resolve_asset_graph()\n"
        "print(len(graph.get_all_asset_keys()))\n"
    )
    env = {
        **os.environ,
        "OBSERVATORY_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout.strip()) > 0
    assert list(home.iterdir()) == []
    assert list(cwd.iterdir()) == []


def test_dagster_definitions_validate_succeeds(tmp_path: Path) -> None:
    venv_dagster = REPOSITORY / ".venv" / "bin" / "dagster"
    executable = str(venv_dagster) if venv_dagster.exists() else shutil.which("dagster")
    assert executable, "the dagster command is not installed"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "OBSERVATORY_HOME": str(home),
    }
    (tmp_path / "dagster").mkdir()
    result = subprocess.run(
        [executable, "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Validation successful for code location observatory.definitions" in output
    assert "All code locations passed validation" in output
    assert list(home.iterdir()) == []


def test_workspace_loads_the_definitions_module() -> None:
    workspace = yaml.safe_load((REPOSITORY / "workspace.yaml").read_text(encoding="utf-8"))
    modules = [entry["python_module"]["module_name"] for entry in workspace["load_from"]]
    assert modules == ["observatory.definitions"]
    module = importlib.import_module("observatory.definitions")
    assert type(module.defs).__name__ == "LazyDefinitions"  # what @dg.definitions returns


# --- assets: descriptions, groups, owners, metadata ---------------------------------------------


def test_every_asset_has_a_description_and_a_group(graph) -> None:
    keys = graph.get_all_asset_keys()
    assert keys
    for key in keys:
        node = graph.get(key)
        assert (node.description or "").strip(), key
        assert node.group_name and node.group_name != "default", key


def test_every_catalog_dataset_has_its_ingestion_asset(graph) -> None:
    raw = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert {raw_key(e) for e in catalog_yaml().values()} <= raw


def test_every_ingestion_asset_has_a_team_owner(graph) -> None:
    raw = [k for k in graph.get_all_asset_keys() if k.path[0] == "raw"]
    assert raw
    for key in raw:
        owners = graph.get(key).owners
        assert owners and all(o.startswith("team:") for o in owners), (key, owners)


def test_ingestion_assets_carry_owner_licence_and_source(graph) -> None:
    yaml_entries = catalog_yaml()
    catalog = load_catalog(CATALOG_DIR)
    assert {d.id for d in catalog} == set(yaml_entries)
    for dataset_id, entry in yaml_entries.items():
        node = graph.get(raw_key(entry))
        owners = node.owners
        assert owners, dataset_id
        assert all(o.startswith("team:") for o in owners), owners
        assert owners == [entry.get("owner", "team:observatory")]
        metadata = node.metadata
        assert value(metadata["licence"]) == entry["licence"]
        assert value(metadata["landing_page"]) == entry["landing_page"]
        latest = max(entry["millesimes"], key=lambda m: m["millesime"])
        assert value(metadata["source_url"]) == latest["url"]
        assert node.group_name == entry["group"]
        # the typed catalog says the same
        dataset = catalog.get(dataset_id)
        assert value(metadata["licence"]) == dataset.licence
        assert value(metadata["landing_page"]) == dataset.landing_page
        newest = max(dataset.millesimes, key=lambda m: m.millesime)
        assert value(metadata["source_url"]) == newest.url


# --- the asset graph ----------------------------------------------------------------------------


def test_each_sql_model_depends_on_exactly_the_tables_its_sql_names(graph) -> None:
    files = sql_files()
    assert any(p.parent.name == "staging" for p in files)
    assert any(referenced_tables(p) for p in files)
    keys = graph.get_all_asset_keys()
    for path in files:
        node = graph.get(model_key(path))
        expected = {dg.AssetKey(t.split(".")) for t in referenced_tables(path)}
        assert set(node.parent_keys) == expected, path
        assert expected <= keys, path  # every table read is an asset of the graph


def test_staging_models_read_raw_tables_only(graph) -> None:
    catalog_tables = {e["target_table"] for e in catalog_yaml().values()}
    read = set()
    for path in sorted((SQL_DIR / "staging").glob("*.sql")):
        references = referenced_tables(path)
        raw = {t for t in references if t.startswith("raw.")}
        assert raw and raw == references, path
        node = graph.get(dg.AssetKey(["staging", path.stem]))
        assert {".".join(k.path) for k in node.parent_keys} == raw
        read |= raw
    assert catalog_tables <= read, "a catalog dataset has no staging model"


def test_published_depends_on_every_raw_and_sql_asset(graph) -> None:
    parents = set(graph.get(PUBLISHED).parent_keys)
    assert {raw_key(e) for e in catalog_yaml().values()} <= parents
    assert {model_key(p) for p in sql_files()} <= parents
    raw = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert raw <= parents
    # nothing is left out of the publication, and nothing comes after it
    assert parents == graph.get_all_asset_keys() - {PUBLISHED}
    assert not any(PUBLISHED in graph.get(k).parent_keys for k in graph.get_all_asset_keys())


def test_asset_graph_has_no_cycle(graph) -> None:
    keys = graph.get_all_asset_keys()
    dependencies = {k: set(graph.get(k).parent_keys) for k in keys}
    try:
        order = list(TopologicalSorter(dependencies).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        pytest.fail(f"cycle in the asset graph: {exc.args[1]}")
    assert set(order) == keys
    assert order[-1] == PUBLISHED


# --- asset checks -------------------------------------------------------------------------------


def test_declared_catalog_checks_are_blocking_asset_checks(graph) -> None:
    """One asset check per declared expectation: `<column>_not_null`, `<column>_format`,
    `grain_unique`, and the drift ones; blocking unless declared `severity: warn`."""
    entries = catalog_yaml()
    assert any(e.get("checks") for e in entries.values())
    by_asset: dict[dg.AssetKey, set[str]] = {}
    for check_key in graph.asset_check_keys:
        by_asset.setdefault(check_key.asset_key, set()).add(check_key.name)
    for dataset_id, entry in entries.items():
        checks = entry.get("checks") or {}
        declared = {f"{c}_not_null" for c in checks.get("not_null", [])}
        declared |= {f"{c}_format" for c in checks.get("matches", {})}
        declared |= {"grain_unique"} if checks.get("unique") else set()
        drift = checks.get("drift") or {}
        declared |= {"drift_rows"} if drift else set()
        declared |= {f"drift_keys_{c}" for c in drift.get("keys", [])}
        declared |= {f"drift_sum_{c}" for c in drift.get("sums", {})}
        present = by_asset.get(raw_key(entry), set())
        assert declared <= present, (dataset_id, declared - present)
        assert "columns_present" in present, dataset_id
        for name in declared:
            spec = graph.get_check_spec(dg.AssetCheckKey(raw_key(entry), name))
            warned = name.startswith("drift") and drift.get("severity") == "warn"
            assert spec.blocking == (not warned), (dataset_id, name)
