"""Where one dataset-millésime comes from in the active source mode.

`sample` reads the bundled files only; `live` the official URLs; `mirror` the same paths on
OBSERVATORY_MIRROR_URL; `local` nothing downloaded. A file ingested by hand wins in every
real-data mode. Planning a build, ingesting and asking the sources for new releases all resolve
inputs here, so they cannot disagree on what a mode reads.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from observatory.catalog import Dataset
from observatory.fetch import mirror_url
from observatory.ingest import IngestError
from observatory.settings import Settings


@dataclass(frozen=True)
class InputFile:
    """Where one dataset-millésime comes from in the active source mode."""

    dataset: Dataset
    millesime: int
    origine: str  # sample | live | mirror | manual
    location: str  # local path, or URL to download

    @property
    def label(self) -> str:
        return f"{self.dataset.id} {self.millesime}"

    @property
    def is_remote(self) -> bool:
        return self.origine in ("live", "mirror")


def sample_path(settings: Settings, dataset: Dataset, millesime: int) -> Path:
    """Bundled sample file: assets/sample/<dataset>/<millesime>/<official file name>."""
    return (
        settings.catalog_dir
        / "sample"
        / dataset.id
        / str(millesime)
        / dataset.edition(millesime).file_name
    )


def manual_file(settings: Settings, dataset: Dataset, millesime: int) -> Path | None:
    folder = settings.manual_dir / dataset.id / str(millesime)
    files = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
    return files[0] if files else None


def manual_millesimes(settings: Settings, dataset: Dataset) -> list[int]:
    folder = settings.manual_dir / dataset.id
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in folder.iterdir()
        if p.is_dir() and p.name.isdigit() and manual_file(settings, dataset, int(p.name))
    )


def resolve_input(settings: Settings, dataset: Dataset, millesime: int) -> InputFile | None:
    """The input of one dataset-millésime in the active mode.

    A file ingested by hand wins in every real-data mode (live, mirror, local). The sample mode
    uses only the bundled files: a real file there would mix real and invented communes.
    """
    if settings.source == "sample":
        path = sample_path(settings, dataset, millesime)
        return InputFile(dataset, millesime, "sample", str(path)) if path.is_file() else None
    manual = manual_file(settings, dataset, millesime)
    if manual is not None:
        return InputFile(dataset, millesime, "manual", str(manual))
    if not dataset.has_millesime(millesime) or settings.source == "local":
        return None
    url = dataset.edition(millesime).url
    if settings.source == "mirror":
        assert settings.mirror_url is not None
        return InputFile(dataset, millesime, "mirror", mirror_url(url, settings.mirror_url))
    return InputFile(dataset, millesime, "live", url)


def known_millesimes(settings: Settings, dataset: Dataset) -> list[int]:
    """The editions a build of the active mode looks for: the catalog's, and outside the
    sample those ingested by hand."""
    years = set(dataset.years)
    if settings.source != "sample":
        years |= set(manual_millesimes(settings, dataset))
    return sorted(years)


def check_millesimes(settings: Settings, dataset: Dataset, wanted: Collection[int]) -> None:
    """A backfill names editions of the dataset: an unknown one is refused before anything is
    fetched, naming the dataset and the editions it has."""
    known = known_millesimes(settings, dataset)
    unknown = sorted(set(wanted) - set(known))
    if not unknown:
        return
    by_hand = sorted(set(known) - set(dataset.years))
    raise IngestError(
        f"{dataset.id}: no millésime {', '.join(map(str, unknown))} to backfill; "
        f"the catalog lists {', '.join(map(str, dataset.years))}"
        + (f", and {', '.join(map(str, by_hand))} were ingested by hand" if by_hand else "")
    )


def planned_inputs(
    settings: Settings, dataset: Dataset, millesimes: Collection[int] | None = None
) -> tuple[list[InputFile], list[int]]:
    """Inputs available in the active mode, and the millésimes that have none; with
    `millesimes` (a backfill), only those editions, each of which must be known."""
    years = known_millesimes(settings, dataset)
    if millesimes:
        check_millesimes(settings, dataset, millesimes)
        years = sorted(set(millesimes))
    found, missing = [], []
    for year in years:
        item = resolve_input(settings, dataset, year)
        if item is None:
            missing.append(year)
        else:
            found.append(item)
    return found, missing


def download_folder(settings: Settings, dataset: Dataset, millesime: int) -> Path:
    """Where the download of one dataset-millésime is cached (with its validators' sidecar)."""
    return settings.download_dir / dataset.id / str(millesime)
