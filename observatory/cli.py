"""`observatory ...`: the command line of data engineers (top floor: imports everything below).

Every failure the user can fix (unknown dataset, missing file, wrong format, bad setting) ends
with one line on stderr starting with `error:` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from observatory.analyst import ANALYST_ERRORS
from observatory.analyst import add_commands as add_analyst_commands
from observatory.catalog import CatalogError, load_catalog
from observatory.expectations import ExpectationError
from observatory.fetch import FetchError
from observatory.ingest import (
    IngestError,
    infer_millesime,
    ingest_asset_key,
    planned_inputs,
    register_manual_file,
)
from observatory.publish import PublicationError
from observatory.settings import REPOSITORY_ROOT, Settings, SettingsError, load_settings
from observatory.sql_models import ModelError, forget_states
from observatory.territories import CustomTerritoriesError
from observatory.validation import report_path, wait_for_warm_up
from observatory.warehouse import WarehouseBusyError, table_exists, writer

SQL_SCHEMAS = ("staging", "intermediate", "quarantine", "marts")


class QueryError(ValueError):
    """A query cannot run on the published warehouse."""


USER_ERRORS = (
    QueryError,
    CustomTerritoriesError,
    CatalogError,
    IngestError,
    SettingsError,
    FetchError,
    ModelError,
    ExpectationError,
    WarehouseBusyError,
    PublicationError,
    *ANALYST_ERRORS,
    FileNotFoundError,
)


def _cell(value: object) -> str:
    """Large integers grouped by thousands (French style); years and small numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}".replace(",", " ")
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table (numbers right-aligned)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int) for row in rows) and rows for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


# --- datasets / status ---------------------------------------------------------------------------


def cmd_datasets(settings: Settings, _args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_dir)
    rows = [(d.id, d.producer, d.title, ", ".join(map(str, d.years)), d.licence) for d in catalog]
    print(format_table(["id", "producer", "title", "millésimes", "licence"], rows))
    return 0


def _short_source(source: str) -> str:
    """A URL as is; a local path relative to the current folder when it is below it."""
    if "://" in source:
        return source
    try:
        return str(Path(source).resolve().relative_to(Path.cwd()))
    except ValueError:
        return source


def cmd_status(settings: Settings, _args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_dir)
    print(f"warehouse: {settings.warehouse_path}   source mode: {settings.source}")
    if not settings.warehouse_path.exists():
        print("nothing ingested yet: run `observatory build` or `observatory ingest`")
        return 0
    with writer(settings) as con:
        rows = con.execute(
            """
            select dataset_id, millesime, origine, source, finished_at, sha256, bytes,
                   rows_loaded
            from meta.ingestions
            qualify row_number() over (partition by dataset_id, millesime
                                       order by finished_at desc) = 1
            order by dataset_id, millesime
            """
        ).fetchall()
        present = {}
        for dataset in catalog:
            if table_exists(con, dataset.target_table):
                present[dataset.id] = {
                    r[0]: r[1]
                    for r in con.execute(
                        f"select millesime, count(*) from {dataset.target_table} group by 1"
                    ).fetchall()
                }
    table = [
        (d, str(m), o, _short_source(s), str(t)[:19], h[:12], b, present.get(d, {}).get(m, 0))
        for d, m, o, s, t, h, b, _ in rows
    ]
    print(
        format_table(
            [
                "dataset",
                "millésime",
                "origine",
                "source",
                "ingested at (UTC)",
                "sha256",
                "bytes",
                "rows",
            ],
            table,
        )
    )
    ingested = {(r[0], r[1]) for r in rows}
    waiting = [f"{d.id} {y}" for d in catalog for y in d.years if (d.id, y) not in ingested]
    if waiting:
        print(f"\nnot ingested yet ({len(waiting)}): {', '.join(waiting)}")
    return 0


# --- ingest --------------------------------------------------------------------------------------


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_dir)
    dataset = catalog.get(args.dataset)
    if settings.source == "sample":
        settings = settings.with_overrides(source="local")
        print(
            f"note: source mode is 'sample', whose warehouse holds only the invented sample; "
            f"this file goes to the real-data warehouse {settings.warehouse_path} "
            "(build it with `observatory --source local build`)"
        )
    path = Path(args.file).expanduser()
    if not path.is_file():
        raise IngestError(f"{dataset.id}: {path}: file not found")
    millesime = args.millesime or infer_millesime(dataset, path)
    if not dataset.has_millesime(millesime):
        print(
            f"note: {dataset.id} has no millésime {millesime} in the catalog; reading it like "
            f"the nearest one, {min(dataset.years, key=lambda y: (abs(y - millesime), y))}"
        )
    report = register_manual_file(settings, dataset, millesime, path, log=print)
    print(
        f"{dataset.id} {millesime}: {report.rows:,} rows in {dataset.target_table} "
        f"(sha256 {report.sha256[:16]}); this file is now the input of {dataset.id} "
        f"{millesime} in every source mode"
    )
    if report.extra_columns:
        print(f"columns not in the catalog, ignored: {', '.join(report.extra_columns)}")
    return 0


# --- build ---------------------------------------------------------------------------------------


@dataclass
class BuildSummary:
    success: bool
    tables: list[tuple[str, int]] = field(default_factory=list)
    checks: list[tuple[str, str, bool]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    published: Path | None = None
    failure: str = ""
    report: Path | None = None
    check_messages: dict[str, str] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table_exists(con, table) and bool(
        con.execute(f"select exists (select 1 from {table})").fetchall()[0][0]
    )


def build(
    settings: Settings,
    select: str | None = None,
    log_level: str = "CRITICAL",
    record: bool = False,
    full_refresh: bool = False,
) -> BuildSummary:
    """Materialize the selection in-process; leave out what has no input in the active mode.

    Runs on an in-memory Dagster instance (its event log would cost more than the build itself
    on small inputs); `record=True` writes the run to DAGSTER_HOME, so the UI shows it.
    """
    import dagster as dg

    from observatory.definitions import build_definitions
    from observatory.orchestration import ensure_dagster_home

    ensure_dagster_home(settings)
    catalog = load_catalog(settings.catalog_dir)
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    wanted = dg.AssetSelection.from_string(select) if select else dg.AssetSelection.all()
    try:
        requested = wanted.resolve(graph)
    except dg.DagsterInvalidSubsetError as exc:
        raise ModelError(f"--select {select!r}: {exc}") from exc
    summary = BuildSummary(success=False)
    without_input, without_table = [], []
    with writer(settings) as con:
        if full_refresh:
            forget_states(con)
        for dataset in catalog:
            items, _missing = planned_inputs(settings, dataset)
            if items:
                continue
            key = ingest_asset_key(dataset)
            without_input.append(key)
            if _has_rows(con, dataset.target_table):
                summary.skipped[dataset.target_table] = (
                    f"no input in source mode {settings.source!r}; kept the rows already loaded"
                )
            else:
                without_table.append(key)
                summary.skipped[dataset.target_table] = (
                    f"no input in source mode {settings.source!r}"
                )
    blocked = set(without_input)
    if without_table:
        # SQL models always run (a source without input is an empty table, so a model reading
        # several sources builds with those it has); those reading only missing sources are
        # reported as built empty. Other assets reading only missing sources are skipped.
        sources = {ingest_asset_key(d) for d in catalog}
        missing = set(without_table)
        for key in dg.AssetSelection.assets(*missing).downstream().resolve(graph) - sources:
            upstream = dg.AssetSelection.assets(key).upstream().resolve(graph) & sources
            if key.path[0] == "published" or not upstream <= missing:
                continue
            if key.path[0] in SQL_SCHEMAS:
                summary.empty[".".join(key.path)] = "reads only datasets without input"
            else:
                blocked.add(key)
    for key in sorted(blocked & requested):
        summary.skipped.setdefault(".".join(key.path), "reads only datasets without input")
    selection = wanted - dg.AssetSelection.assets(*blocked) if blocked else wanted
    keys = selection.resolve(graph)
    if not keys:
        summary.failure = "nothing to build in this source mode"
        return summary
    job = defs.resolve_implicit_global_asset_job_def()
    dagster_logger = logging.getLogger("dagster")
    previous_level = dagster_logger.level
    dagster_logger.setLevel(log_level)
    try:
        instance = dg.DagsterInstance.get() if record else dg.DagsterInstance.ephemeral()
        with writer(settings):  # one connection and one lock for every step of the run
            result = job.execute_in_process(
                instance=instance,
                asset_selection=sorted(keys),
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            )
    finally:
        dagster_logger.setLevel(previous_level)
        wait_for_warm_up()
    summary.step_seconds = {
        stats.step_key: round(stats.end_time - stats.start_time, 3)
        for stats in instance.get_run_step_stats(result.run_id)
        if stats.start_time is not None and stats.end_time is not None
    }
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
        rows = materialization.metadata.get("dagster/row_count")
        table = ".".join(materialization.asset_key.path)
        summary.tables.append((table, int(rows.value) if rows is not None else 0))
        rebuilt = materialization.metadata.get("rebuilt")
        if rebuilt is not None and rebuilt.value is False:
            summary.unchanged.append(table)
        if table == "published.observatory":
            summary.published = settings.published_path
    report = report_path(settings, result.run_id)
    summary.report = report if report.is_file() else None
    for evaluation in result.get_asset_check_evaluations():
        blocking = evaluation.severity == dg.AssetCheckSeverity.ERROR
        asset = ".".join(evaluation.asset_key.path)
        summary.checks.append((asset, evaluation.check_name, evaluation.passed))
        if not evaluation.passed and evaluation.description:
            summary.check_messages[f"{asset}: {evaluation.check_name}"] = evaluation.description
        if not evaluation.passed and not blocking:
            summary.warnings.append(
                f"{'.'.join(evaluation.asset_key.path)}: {evaluation.check_name}"
            )
    warned = set(summary.warnings)
    failed_checks = [
        f"{a}: {c}" for a, c, passed in summary.checks if not passed and f"{a}: {c}" not in warned
    ]
    summary.success = result.success and not failed_checks
    if not result.success:
        failures = [_failure_message(e) for e in result.all_events if e.is_step_failure]
        failures = [f for f in failures if "blocking asset check" not in f]
        if failed_checks:
            failures.append(
                "blocking check(s) failed: "
                + "; ".join(
                    f"{c} ({summary.check_messages[c]})" if c in summary.check_messages else c
                    for c in failed_checks
                )
            )
        summary.failure = "; ".join(failures) if failures else "the run failed"
    elif failed_checks:
        summary.failure = "check(s) failed: " + ", ".join(failed_checks)
    return summary


def _failure_message(event: object) -> str:
    """The user's error behind Dagster's step-failure wrapper, without the exception class."""
    chain = []
    error = event.step_failure_data.error  # type: ignore[attr-defined]
    while error is not None:
        chain.append(error)
        error = error.cause
    # The first error of ours down Dagster's wrappers says where and why; its own cause (a bare
    # UnicodeDecodeError) says neither. Otherwise the deepest cause.
    ours = {c.__name__ for c in USER_ERRORS} | {"ParseError", "HttpStatusError", "NetworkError"}
    error = next((e for e in chain if e.cls_name in ours), chain[-1] if chain else None)
    if error is None:
        return f"step {event.step_key} failed"  # type: ignore[attr-defined]
    message = error.message.strip().splitlines()[0]
    return re.sub(r"^[\w.]+(Error|Exception): ", "", message)


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    print(f"building from source mode {settings.source!r} into {settings.warehouse_path}")
    summary = build(
        settings,
        args.select,
        "INFO" if args.verbose else "CRITICAL",
        record=args.record,
        full_refresh=args.full_refresh,
    )
    if args.timings:
        Path(args.timings).write_text(json.dumps(summary.step_seconds, indent=1), encoding="utf-8")
    if summary.tables:
        print("\ntables built")
        print(format_table(["table", "rows"], sorted(summary.tables)))
    if summary.unchanged:
        print(
            f"({len(summary.unchanged)} of them unchanged: same SQL and inputs as when last "
            "built, not rebuilt; --full-refresh rebuilds them)"
        )
    warned = set(summary.warnings)
    failed = [
        f"{a}: {c}" for a, c, passed in summary.checks if not passed and f"{a}: {c}" not in warned
    ]
    passed_count = len(summary.checks) - len(failed) - len(warned)
    print(
        f"\nchecks: {passed_count} passed, {len(failed)} failed, {len(warned)} warnings"
        + "".join(f"\n  FAILED {x}: {summary.check_messages.get(x, '')}" for x in failed)
        + "".join(f"\n  WARNING {x}: {summary.check_messages.get(x, '')}" for x in summary.warnings)
    )
    if summary.skipped:
        print("\nskipped")
        print(format_table(["asset", "why"], sorted(summary.skipped.items())))
    if summary.empty:
        print("\nbuilt empty")
        print(format_table(["table", "why"], sorted(summary.empty.items())))
    if summary.report:
        print(f"\nvalidation report: {summary.report}")
    if summary.published:
        print(
            f"\npublished: {summary.published} (open it read-only: "
            f"duckdb -readonly {summary.published})"
        )
    if not summary.success:
        print(f"error: build failed: {summary.failure}", file=sys.stderr)
        return 1
    return 0


# --- query -------------------------------------------------------------------------------------


def read_only_statement(sql: str) -> str:
    """The statement if it only reads (one SELECT, WITH, DESCRIBE, SHOW, PRAGMA), else an error.

    The published file is opened read-only anyway; refusing first gives a clear message."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryError(f"the query does not parse: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1:
        raise QueryError(f"one statement at a time, got {len(statements)}")
    statement = statements[0]
    allowed = (exp.Query, exp.Describe, exp.Show, exp.Pragma)
    if not isinstance(statement, allowed) or any(
        isinstance(node, (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop))
        for node in statement.walk()
    ):
        raise QueryError(
            f"the published warehouse is read-only: {statement.key.upper()} statements are "
            "refused (build tables with dbt_like_sql models instead)"
        )
    return sql


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    from observatory.warehouse import reader

    sql = read_only_statement(args.sql)
    with reader(settings.published_path) as con:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from exc
        headers = [d[0] for d in cursor.description or []]
        rows = cursor.fetchmany(args.limit + 1)
    print(format_table(headers, rows[: args.limit]))
    if len(rows) > args.limit:
        print(f"(first {args.limit} rows; --limit to see more)")
    return 0


# --- editions / rollback ------------------------------------------------------------------------


def _size(path: Path) -> str:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return f"{total / 1024**2:.1f} MB"


def cmd_editions(settings: Settings, _args: argparse.Namespace) -> int:
    from observatory.publish import list_editions

    editions = list_editions(settings)
    if not editions:
        print(f"no published edition in {settings.published_dir}: run `observatory build`")
        return 0
    rows = [
        (
            e.id,
            e.built_at[:19].replace("T", " "),
            len(e.manifest.get("tables", [])),
            e.rows,
            _size(e.folder),
            "*" if e.current else "",
        )
        for e in reversed(editions)
    ]
    print(format_table(["edition", "built at (UTC)", "tables", "rows", "size", "current"], rows))
    print(
        f"\n{settings.published_path} is the current edition; each edition's folder holds its "
        f"Parquet files and manifest.json ({settings.published_dir / 'editions'})"
    )
    return 0


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    from observatory.publish import rollback

    now, before = rollback(settings, args.edition)
    if before is not None and before.id == now.id:
        print(f"edition {now.id} is already the current one")
        return 0
    print(
        f"published edition {now.id} (built {now.built_at[:19]} UTC) is current again"
        + (f", instead of {before.id}" if before else "")
        + f": {settings.published_path}\nthe next `observatory build` publishes the working "
        "warehouse as a new edition"
    )
    return 0


# --- validate ------------------------------------------------------------------------------------


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    """The suites and SQL checks on the working warehouse, without building anything."""
    from observatory.quality import validate

    print(f"validating {settings.warehouse_path}" + (f" ({args.target})" if args.target else ""))
    run = validate(settings, args.target)
    shown = run.outcomes if args.all else [o for o in run.outcomes if not o.success]
    by_check: dict[tuple[str, str], list] = {}
    for outcome in run.outcomes:
        by_check.setdefault((outcome.dataset, outcome.check_name), []).append(outcome)
    rows = []
    for (dataset, check), outcomes in sorted(by_check.items()):
        failed = [o for o in outcomes if not o.success]
        severity = outcomes[0].severity
        result = "ok" if not failed else ("FAILED" if severity == "error" else "warning")
        rows.append(
            (
                dataset,
                check,
                outcomes[0].column,
                severity,
                result,
                ", ".join(str(o.millesime) for o in failed if o.millesime is not None),
                sum(o.unexpected_count or 0 for o in failed),
            )
        )
    if not args.all:
        rows = [r for r in rows if r[4] != "ok"]
    passed = sum(1 for outcomes in by_check.values() if all(o.success for o in outcomes))
    if rows:
        print(
            format_table(
                ["dataset", "check", "column", "severity", "result", "millesimes", "unexpected"],
                rows,
            )
        )
    for outcome in shown:
        if not outcome.success:
            print(f"  {'FAILED' if outcome.severity == 'error' else 'WARNING'} {outcome.message}")
    failed = len(by_check) - passed
    blocking = len({(o.dataset, o.check_name) for o in run.blocking_failures})
    print(
        f"\n{len(by_check)} checks: {passed} passed, {blocking} failed (blocking), "
        f"{failed - blocking} warnings"
    )
    print(f"validation report: {run.report}")
    if run.blocking_failures:
        print(f"error: {blocking} blocking check(s) failed", file=sys.stderr)
        return 1
    return 0


# --- dev -----------------------------------------------------------------------------------------


def cmd_dev(settings: Settings, args: argparse.Namespace) -> int:
    """Start the Dagster UI; SIGINT is reset first so a plain `kill` stops it (see stack notes)."""
    from observatory.orchestration import ensure_dagster_home

    ensure_dagster_home(settings)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster),
        "dev",
        "-w",
        str(REPOSITORY_ROOT / "workspace.yaml"),
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    os.execv(command[0], command)
    return 0  # not reached


# --- entry point ---------------------------------------------------------------------------------


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
    add_analyst_commands(commands)  # tables, describe, profile, report
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
    try:
        settings = load_settings().with_overrides(source=args.source, home=args.home)
        return int(args.run(settings, args))
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
