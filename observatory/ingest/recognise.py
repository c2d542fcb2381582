"""Whether a file given to `observatory ingest --file` is really the dataset-millésime it is
given as, before anything is kept or loaded.

Overlapping columns are not enough (a départements file has every column of the régions one):
the millésime must be one the catalog accepts, the file must not be one of the bundled sample's,
its name must match the dataset's `file_name_pattern`, its values the formats of `checks.matches`
(on the first rows) and its row count the dataset's `rows_range`. Each refusal is one line naming
the dataset, the file and what did not match.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from observatory.catalog import Dataset
from observatory.ingest import IngestError
from observatory.state import sha256_file
from observatory.warehouse import quote_identifier

SAMPLE_ROWS = 1000
"""Rows whose values are checked against the formats of `checks.matches`."""

STAGE = "_observatory_stage"
"""The view load.py defines over the parsed file, with the raw table's columns."""


def check_millesime(dataset: Dataset, millesime: int) -> None:
    """A listed edition, or a year within the dataset's `millesimes_range`."""
    if dataset.accepts_millesime(millesime):
        return
    listed = ", ".join(map(str, dataset.years))
    plausible = (
        f" nor within its plausible range {dataset.millesimes_range[0]}-"
        f"{dataset.millesimes_range[1]}"
        if dataset.millesimes_range
        else ""
    )
    raise IngestError(
        f"{dataset.id}: millésime {millesime} is not an edition of the catalog ({listed})"
        f"{plausible}"
    )


def check_not_sample(sample_dir: Path, dataset: Dataset, millesime: int, path: Path) -> None:
    """Files of the bundled sample (in its folder, or a byte-identical copy) hold invented
    values: they are never a real-data input."""
    label = f"{dataset.id} {millesime}: {path.name}"
    resolved = path.resolve()
    if sample_dir.is_dir() and resolved.is_relative_to(sample_dir.resolve()):
        raise IngestError(
            f"{label}: is a file of the bundled sample ({sample_dir}), invented data: "
            "never a real-data input (sample mode reads it by itself)"
        )
    size = path.stat().st_size
    same_size = [p for p in sample_dir.rglob("*") if p.is_file() and p.stat().st_size == size]
    if not same_size:
        return
    mine = sha256_file(path)
    for candidate in same_size:
        if sha256_file(candidate) == mine:
            raise IngestError(
                f"{label}: is a copy of the bundled sample's "
                f"{candidate.relative_to(sample_dir).as_posix()} (same sha256), invented data: "
                "never a real-data input (sample mode reads it by itself)"
            )


def check_file_name(dataset: Dataset, millesime: int, path: Path) -> None:
    pattern = dataset.file_name_pattern
    if pattern and not re.search(pattern, path.name):
        raise IngestError(
            f"{dataset.id} {millesime}: {path.name}: the file name does not match {pattern} "
            f"(a file of another dataset?); files of {dataset.id} are named like "
            f"{dataset.edition(millesime).file_name}"
        )


def check_staged(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, millesime: int, file_name: str
) -> None:
    """The parsed file (the view load.py stages) against the declared formats and row count."""
    label = f"{dataset.id} {millesime}: {file_name}"
    for column, pattern in dataset.checks.matches.items():
        name = quote_identifier(column)
        found = con.execute(
            f"select {name}, source_row from (select * from {STAGE} limit {SAMPLE_ROWS}) "
            f"where {name} is not null and not regexp_matches({name}::varchar, ?) limit 1",
            [pattern],
        ).fetchall()
        if found:
            value, row = found[0]
            raise IngestError(
                f"{label}: column {column} does not match {pattern} (row {row}: {value!r}); "
                f"a file of another dataset?"
            )
    if dataset.rows_range is not None:
        low, high = dataset.rows_range
        rows = int(con.execute(f"select count(*) from {STAGE}").fetchall()[0][0])
        if not low <= rows <= high:
            raise IngestError(
                f"{label}: {rows:,} rows where {dataset.id} has {low}-{high}; "
                "a file of another dataset?"
            )
