"""An installed `observatory` works outside the repository (issue 18, part 4).

The catalog, the SQL and the bundled sample live at the top of the repository; the wheel carries
them as package data (pyproject.toml, `force-include`) and observatory.settings finds them through
importlib.resources when there is no clone around the package. The end-to-end test builds the
wheel, installs it into a fresh virtual environment and runs the sample build and a query from a
folder outside the repository, with no OBSERVATORY_* variable, so the default home is exercised
too.

Offline and fast: `uv build --wheel --offline` uses the build backend (hatchling) uv cached when
`make install` built the editable install; the dependencies are installed from uv.lock with
`uv sync --frozen --offline --no-install-project` into the new environment (the wheels `make
install` cached, hard-linked: under a second), then the wheel itself with `--no-deps`. Bytecode
is not compiled at install time (the Makefile asks uv to, which would cost half a minute here).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from observatory import settings as settings_module
from observatory.settings import (
    APP_NAME,
    SettingsError,
    default_home,
    load_settings,
    project_dir,
    running_from_clone,
)

REPOSITORY = Path(__file__).resolve().parent.parent


def _uv() -> str:
    """uv as the Makefile finds it: on PATH, or the copy `make install` bootstrapped."""
    found = shutil.which("uv") or str(REPOSITORY / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is not installed (make install bootstraps it)")
    return found


def _run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output}"
    return output


# --- where the files are: clone or package ------------------------------------------------------


def test_a_clone_uses_its_own_folders_and_data_home() -> None:
    """Editing a model in a clone takes effect without reinstalling: the clone's files win."""
    assert running_from_clone()
    assert project_dir("assets") == REPOSITORY / "assets"
    assert project_dir("dbt_like_sql") == REPOSITORY / "dbt_like_sql"
    assert default_home({}) == Path("data")
    settings = load_settings({})
    assert settings.catalog_dir == REPOSITORY / "assets"
    assert settings.sql_dir == REPOSITORY / "dbt_like_sql"
    assert settings.home == Path("data").resolve()


def test_outside_a_clone_the_home_is_the_user_data_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(settings_module, "REPOSITORY_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(sys, "platform", "linux")
    assert not running_from_clone()
    assert default_home({"XDG_DATA_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / APP_NAME
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    assert default_home({}) == tmp_path / "me" / ".local" / "share" / APP_NAME
    # OBSERVATORY_HOME still wins
    explicit = {
        "OBSERVATORY_HOME": str(tmp_path / "h"),
        "OBSERVATORY_CATALOG_DIR": str(REPOSITORY / "assets"),
        "OBSERVATORY_SQL_DIR": str(REPOSITORY / "dbt_like_sql"),
    }
    assert load_settings(explicit).home == tmp_path / "h"


def test_a_stray_assets_folder_is_not_taken_for_a_clone(monkeypatch, tmp_path) -> None:
    """site-packages may hold an `assets/` of another distribution: without pyproject.toml and
    dbt_like_sql/ beside it, it is not a clone."""
    (tmp_path / "assets").mkdir()
    monkeypatch.setattr(settings_module, "REPOSITORY_ROOT", tmp_path)
    assert not running_from_clone()


def test_outside_a_clone_the_folders_come_from_the_package(monkeypatch, tmp_path) -> None:
    package = tmp_path / "observatory"
    (package / "_data" / "assets").mkdir(parents=True)
    monkeypatch.setattr(settings_module, "REPOSITORY_ROOT", tmp_path)
    monkeypatch.setattr(settings_module, "files", lambda name: package)
    assert project_dir("assets") == package / "_data" / "assets"
    with pytest.raises(
        SettingsError, match=r"dbt_like_sql/ folder is missing.*OBSERVATORY_SQL_DIR"
    ):
        project_dir("dbt_like_sql")
    # an explicit folder needs no packaged copy
    explicit = load_settings({"OBSERVATORY_HOME": "h", "OBSERVATORY_SQL_DIR": str(tmp_path)})
    assert explicit.sql_dir == tmp_path


def test_the_sample_is_not_regenerated_inside_an_installed_package(
    monkeypatch, tmp_path, capsys
) -> None:
    from observatory.sample.__main__ import main

    package = tmp_path / "observatory"
    (package / "_data" / "assets").mkdir(parents=True)
    (package / "_data" / "dbt_like_sql").mkdir(parents=True)
    monkeypatch.setattr(settings_module, "REPOSITORY_ROOT", tmp_path)
    monkeypatch.setattr(settings_module, "files", lambda name: package)
    monkeypatch.setenv("OBSERVATORY_HOME", str(tmp_path / "home"))
    assert main([]) == 1
    assert "belongs to the installed package" in capsys.readouterr().err
    assert list((package / "_data" / "assets").iterdir()) == []


# --- the wheel, installed in a fresh environment -------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment holding the built wheel and the locked dependencies."""
    uv = _uv()
    root = tmp_path_factory.mktemp("install")
    env = {
        # the user's uv settings (UV_CACHE_DIR above all) are kept; not the current environment
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
        },
        "UV_COMPILE_BYTECODE": "0",
        "UV_PYTHON_DOWNLOADS": "never",
    }
    _run(
        [uv, "build", "--wheel", "--offline", "-q", "-o", str(root / "dist")],
        cwd=REPOSITORY,
        env=env,
    )
    (wheel,) = (root / "dist").glob("shared_services_observatory-*.whl")
    venv = root / "venv"
    _run([uv, "venv", "-q", "--python", sys.executable, str(venv)], cwd=root, env=env)
    _run(
        [uv, "sync", "-q", "--frozen", "--offline", "--no-dev", "--no-install-project"],
        cwd=REPOSITORY,
        env={**env, "UV_PROJECT_ENVIRONMENT": str(venv)},
    )
    _run(
        [uv, "pip", "install", "-q", "--offline", "--no-deps", "--python", str(venv), str(wheel)],
        cwd=root,
        env=env,
    )
    # the wheel's own requirements are met by what the lock installed
    _run([uv, "pip", "check", "--python", str(venv)], cwd=root, env=env)
    return venv


@pytest.mark.slow
def test_the_installed_wheel_builds_and_queries_the_sample_outside_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    xdg = tmp_path / "xdg"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OBSERVATORY_", "VIRTUAL_ENV")) and k != "PYTHONPATH"
    }
    env.update({"XDG_DATA_HOME": str(xdg), "HOME": str(tmp_path), "DAGSTER_DISABLE_TELEMETRY": "1"})
    python, observatory = installed / "bin" / "python", installed / "bin" / "observatory"

    where = _run(
        [
            str(python),
            "-c",
            "import observatory, observatory.settings as s; "
            "print(observatory.__file__); print(s.running_from_clone()); "
            "print(s.default_catalog_dir()); print(s.default_sql_dir())",
        ],
        cwd=elsewhere,
        env=env,
    ).splitlines()
    site_packages = Path(where[0]).parent.parent
    assert site_packages.is_relative_to(installed), where  # not the clone's package
    assert where[1:] == [
        "False",
        str(site_packages / "observatory" / "_data" / "assets"),
        str(site_packages / "observatory" / "_data" / "dbt_like_sql"),
    ]

    built = _run([str(observatory), "build"], cwd=elsewhere, env=env)
    home = xdg / APP_NAME
    published = home / "sample" / "published" / "observatory.duckdb"
    assert f"published: {published}" in built, built
    checks = re.search(r"checks: (\d+) passed, (\d+) failed", built)
    assert checks and int(checks[1]) > 100 and checks[2] == "0", built
    assert "marts.population" in built and "marts.services__densite" in built
    assert list(elsewhere.iterdir()) == []  # nothing written where the command was run

    answer = _run(
        [str(observatory), "query", "select count(*) from marts.population"], cwd=elsewhere, env=env
    )
    printed = int(answer.split()[-1])
    with duckdb.connect(str(published), read_only=True) as con:
        (rows,) = con.execute("select count(*) from marts.population").fetchall()[0]
        levels = {
            r[0] for r in con.execute("select distinct niveau from marts.population").fetchall()
        }
        sources = [
            r[0] for r in con.execute("select distinct source from meta.ingestions").fetchall()
        ]
    assert printed == rows > 0
    assert {"commune", "departement", "france"} <= levels
    # every input was the sample shipped in the wheel
    sample = site_packages / "observatory" / "_data" / "assets" / "sample"
    assert sources and all(Path(s).is_relative_to(sample) for s in sources), sources
