"""A real PostgreSQL server for the deployment tests: Debian's package, a throwaway cluster.

The server runs from a temporary folder on 127.0.0.1 (a free port, its socket in the folder),
with password authentication, so the production dagster.yaml is exercised as in production:
host, port, database, user and password all come from the environment. initdb refuses to run
as root, so as root the cluster belongs to Debian's `postgres` user. Everything started here is
stopped, and the folder removed, when the context ends.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 60


class PostgresMissing(RuntimeError):
    """Debian's PostgreSQL server package is not installed: the tests that need it skip."""


@dataclass(frozen=True)
class Postgres:
    """Where the server listens and the one database, user and password it was made with."""

    host: str
    port: int
    database: str
    user: str
    password: str

    def environment(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_DB": self.database,
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
        }

    def query(self, sql: str, *args: object) -> list[tuple]:
        import psycopg2

        with (
            contextlib.closing(
                psycopg2.connect(
                    host=self.host,
                    port=self.port,
                    dbname=self.database,
                    user=self.user,
                    password=self.password,
                )
            ) as con,
            con.cursor() as cursor,
        ):
            cursor.execute(sql, args)
            return cursor.fetchall()


def libpq_environment(server: Postgres) -> dict[str, str]:
    """The same database for PostgreSQL's own tools (pg_dump, psql)."""
    return {
        "PGHOST": server.host,
        "PGPORT": str(server.port),
        "PGDATABASE": server.database,
        "PGUSER": server.user,
        "PGPASSWORD": server.password,
    }


def server_bin() -> Path:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if versions:
        return versions[-1].parent
    raise PostgresMissing("PostgreSQL server is not installed (apt-get install -y postgresql)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """Run as `postgres` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise PostgresMissing("running as root needs runuser to start PostgreSQL as `postgres`")
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def postgres_server(database: str = "dagster", user: str = "dagster") -> Iterator[Postgres]:
    """A PostgreSQL cluster in a temporary folder, up for the duration of the context."""
    bin_dir = server_bin()
    folder = Path(tempfile.mkdtemp(prefix="observatory-pg-"))
    data, sockets = folder / "data", folder / "socket"
    sockets.mkdir()
    password = secrets.token_urlsafe(18)
    password_file = folder / "password"
    password_file.write_text(password, encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
        shutil.chown(password_file, "postgres")
    port = free_port()
    started = False
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "initdb"),
                    f"--pgdata={data}",
                    f"--username={user}",
                    f"--pwfile={password_file}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "pg_ctl"),
                    f"--pgdata={data}",
                    f"--log={folder / 'server.log'}",
                    f"--options={options}",
                    "--wait",
                    f"--timeout={START_TIMEOUT_S}",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S + 5,
        )
        started = True
        server = Postgres("127.0.0.1", port, "postgres", user, password)
        server.query("select 1")
        _create_database(server, database)
        yield Postgres("127.0.0.1", port, database, user, password)
    finally:
        if started:
            subprocess.run(
                _as_owner([str(bin_dir / "pg_ctl"), f"--pgdata={data}", "--mode=fast", "stop"]),
                capture_output=True,
                timeout=START_TIMEOUT_S,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _create_database(server: Postgres, database: str) -> None:
    import psycopg2

    con = psycopg2.connect(
        host=server.host,
        port=server.port,
        dbname=server.database,
        user=server.user,
        password=server.password,
    )
    try:
        con.autocommit = True
        with con.cursor() as cursor:
            cursor.execute(f'create database "{database}"')
    finally:
        con.close()
