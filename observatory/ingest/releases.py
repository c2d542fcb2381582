"""Ask the sources about their files without downloading them: `observatory sources` and the
release sensor.

Both ask each dataset-millésime through `ask_source`: a conditional HEAD (or a one-byte GET where
HEAD is refused) with the validators of the copy we hold, so a 304 means nothing new. The sensor
asks the remote inputs of the active mode and turns new validators into releases; the command
asks every edition of the catalog and compares each answer with what `meta.ingestions` says was
ingested. Nothing is downloaded here; the refresh that a new release triggers does that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from observatory import fetch
from observatory.catalog import Catalog, Dataset
from observatory.fetch.errors import message
from observatory.ingest.inputs import download_folder, planned_inputs
from observatory.settings import Settings
from observatory.warehouse import latest_ingestions, writer

PROBE_TIMEOUT_S = 30.0
"""Per request; a sensor tick must finish within Dagster's tick timeout."""

INGESTED_COLUMNS = ("dataset_id", "millesime", "source", "sha256", "bytes", "etag", "last_modified")


@dataclass(frozen=True)
class Ingested:
    """What meta.ingestions says of the last load of a dataset-millésime."""

    source: str
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class SourceAnswer:
    """One dataset-millésime's source, as its server described it."""

    dataset: Dataset
    millesime: int
    url: str
    answer: fetch.Answer | None
    error: str | None = None
    """Why there is no answer at all (the server could not be reached)."""
    ingested: Ingested | None = None

    @property
    def label(self) -> str:
        return f"{self.dataset.id} {self.millesime}"

    @property
    def current(self) -> bool:
        """The latest edition the catalog lists: the one a build must be able to obtain."""
        return self.millesime == max(self.dataset.years)

    @property
    def problem(self) -> str | None:
        """One line naming dataset, millésime, problem and URL; None when the file is there."""
        if self.error is not None:
            return self.error
        assert self.answer is not None
        found = self.answer.problem
        return message(self.label, found, self.url) if found else None

    @property
    def changed(self) -> str:
        """Whether the file differs from the one ingested: yes, no, not ingested, unknown, or
        `ingested from <where>` when the rows came from elsewhere (a file by hand, an old URL)."""
        answer, ingested = self.answer, self.ingested
        if answer is None or self.problem is not None:
            return "-"
        if ingested is None:
            return "not ingested"
        if ingested.source != self.url:
            return f"ingested from {ingested.source}"
        if not answer.changed:
            return "no"
        if answer.etag and ingested.etag:
            return "no" if answer.etag == ingested.etag else "yes"
        if answer.last_modified and ingested.last_modified:
            return "no" if answer.last_modified == ingested.last_modified else "yes"
        if answer.size is not None:
            return "yes" if answer.size != ingested.bytes else "unknown (same size)"
        return "unknown"


def _validators(
    settings: Settings, dataset: Dataset, millesime: int, url: str, ingested: Ingested | None
) -> dict[str, str]:
    """The validators of the copy we hold: the download cache's, else the last ingestion's
    (when it was loaded from this very URL)."""
    cached = fetch.cached_validators(
        url,
        download_folder(settings, dataset, millesime),
        file_name=dataset.edition(millesime).file_name_override,
    )
    if cached or ingested is None or ingested.source != url:
        return cached
    headers = {}
    if ingested.etag:
        headers["If-None-Match"] = ingested.etag
    if ingested.last_modified:
        headers["If-Modified-Since"] = ingested.last_modified
    return headers


def ask_source(
    settings: Settings,
    dataset: Dataset,
    millesime: int,
    url: str,
    *,
    ingested: Ingested | None = None,
) -> SourceAnswer:
    """Ask the server about one dataset-millésime's file, conditionally on the copy we hold."""
    label = f"{dataset.id} {millesime}"
    try:
        answer = fetch.ask(
            url,
            label=label,
            validators=_validators(settings, dataset, millesime, url, ingested),
            timeout_s=min(settings.http_timeout_s, PROBE_TIMEOUT_S),
        )
    except fetch.FetchError as exc:
        return SourceAnswer(dataset, millesime, url, None, str(exc), ingested)
    return SourceAnswer(dataset, millesime, url, answer, None, ingested)


def _ingested(settings: Settings) -> dict[tuple[str, int], Ingested]:
    if not settings.warehouse_path.exists():
        return {}
    with writer(settings) as con:
        rows = latest_ingestions(con, INGESTED_COLUMNS)
    return {
        (str(r["dataset_id"]), int(str(r["millesime"]))): Ingested(
            str(r["source"]),
            str(r["sha256"]),
            int(str(r["bytes"])),
            r["etag"] and str(r["etag"]),
            r["last_modified"] and str(r["last_modified"]),
        )
        for r in rows
    }


def survey(
    settings: Settings, catalog: Catalog, datasets: list[str] | None = None
) -> Iterator[SourceAnswer]:
    """Every edition of the catalog (or of `datasets`), asked at its official URL, or at the
    mirror's copy in mirror mode, and compared with what was ingested."""
    ingested = _ingested(settings)
    for dataset in catalog:
        if datasets and dataset.id not in datasets:
            continue
        for edition in dataset.millesimes:
            url = edition.url
            if settings.source == "mirror":
                assert settings.mirror_url is not None
                url = fetch.mirror_url(url, settings.mirror_url)
            yield ask_source(
                settings,
                dataset,
                edition.millesime,
                url,
                ingested=ingested.get((dataset.id, edition.millesime)),
            )


@dataclass(frozen=True)
class ReleaseCheck:
    """What one look at the sources found."""

    releases: dict[str, list[str]]
    """Source family (the catalog's `group:`) -> `<dataset> <millésime>@<validator>` of each
    new release, sorted; families sorted."""
    cursor: str
    problems: list[str]
    asked: int


def check_releases(
    settings: Settings,
    catalog: Catalog,
    cursor: str | None,
    *,
    log: Callable[[str], None] | None = None,
) -> ReleaseCheck:
    """Ask every remote input whether it changed since it was cached; new releases by family.

    The cursor maps each URL to the last validator (ETag, else Last-Modified) a run was requested
    for. Until that run has downloaded the new file, the server keeps answering 200 to the cache's
    old validator; the cursor is what stops a second run for the same release. A new validator
    after that (another release, or the same URL republished) is a new release.
    """
    say = log or (lambda _m: None)
    try:
        seen: dict[str, str] = json.loads(cursor) if cursor else {}
    except ValueError:  # a cursor reset by hand in the UI: start afresh
        seen = {}
    if settings.source not in ("live", "mirror"):
        problem = f"source mode {settings.source!r} downloads nothing: no release to look for"
        return ReleaseCheck({}, cursor or "{}", [problem], 0)
    changes: dict[str, list[str]] = {}
    problems: list[str] = []
    asked = 0
    for dataset in catalog:
        items, _missing = planned_inputs(settings, dataset)
        for item in items:
            if not item.is_remote:  # a file ingested by hand wins over the source
                continue
            asked += 1
            found = ask_source(settings, dataset, item.millesime, item.location)
            if found.problem is not None or found.answer is None:
                problems.append(found.problem or item.label)
                continue
            answer = found.answer
            if not answer.changed:
                continue
            if answer.validator is None:
                problems.append(
                    f"{item.label}: the server gives neither ETag nor Last-Modified, so a new "
                    f"release cannot be told from the cached one ({item.location})"
                )
                continue
            if seen.get(item.location) == answer.validator:
                continue  # a run was already requested for this release
            seen[item.location] = answer.validator
            say(f"{item.label}: new release ({answer.validator}) at {item.location}")
            changes.setdefault(dataset.group, []).append(f"{item.label}@{answer.validator}")
    releases = {family: sorted(found) for family, found in sorted(changes.items())}
    return ReleaseCheck(releases, json.dumps(seen, sort_keys=True), problems, asked)
