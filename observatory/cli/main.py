"""The `observatory` parser and entry point.

Every failure the user can fix (unknown dataset, missing file, wrong format, bad setting) ends
with one line on stderr starting with `error:` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from observatory.build import ENGINE_ERRORS
from observatory.cli.analyst import ANALYST_ERRORS
from observatory.cli.analyst import add_commands as add_analyst_commands
from observatory.cli.building import cmd_build, cmd_dev, cmd_validate
from observatory.cli.editions import cmd_editions, cmd_rollback
from observatory.cli.query import QueryError, cmd_query
from observatory.cli.sources import (
    cmd_datasets,
    cmd_forget,
    cmd_ingest,
    cmd_sources,
    cmd_status,
)
from observatory.settings import load_settings
from observatory.warehouse import QueryTimeoutError, cause_of

USER_ERRORS = (QueryError, QueryTimeoutError, *ENGINE_ERRORS, *ANALYST_ERRORS)


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="observatory",
        description="Service density and practitioner ageing per territory, from French open "
        "data, in DuckDB.",
    )
    main_parser.add_argument(
        "--source",
        choices=("sample", "live", "mirror", "local"),
        help="override OBSERVATORY_SOURCE for this command",
    )
    main_parser.add_argument("--home", help="override OBSERVATORY_HOME for this command")
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("datasets", help="list the catalog").set_defaults(run=cmd_datasets)
    ingest = commands.add_parser("ingest", help="ingest an official file downloaded by hand")
    ingest.add_argument("dataset", help="catalog id (see `observatory datasets`)")
    ingest.add_argument("--file", required=True, help="the file as published (zip or inner file)")
    ingest.add_argument("--millesime", type=int, help="edition year (inferred when unambiguous)")
    ingest.set_defaults(run=cmd_ingest)
    forget = commands.add_parser(
        "forget", help="remove an ingested edition (raw rows, records, kept file)"
    )
    forget.add_argument("dataset", help="catalog id (see `observatory datasets`)")
    forget.add_argument("--millesime", type=int, required=True, help="the edition to remove")
    forget.set_defaults(run=cmd_forget)
    sources = commands.add_parser(
        "sources",
        help="ask every source about its file without downloading it (status, size, validators, "
        "changed since ingested, moved)",
    )
    sources.add_argument("dataset", nargs="*", help="catalog ids (default: every dataset)")
    sources.add_argument(
        "--check",
        action="store_true",
        help="exit non-zero when the current (latest) edition of a dataset is unreachable",
    )
    sources.set_defaults(run=cmd_sources)
    build_parser = commands.add_parser("build", help="materialize assets and publish")
    build_parser.add_argument(
        "--select",
        help="Dagster asset selection, e.g. 'key:\"raw/insee__cog_communes\"+' (a source and "
        "all built from it), '+key:\"marts/population\"' (a table and all it needs), "
        "'group:services'",
    )
    build_parser.add_argument(
        "-v", "--verbose", action="store_true", help="show Dagster's step logs"
    )
    build_parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress: neither the bars of a terminal nor the line per step of a pipe",
    )
    build_parser.add_argument(
        "--record",
        action="store_true",
        help="record the run in the Dagster instance (DAGSTER_HOME) so `make dev` shows it",
    )
    build_parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every model even if its SQL and inputs are unchanged",
    )
    build_parser.add_argument(
        "--millesime",
        type=int,
        action="append",
        metavar="YYYY",
        help="backfill: ingest only this edition of the selected datasets (repeatable); the "
        "others keep their rows. E.g. --select 'key:\"raw/insee__populations_reference\"+' "
        "--millesime 2021",
    )
    build_parser.add_argument(
        "--force",
        action="store_true",
        help="download without the cached ETag/Last-Modified and reload the selected datasets' "
        "editions even when their file is unchanged",
    )
    build_parser.add_argument(
        "--timings", metavar="FILE", help="write each step's wall seconds as JSON (benchmarks)"
    )
    build_parser.set_defaults(run=cmd_build)
    commands.add_parser("status", help="what was ingested, from where, when").set_defaults(
        run=cmd_status
    )
    query = commands.add_parser("query", help="run a read-only SQL query on the published file")
    query.add_argument("sql", help="one SELECT (or DESCRIBE, SHOW)")
    query.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    query.set_defaults(run=cmd_query)
    add_analyst_commands(commands)  # tables, describe, profile, report, site
    commands.add_parser(
        "editions", help="list the published editions (the current one and those kept)"
    ).set_defaults(run=cmd_editions)
    rollback_parser = commands.add_parser(
        "rollback", help="make an earlier published edition current again"
    )
    rollback_parser.add_argument(
        "edition", nargs="?", help="edition id or its unique prefix (default: the previous one)"
    )
    rollback_parser.set_defaults(run=cmd_rollback)
    validate = commands.add_parser(
        "validate",
        help="run the validation suites on the working warehouse without building",
    )
    validate.add_argument(
        "target",
        nargs="?",
        help="a dataset id, a table (marts.population) or a schema (raw, marts); default all",
    )
    validate.add_argument("--all", action="store_true", help="list passed checks too")
    validate.set_defaults(run=cmd_validate)
    dev = commands.add_parser("dev", help="start the Dagster UI")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(run=cmd_dev)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    home: Path | None = Path(args.home) if args.home else None
    try:
        settings = load_settings().with_overrides(source=args.source, home=args.home)
        home = settings.home
        return int(args.run(settings, args))
    except USER_ERRORS as exc:
        cause = cause_of(exc, home)  # a file not found because the disk was full, say
        print(f"error: {cause or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output left (`observatory status | head -1`): stop quietly, and
        # send what Python still flushes at exit nowhere (as Python's documentation of SIGPIPE
        # recommends).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        cause = cause_of(exc, home)  # a full disk, a read-only home, under whatever failed
        if cause is None:
            raise
        print(f"error: {cause}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
