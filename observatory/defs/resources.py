"""The Dagster resource that carries the observatory's settings into every asset and check.

Settings come from environment variables (see `settings.py`); every field can also be set in a
run's config (e.g. `source: live` for one refresh from the launchpad). A field left empty keeps
the environment's value, read when the run starts.
"""

import dataclasses
from pathlib import Path

import dagster as dg

from observatory.settings import Settings, load_settings

WRITER_POOL = "duckdb_writer"
"""Every step that writes the working warehouse runs in this pool, limited to one at a time."""


class ObservatoryResource(dg.ConfigurableResource):
    """Where the warehouse lives, where inputs come from, and the download limits."""

    home: str | None = None
    source: str | None = None
    mirror_url: str | None = None
    catalog_dir: str | None = None
    sql_dir: str | None = None
    http_timeout_s: float | None = None
    http_retries: int | None = None
    http_backoff_s: float | None = None
    max_download_bytes: int | None = None
    max_member_bytes: int | None = None
    max_compression_ratio: float | None = None
    writer_lock_timeout_s: float | None = None
    query_timeout_s: float | None = None
    published_editions_kept: int | None = None
    cog_millesime: int | None = None
    custom_territories: str | None = None
    alert_webhook_url: str | None = None
    dagster_url: str | None = None
    duckdb_memory_limit: str | None = None

    @classmethod
    def pinned(cls, settings: Settings) -> "ObservatoryResource":
        """A resource that reproduces `settings` exactly (CLI runs, tests)."""
        values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
        return cls(**{k: str(v) if isinstance(v, Path) else v for k, v in values.items()})

    def settings(self) -> Settings:
        overrides = {f.name: getattr(self, f.name) for f in dataclasses.fields(Settings)}
        return load_settings().with_overrides(**overrides)
