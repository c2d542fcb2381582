"""The Dagster instance (DAGSTER_HOME) the command line and the UI share.

The CLI and the UI use the same DAGSTER_HOME (under OBSERVATORY_HOME unless set), so a build run
from the command line with `--record` shows up in the UI's run history, and the `duckdb_writer`
pool is limited to one step at a time in both.
"""

from __future__ import annotations

import os
from pathlib import Path

from observatory.defs.resources import WRITER_POOL
from observatory.settings import Settings

DAGSTER_YAML = f"""\
# Written by the observatory (observatory/defs/instance.py); edit freely, it is not overwritten.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1   # the {WRITER_POOL} pool: one warehouse writer at a time
freshness:
  enabled: true        # evaluate the freshness policies of the ingestion assets
"""


def ensure_dagster_home(settings: Settings) -> Path:
    """Point DAGSTER_HOME at the observatory's folder (unless already set) and configure it."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
