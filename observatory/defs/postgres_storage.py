"""The production instance's event log in PostgreSQL, over a pool of connections.

dagster-postgres opens a new database connection for every statement (SQLAlchemy's NullPool),
so that no process holds connections it does not use. A refresh stores about 1,400 events (one
per step, asset and check, and the planned ones), each costing about three statements (the
event, its check or asset index row, a look at the schema): on the bundled sample, 5,937
connections, each a server process forked and a SCRAM handshake. Measured on this project's
CI-like machine, `refresh_everything` took 87 s with the stock storage against 18 s in memory.

This class is dagster-postgres's own event log storage with the engine the Dagster webserver
already gives it (`optimize_for_webserver`: one kept connection, autocommit), in every process:
the daemon, the webserver and each run. A run then reuses one connection for all its events.
Runs and schedules stay on dagster-postgres's classes (a few statements per run or tick).
deploy/dagster.yaml names it; nothing else imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster._serdes import ConfigurableClassData
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import (
    create_pg_engine,
    get_token_provider_from_config,
    pg_url_from_config,
)

POOL_RECYCLE_S = 3600
"""A kept connection is replaced after an hour (the daemon runs for months)."""
MAX_OVERFLOW = 4
"""Connections opened beyond the kept one when threads write at once (the webserver, sensors),
closed when returned."""


class PooledPostgresEventLogStorage(PostgresEventLogStorage):
    """PostgresEventLogStorage whose connections are pooled (one kept, a few more on demand)."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
    ) -> None:
        super().__init__(postgres_url, should_autocreate_tables, inst_data, token_provider)
        self._engine.dispose()
        self._engine = create_pg_engine(
            self.postgres_url,
            self._token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=MAX_OVERFLOW,
            pool_recycle=POOL_RECYCLE_S,
            pool_pre_ping=True,
        )

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledPostgresEventLogStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
