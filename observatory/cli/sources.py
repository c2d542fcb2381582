"""`observatory datasets`, `status` and `ingest`: the catalog, what was ingested, a file by hand."""

from __future__ import annotations

import argparse
from pathlib import Path

from observatory.catalog import load_catalog
from observatory.cli.tables import format_table
from observatory.ingest import IngestError
from observatory.ingest.manual import infer_millesime, register_manual_file
from observatory.settings import Settings
from observatory.warehouse import latest_ingestions, table_exists, writer

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
    with writer(settings) as con:
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
