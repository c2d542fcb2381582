"""`observatory ingest DATASET --file PATH`: a file downloaded by hand becomes an input.

The file is loaded first and kept under `data/manual/` only when that worked, so a wrong file
loses nothing; from then on it replaces that dataset-millésime's input in every real-data mode.
`observatory forget DATASET --millesime Y` removes an ingested edition again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from observatory.catalog import Dataset
from observatory.ingest import IngestError, recognise
from observatory.ingest.inputs import InputFile
from observatory.ingest.load import IngestReport, ingest_one
from observatory.settings import Settings
from observatory.warehouse import INGESTIONS, forget_ingestions, table_exists, writer


def register_manual_file(
    settings: Settings,
    dataset: Dataset,
    millesime: int,
    path: Path,
    *,
    log: Callable[[str], None] | None = None,
) -> IngestReport:
    """`observatory ingest --file`: ingest a file downloaded by hand and keep it as that input.

    The millésime and the file are checked first (ingest/recognise.py), then the file is copied
    beside the kept input (a hidden `.part`), parsed and checked again as rows, and loaded; only
    then does the copy replace the kept input. A wrong file loses nothing: the previous input of
    that millésime stays in place, and so does the warehouse.
    """
    recognise.check_millesime(dataset, millesime)
    if not path.is_file():
        raise IngestError(f"{dataset.id} {millesime}: {path}: file not found")
    recognise.check_not_sample(settings.catalog_dir / "sample", dataset, millesime, path)
    recognise.check_file_name(dataset, millesime, path)
    folder = settings.manual_dir / dataset.id / str(millesime)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{path.name}.part"
    try:
        shutil.copyfile(path, temporary)  # disk full fails here, before the warehouse changes
        report = ingest_one(
            settings,
            InputFile(dataset, millesime, "manual", str(path.resolve())),
            force=True,
            log=log,
            recognise=lambda con, name: recognise.check_staged(con, dataset, millesime, name),
        )
        for old in folder.iterdir():
            if old.is_file() and not old.name.startswith("."):
                old.unlink()
        temporary.replace(folder / path.name)
    finally:
        temporary.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()  # a refused first file of a millésime leaves no empty folder
    return report


@dataclass(frozen=True)
class Forgotten:
    """What `observatory forget` removed."""

    rows: int
    loads: int
    files: list[Path]


def forget_edition(settings: Settings, dataset: Dataset, millesime: int) -> Forgotten:
    """`observatory forget`: remove one ingested edition (its raw rows and every meta record of
    it in one transaction, then the file kept under data/manual/). The raw table's token changes
    (state.source_token), so the next build rebuilds every model that reads it."""
    folder = settings.manual_dir / dataset.id / str(millesime)
    kept = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    with writer(settings) as con:
        rows = 0
        if table_exists(con, dataset.target_table):
            rows = int(
                con.execute(
                    f"select count(*) from {dataset.target_table} where millesime = ?", [millesime]
                ).fetchall()[0][0]
            )
        loads = len(
            con.execute(
                f"select 1 from {INGESTIONS} where dataset_id = ? and millesime = ?",
                [dataset.id, millesime],
            ).fetchall()
        )
        if not (rows or loads or kept):
            raise IngestError(
                f"{dataset.id}: millésime {millesime} was never ingested in {settings.home} "
                "(`observatory status` lists what was)"
            )
        con.execute("begin transaction")
        try:
            if rows:
                con.execute(f"delete from {dataset.target_table} where millesime = ?", [millesime])
            forget_ingestions(con, dataset.id, millesime)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    if folder.is_dir():
        shutil.rmtree(folder)
    return Forgotten(rows, loads, [p for p in kept if not p.name.startswith(".")])


def infer_millesime(dataset: Dataset, path: Path) -> int:
    """The millésime of a hand-downloaded file: the only one, or a catalog year in its name."""
    if len(dataset.millesimes) == 1:
        return dataset.millesimes[0].millesime
    hits = [y for y in dataset.years if str(y) in path.name]
    if len(hits) == 1:
        return hits[0]
    raise IngestError(
        f"{dataset.id}: cannot tell the millésime of {path.name}; give --millesime "
        f"(catalog millésimes: {', '.join(map(str, dataset.years))})"
    )
