"""`observatory build`, `validate` and `dev`: build and publish, check, open the Dagster UI."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from observatory.build import build
from observatory.cli.progress import build_progress
from observatory.cli.tables import format_table
from observatory.defs.execution import DagsterRunner
from observatory.defs.ingestion import IngestConfig
from observatory.defs.instance import ensure_dagster_home
from observatory.quality.run import validate
from observatory.settings import Settings


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    print(f"building from source mode {settings.source!r} into {settings.warehouse_path}")
    backfill = None
    if args.millesime or args.force:
        backfill = IngestConfig(millesimes=args.millesime or [], force=args.force)
    runner = DagsterRunner(
        settings,
        record=args.record,
        log_level="INFO" if args.verbose else "CRITICAL",
        backfill=backfill,
    )
    with build_progress(args.quiet) as progress:
        summary = build(
            settings, runner, args.select, full_refresh=args.full_refresh, progress=progress
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
    failed, warned = summary.failed_checks, summary.warnings
    passed_count = len(summary.checks) - len(failed) - len(warned)
    print(
        f"\nchecks: {passed_count} passed, {len(failed)} failed, {len(warned)} warnings"
        + "".join(f"\n  FAILED {c.label}: {c.message}" for c in failed)
        + "".join(f"\n  WARNING {c.label}: {c.message}" for c in warned)
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


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    """The suites and SQL checks on the working warehouse, without building anything."""
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


def cmd_dev(settings: Settings, args: argparse.Namespace) -> int:
    """Start the Dagster UI; SIGINT is reset first so a plain `kill` stops it (see stack notes).

    The code location is named by its module (what workspace.yaml says), not by the clone's
    workspace file, so the UI also starts from an installed package outside any clone."""
    ensure_dagster_home(settings)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster),
        "dev",
        "-m",
        "observatory.definitions",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    os.execv(command[0], command)
    return 0  # not reached
