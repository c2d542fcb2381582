"""One settings object, read from environment variables at run time (never at import time).

Every other module receives a `Settings` instead of reading the environment itself, so a test, the
CLI and a Dagster run configure the observatory the same way and nothing is frozen at import.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

SOURCE_MODES = ("sample", "live", "mirror", "local")
"""`sample`: bundled files only; `live`: official URLs; `mirror`: official host and path under
OBSERVATORY_MIRROR_URL; `local`: nothing downloaded, only files ingested by hand."""

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
"""The clone's top folder when the package runs from a clone (`uv sync`'s editable install, `uv
run`); in an installed wheel it is site-packages, which holds none of the project's folders."""

PACKAGED_DATA = "_data"
"""The package's folder holding, in a built wheel, copies of the repository's top-level `assets/`
and `dbt_like_sql/` (pyproject.toml, `[tool.hatch.build.targets.wheel.force-include]`): the
layout keeps them at the top of the repository, an installed `observatory` needs them too."""

APP_NAME = "shared-services-observatory"
"""The folder name of the default home outside a clone (the distribution's name: `observatory`
alone is too generic a name for a folder in a user's data directory)."""


class SettingsError(ValueError):
    """A setting has a value the observatory cannot use."""


def running_from_clone() -> bool:
    """Whether the package is the one of a clone, whose `assets/` and `dbt_like_sql/` it uses.

    A clone's files win over the packaged copies so that editing a model or a catalog entry in
    a clone takes effect at once, with no reinstall; pyproject.toml is checked too so that a
    stray `assets/` folder beside an installed package is never mistaken for the catalog."""
    return all(
        (REPOSITORY_ROOT / name).exists() for name in ("pyproject.toml", "assets", "dbt_like_sql")
    )


def project_dir(name: str) -> Path:
    """`assets` or `dbt_like_sql`: the clone's folder, or else the copy the wheel installed.

    The packaged copy is found through importlib.resources, not a path relative to this file,
    so it is wherever the installer put the package. Every installer (pip, uv) unpacks a wheel
    on disk, so the copy is a real folder that DuckDB and glob can read."""
    if running_from_clone():
        return REPOSITORY_ROOT / name
    packaged = files("observatory").joinpath(PACKAGED_DATA, name)
    if not isinstance(packaged, Path) or not packaged.is_dir():
        raise SettingsError(
            f"the package's {name}/ folder is missing ({packaged}): reinstall "
            f"{APP_NAME} from its wheel, or set OBSERVATORY_"
            f"{'CATALOG' if name == 'assets' else 'SQL'}_DIR"
        )
    return packaged


def default_catalog_dir() -> Path:
    """The catalog (`assets/**/*.yaml`) and the bundled sample (`assets/sample/`)."""
    return project_dir("assets")


def default_sql_dir() -> Path:
    """The SQL: models, tests, macros, seeds and the analysts' queries."""
    return project_dir("dbt_like_sql")


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """Where the data goes when OBSERVATORY_HOME is not set.

    In a clone, `./data` (git-ignored), beside the code being worked on. Installed, the user's
    data folder (`$XDG_DATA_HOME/shared-services-observatory`, by default
    `~/.local/share/shared-services-observatory`; `~/Library/Application Support/...` on macOS,
    `%LOCALAPPDATA%\\...` on Windows): a `./data` relative to wherever the command is run would
    scatter warehouses and leave `observatory query` unable to find the one just built."""
    env = os.environ if environ is None else environ
    if running_from_clone():
        return Path("data")
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


@dataclass(frozen=True)
class Settings:
    """Where the observatory keeps its files and how it obtains its inputs."""

    home: Path
    source: str = "sample"
    mirror_url: str | None = None
    catalog_dir: Path = field(default_factory=default_catalog_dir)
    sql_dir: Path = field(default_factory=default_sql_dir)
    http_timeout_s: float = 60.0
    http_retries: int = 4
    http_backoff_s: float = 1.0
    max_download_bytes: int = 4 * 1024**3
    max_member_bytes: int = 8 * 1024**3
    max_compression_ratio: float = 200.0
    writer_lock_timeout_s: float = 600.0
    query_timeout_s: float = 60.0
    """How long a read of the published file (`observatory query`, the analysts' commands) may
    run before it is interrupted."""
    published_editions_kept: int = 3
    cog_millesime: int | None = None
    custom_territories: Path | None = None
    alert_webhook_url: str | None = None
    """Where run failures are posted (a Slack, Mattermost or Teams incoming webhook, or any
    endpoint taking a JSON POST); none: nothing is sent."""
    dagster_url: str = "http://127.0.0.1:3000"
    """The Dagster UI's address, for the link to a failed run in an alert."""
    duckdb_memory_limit: str = "4GB"
    """DuckDB's buffer limit for the warehouse writer: past it, joins, aggregates and sorts
    spill to `<warehouse>.tmp` instead of growing (DuckDB's default is 80 % of the RAM, which
    a national build would otherwise take)."""

    def __post_init__(self) -> None:
        if self.source not in SOURCE_MODES:
            raise SettingsError(
                f"OBSERVATORY_SOURCE={self.source!r} is not a source mode; "
                f"expected one of {', '.join(SOURCE_MODES)}"
            )
        if self.source == "mirror" and not self.mirror_url:
            raise SettingsError(
                "OBSERVATORY_SOURCE=mirror needs OBSERVATORY_MIRROR_URL "
                "(e.g. https://mirror.example.org/opendata)"
            )
        if not re.fullmatch(r"\d+(\.\d+)?\s*(k|m|g|t)i?b", self.duckdb_memory_limit.lower()):
            raise SettingsError(
                f"OBSERVATORY_DUCKDB_MEMORY_LIMIT={self.duckdb_memory_limit!r} is not a size "
                "such as 4GB or 512MB"
            )
        if not self.query_timeout_s > 0:
            raise SettingsError(
                f"OBSERVATORY_QUERY_TIMEOUT_S={self.query_timeout_s:g} must be more than 0 "
                "(seconds a read of the published file may run)"
            )
        if self.published_editions_kept < 0:
            raise SettingsError(
                f"OBSERVATORY_PUBLISHED_EDITIONS_KEPT={self.published_editions_kept} must be 0 "
                "or more (previous editions kept besides the current one)"
            )

    # Paths derived from `home`: one place decides the layout of the data folder.
    @property
    def warehouse_dir(self) -> Path:
        """The bundled sample gets a warehouse of its own, so invented communes never share a
        file with real data: `<home>/sample/` in sample mode, `<home>/` in every other mode."""
        return self.home / "sample" if self.source == "sample" else self.home

    @property
    def warehouse_path(self) -> Path:
        """The working warehouse: the single writer builds and audits here."""
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def published_path(self) -> Path:
        """What analysts and dashboards open, read-only; replaced atomically."""
        return self.published_dir / "observatory.duckdb"

    @property
    def download_dir(self) -> Path:
        return self.home / "downloads"

    @property
    def manual_dir(self) -> Path:
        """Files ingested by hand (`observatory ingest --file`), one folder per millésime."""
        return self.home / "manual"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (Dagster run config, CLI flags); None means keep."""
        kept = {k: v for k, v in changes.items() if v is not None}
        for name in ("home", "catalog_dir", "sql_dir", "custom_territories"):
            if name in kept:
                kept[name] = Path(str(kept[name])).expanduser().resolve()
        return replace(self, **kept)  # type: ignore[arg-type]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment (or a given mapping, for tests)."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float) -> float:
        raw = env.get(name)
        if raw is None or raw == "":
            return default
        try:
            return float(raw)
        except ValueError as exc:
            raise SettingsError(f"{name}={raw!r} is not a number") from exc

    home = Path(env.get("OBSERVATORY_HOME") or default_home(env)).expanduser().resolve()
    custom = env.get("OBSERVATORY_CUSTOM_TERRITORIES")
    cog = env.get("OBSERVATORY_COG_MILLESIME")
    if cog and not cog.strip().isdigit():
        raise SettingsError(f"OBSERVATORY_COG_MILLESIME={cog!r} is not a year")
    catalog_dir = Path(env.get("OBSERVATORY_CATALOG_DIR") or default_catalog_dir())
    sql_dir = Path(env.get("OBSERVATORY_SQL_DIR") or default_sql_dir())
    return Settings(
        home=home,
        source=(env.get("OBSERVATORY_SOURCE") or "sample").strip().lower(),
        mirror_url=(env.get("OBSERVATORY_MIRROR_URL") or None),
        catalog_dir=catalog_dir.expanduser().resolve(),
        sql_dir=sql_dir.expanduser().resolve(),
        http_timeout_s=number("OBSERVATORY_HTTP_TIMEOUT_S", 60.0),
        http_retries=int(number("OBSERVATORY_HTTP_RETRIES", 4)),
        http_backoff_s=number("OBSERVATORY_HTTP_BACKOFF_S", 1.0),
        max_download_bytes=int(number("OBSERVATORY_MAX_DOWNLOAD_BYTES", 4 * 1024**3)),
        max_member_bytes=int(number("OBSERVATORY_MAX_MEMBER_BYTES", 8 * 1024**3)),
        writer_lock_timeout_s=number("OBSERVATORY_WRITER_LOCK_TIMEOUT_S", 600.0),
        query_timeout_s=number("OBSERVATORY_QUERY_TIMEOUT_S", 60.0),
        published_editions_kept=int(number("OBSERVATORY_PUBLISHED_EDITIONS_KEPT", 3)),
        cog_millesime=int(cog) if cog else None,
        custom_territories=Path(custom).expanduser().resolve() if custom else None,
        alert_webhook_url=(env.get("OBSERVATORY_ALERT_WEBHOOK_URL") or "").strip() or None,
        dagster_url=(env.get("OBSERVATORY_DAGSTER_URL") or "http://127.0.0.1:3000").rstrip("/"),
        duckdb_memory_limit=(env.get("OBSERVATORY_DUCKDB_MEMORY_LIMIT") or "4GB").strip(),
    )
