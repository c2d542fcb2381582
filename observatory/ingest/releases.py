"""Ask every remote input whether it changed since it was cached (the release sensor's work).

A conditional HEAD request (or a GET whose body is not read, where HEAD is refused) with the
ETag / Last-Modified of the cached download: a 304 means nothing new. Nothing is downloaded
here; the refresh that a new release triggers does the download.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from observatory import fetch
from observatory.catalog import Catalog
from observatory.ingest.inputs import download_folder, planned_inputs
from observatory.settings import Settings

PROBE_TIMEOUT_S = 30.0
"""Per request; a sensor tick must finish within Dagster's tick timeout."""


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
            try:
                answer = fetch.probe(
                    item.location,
                    download_folder(settings, dataset, item.millesime),
                    label=item.label,
                    file_name=dataset.edition(item.millesime).file_name_override,
                    timeout_s=min(settings.http_timeout_s, PROBE_TIMEOUT_S),
                )
            except fetch.FetchError as exc:
                problems.append(str(exc))
                continue
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
