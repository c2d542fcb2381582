"""`observatory datasets`, `status`, `sources`, `ingest` and `forget`: the catalog, what was
ingested, what the sources answer today, a file by hand, an edition removed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from observatory.catalog import load_catalog
from observatory.cli.tables import format_table
from observatory.ingest import IngestError
from observatory.ingest.manual import forget_edition, infer_millesime, register_manual_file
from observatory.ingest.recognise import check_millesime
from observatory.ingest.releases import SourceAnswer, survey
from observatory.settings import Settings
from observatory.warehouse import latest_ingestions, table_exists, warehouse_reader

STATUS_COLUMNS = (
    "dataset_id",
    "millesime",
    "origine",
    "source",
    "finished_at",
    "sha256",
    "bytes",
    "rows_loaded",
)


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
    with warehouse_reader(settings) as con:  # read-only: no lock to write, no write access
        rows = [tuple(r.values()) for r in latest_ingestions(con, STATUS_COLUMNS)]
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


# --- sources -------------------------------------------------------------------------------------

MOVED_HINT = (
    "a source that moved or is gone: check the new address (the redirect target, the "
    "landing page), then edit its `url:` and `note:` in "
    "assets/<producer>/<dataset>.yaml, or download the file by hand and run "
    "`observatory ingest DATASET --file PATH --millesime YEAR`"
)


def _status(found: SourceAnswer) -> str:
    """`200`, `304`, `404`; hops first when redirected (`301>200`); `GET` when HEAD was refused."""
    answer = found.answer
    if answer is None:
        return "no answer"
    hops = "".join(f"{status}>" for status, _ in answer.redirects)
    return f"{hops}{answer.status}" + (" (GET)" if answer.method == "GET" else "")


def _row(found: SourceAnswer) -> tuple[object, ...]:
    answer = found.answer
    if found.problem is not None:
        remark = "UNREACHABLE" + (" (current edition)" if found.current else "")
        if answer is not None and answer.problem:
            remark += f": {answer.problem}"
    elif answer is not None and answer.moved_to:
        remark = f"moved to {answer.moved_to}"
    else:
        remark = ""
    return (
        found.dataset.id,
        str(found.millesime),
        _status(found),
        "" if answer is None or answer.size is None else answer.size,
        (answer.last_modified or "") if answer else "",
        (answer.etag or "") if answer else "",
        found.changed,
        remark,
    )


def cmd_sources(settings: Settings, args: argparse.Namespace) -> int:
    """Ask every source about its file without downloading it; `--check` fails when the
    current edition of a dataset cannot be obtained."""
    catalog = load_catalog(settings.catalog_dir)
    for wanted in args.dataset or []:
        catalog.get(wanted)  # an unknown id is an error naming the close ones
    if settings.source in ("sample", "local"):
        # The bundled sample asks nothing; the official sites are what a live build reads,
        # and the real-data warehouse holds what was ingested from them.
        settings = settings.with_overrides(source="live")
    where = f"the mirror {settings.mirror_url}" if settings.source == "mirror" else "the producers"
    print(f"asking {where} (nothing is downloaded); compared with {settings.warehouse_path}")
    answers = list(survey(settings, catalog, args.dataset))
    print(
        format_table(
            [
                "dataset",
                "millésime",
                "status",
                "bytes",
                "last-modified",
                "etag",
                "changed since ingested",
                "remark",
            ],
            [_row(found) for found in answers],
        )
    )
    unreachable = [f for f in answers if f.problem is not None]
    moved = [f for f in answers if f.answer is not None and f.answer.moved_to]
    for found in unreachable:
        print(f"  {found.problem}")
    if moved or unreachable:
        print(f"\n{MOVED_HINT}")
    current = [f for f in unreachable if f.current]
    print(
        f"\n{len(answers)} editions asked: {len(answers) - len(unreachable)} reachable "
        f"({len(moved)} moved), {len(unreachable)} unreachable "
        f"({len(current)} of them current)"
    )
    if args.check and current:
        labels = ", ".join(f.label for f in current)
        print(f"error: current edition(s) unreachable: {labels}", file=sys.stderr)
        return 1
    return 0


# --- ingest, forget ------------------------------------------------------------------------------


def _real_data(settings: Settings, what: str) -> Settings:
    """Files by hand belong to the real-data warehouse, whatever the source mode."""
    if settings.source != "sample":
        return settings
    settings = settings.with_overrides(source="local")
    print(
        f"note: source mode is 'sample', whose warehouse holds only the invented sample; "
        f"{what} the real-data warehouse {settings.warehouse_path} "
        "(build it with `observatory --source local build`)"
    )
    return settings


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_dir)
    dataset = catalog.get(args.dataset)
    if args.millesime is not None:
        check_millesime(dataset, args.millesime)
    settings = _real_data(settings, "this file goes to")
    path = Path(args.file).expanduser()
    if not path.is_file():
        raise IngestError(f"{dataset.id}: {path}: file not found")
    millesime = args.millesime if args.millesime is not None else infer_millesime(dataset, path)
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


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    dataset = load_catalog(settings.catalog_dir).get(args.dataset)
    settings = _real_data(settings, "forgetting in")
    gone = forget_edition(settings, dataset, args.millesime)
    kept = f" and the kept file {', '.join(p.name for p in gone.files)}" if gone.files else ""
    print(
        f"{dataset.id} {args.millesime}: removed {gone.rows:,} rows of {dataset.target_table}, "
        f"{gone.loads} ingestion record(s){kept}; the next build rebuilds what reads it"
    )
    if dataset.has_millesime(args.millesime) and settings.source in ("live", "mirror"):
        print(
            f"note: {args.millesime} is a catalog edition: a {settings.source} build downloads it "
            "again"
        )
    return 0
