"""`observatory ingest DATASET --file PATH`: a file downloaded by hand becomes an input.

The file is loaded first and kept under `data/manual/` only when that worked, so a wrong file
loses nothing; from then on it replaces that dataset-millésime's input in every real-data mode.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from observatory.catalog import Dataset
from observatory.ingest import IngestError
from observatory.ingest.inputs import InputFile
from observatory.ingest.load import IngestReport, ingest_one
from observatory.settings import Settings


def register_manual_file(
    settings: Settings,
    dataset: Dataset,
    millesime: int,
    path: Path,
    *,
    log: Callable[[str], None] | None = None,
) -> IngestReport:
    """`observatory ingest --file`: ingest a file downloaded by hand and keep it as that input.

    The file is loaded first and kept only when that worked, so a wrong file loses nothing: the
    previous input of that millésime stays in place, and so does the warehouse.
    """
    if not path.is_file():
        raise IngestError(f"{dataset.id} {millesime}: {path}: file not found")
    report = ingest_one(
        settings, InputFile(dataset, millesime, "manual", str(path.resolve())), force=True, log=log
    )
    folder = settings.manual_dir / dataset.id / str(millesime)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{path.name}.part"
    shutil.copyfile(path, temporary)
    for old in folder.iterdir():
        if old.is_file() and not old.name.startswith("."):
            old.unlink()
    temporary.replace(folder / path.name)
    return report


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
