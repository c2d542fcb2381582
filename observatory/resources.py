"""The Dagster resource that carries the observatory's settings into every asset and check.

Settings come from environment variables (see `settings.py`); the resource lets a run override
them from the launchpad (e.g. `source: live` for one refresh) without touching the environment.
"""

import dagster as dg

from observatory.settings import Settings, load_settings

WRITER_POOL = "duckdb_writer"
"""Every step that writes the working warehouse runs in this pool, limited to one at a time."""


class ObservatoryResource(dg.ConfigurableResource):
    """Where the warehouse lives and where inputs come from; None keeps the environment's value."""

    home: str | None = None
    source: str | None = None
    mirror_url: str | None = None

    def settings(self) -> Settings:
        return load_settings().with_overrides(
            home=self.home, source=self.source, mirror_url=self.mirror_url
        )
