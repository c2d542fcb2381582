"""Validation suites, declared next to what they check, as data (no Great Expectations import here).

A raw table's suite comes from its catalog entry (`checks:` in `assets/<producer>/<id>.yaml`):
`not_null`, `matches` and `unique` give the structural expectations, `expectations:` adds any
Great Expectations expectation by name, and `drift:` compares each millésime with the previous
one of the same dataset. A model's suite comes from its SQL header (models/header.py): the
columns of its grain (`-- grain: one row per a x b`: non-null and unique together) and
`-- expect: <expectation> {yaml mapping}` lines. Any expectation takes
`where: {column: value}` / `where_not: {column: value}` to apply to some rows only (a value list
means any of them). Loading definitions only reads these declarations; Great Expectations is
imported when a suite runs (it takes seconds, see gx.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import yaml

from observatory.catalog import Catalog, Dataset, DriftRule, ExpectationEntry

if TYPE_CHECKING:  # only the types: the suites need a model's table, header and path
    from observatory.models.graph import SqlModel
    from observatory.models.header import Header

Severity = Literal["error", "warn"]
DriftKind = Literal["rows", "sum", "keys"]

COLUMNS_PRESENT = "columns_present"
"""The expectation recorded when a file lacks a required column (raised at ingestion)."""
FILE_READABLE = "file_readable"
"""The expectation recorded when a file cannot be read as declared (encoding, format)."""


class ExpectationError(ValueError):
    """A suite declaration is malformed; the message names the file."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite: a Great Expectations expectation type and its arguments.

    `drift` expectations get their bounds from the previous millésime when the suite runs.
    """

    name: str
    expectation: str
    kwargs: Mapping[str, Any]
    severity: Severity = "error"
    description: str = ""
    drift: DriftKind | None = None
    tolerance: float = 0.0
    slack: int = 0

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    @property
    def column(self) -> str:
        """The column(s) the expectation is about, for messages ('' for table-level ones)."""
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        if "column_list" in self.kwargs:
            return ", ".join(self.kwargs["column_list"])
        if "column_set" in self.kwargs:
            return ", ".join(self.kwargs["column_set"])
        return ""

    def columns_used(self) -> set[str]:
        used = set()
        for key in ("column", "column_A", "column_B"):
            if key in self.kwargs:
                used.add(str(self.kwargs[key]))
        used.update(self.kwargs.get("column_list", ()))
        for key in ("where", "where_not"):
            used.update(self.kwargs.get(key) or {})
        return used


@dataclass(frozen=True)
class Suite:
    """The expectations of one table. Raw tables are validated one millésime (batch) at a time."""

    dataset: str
    table: str
    expectations: tuple[ExpectationSpec, ...]
    by_millesime: bool = False
    source: str = ""
    known_columns: tuple[str, ...] = field(default=())

    def get(self, name: str) -> ExpectationSpec:
        return next(e for e in self.expectations if e.name == name)

    def restricted_to(self, names: Collection[str]) -> Suite:
        """The same suite with only the named expectations (a run that selected some checks)."""
        return replace(self, expectations=tuple(e for e in self.expectations if e.name in names))


def _spec(entry: ExpectationEntry, default_name: str) -> ExpectationSpec:
    kwargs = dict(entry.model_extra or {})
    return ExpectationSpec(
        name=entry.name or default_name,
        expectation=entry.expectation_type,
        kwargs=kwargs,
        severity=entry.severity,
        description=entry.description,
    )


def _short(expectation: str) -> str:
    return (
        expectation.removeprefix("expect_")
        .removeprefix("column_values_to_")
        .removeprefix("column_")
    )


def _drift_specs(drift: DriftRule) -> list[ExpectationSpec]:
    specs = [
        ExpectationSpec(
            name="drift_rows",
            expectation="expect_table_row_count_to_be_between",
            kwargs={},
            severity=drift.severity,
            description=f"row count within {drift.rows:.0%} (or {drift.slack} rows) of the "
            "previous millésime",
            drift="rows",
            tolerance=drift.rows,
            slack=drift.slack,
        )
    ]
    for column, tolerance in drift.sums.items():
        specs.append(
            ExpectationSpec(
                name=f"drift_sum_{column}",
                expectation="expect_column_sum_to_be_between",
                kwargs={"column": column},
                severity=drift.severity,
                description=f"total of {column} within {tolerance:.0%} of the previous millésime",
                drift="sum",
                tolerance=tolerance,
            )
        )
    for column in drift.keys:
        specs.append(
            ExpectationSpec(
                name=f"drift_keys_{column}",
                expectation="expect_column_distinct_values_to_contain_set",
                kwargs={"column": column},
                severity=drift.severity,
                description=f"every {column} of the previous millésime is still present",
                drift="keys",
            )
        )
    return specs


def catalog_suite(dataset: Dataset) -> Suite:
    """The suite of a raw table, from its catalog entry."""
    declared = dataset.checks
    specs = [
        ExpectationSpec(
            name=COLUMNS_PRESENT,
            expectation="expect_table_columns_to_match_set",
            kwargs={"column_set": [*dataset.raw_columns, "millesime"], "exact_match": False},
            description="every column of the catalog entry is in the raw table",
        )
    ]
    for column in declared.not_null:
        specs.append(
            ExpectationSpec(
                name=f"{column}_not_null",
                expectation="expect_column_values_to_not_be_null",
                kwargs={"column": column},
                description=f"{column} is never empty",
            )
        )
    for column, pattern in declared.matches.items():
        specs.append(
            ExpectationSpec(
                name=f"{column}_format",
                expectation="expect_column_values_to_match_regex",
                kwargs={"column": column, "regex": pattern},
                description=f"{column} matches {pattern}",
            )
        )
    for index, grain in enumerate(declared.unique):
        columns = [c for c in grain if c != "millesime"]  # batches are one millésime each
        name = "grain_unique" if index == 0 else f"grain_unique_{index + 1}"
        specs.append(unique_spec(name, columns, "one row per " + " x ".join(grain)))
    for entry in declared.expectations:
        specs.append(_spec(entry, f"{entry.kwargs_column}_{_short(entry.expectation_type)}"))
    if declared.drift is not None:
        specs.extend(_drift_specs(declared.drift))
    _unique_names(specs, dataset.id)
    return Suite(
        dataset=dataset.id,
        table=dataset.target_table,
        expectations=tuple(specs),
        by_millesime=True,
        source=f"assets/{dataset.producer}/… ({dataset.id})",
        known_columns=(*dataset.raw_columns, "millesime"),
    )


def catalog_suites(catalog: Catalog) -> list[Suite]:
    """The suite of every raw table of the catalog."""
    return [catalog_suite(d) for d in catalog]


def _unique_names(specs: Iterable[ExpectationSpec], where: str) -> None:
    names = [s.name for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ExpectationError(f"{where}: expectation names used twice: {', '.join(twice)}")


def grain_specs(keys: Sequence[str], nullable: Collection[str] = ()) -> list[ExpectationSpec]:
    """A grain's columns are the table's keys: each never empty (unless the grain says it may
    be), and unique together."""
    specs = [
        ExpectationSpec(
            f"{key}_not_null",
            "expect_column_values_to_not_be_null",
            {"column": key},
            description=f"{key} is never empty",
        )
        for key in keys
        if key not in nullable
    ]
    specs.append(unique_spec("grain_unique", keys, "one row per " + " x ".join(keys)))
    return specs


def unique_spec(name: str, columns: Sequence[str], description: str) -> ExpectationSpec:
    """The columns are unique together (one column: its values are unique)."""
    if len(columns) == 1:
        return ExpectationSpec(
            name, "expect_column_values_to_be_unique", {"column": columns[0]}, "error", description
        )
    return ExpectationSpec(
        name,
        "expect_compound_columns_to_be_unique",
        {"column_list": list(columns)},
        "error",
        description,
    )


def model_suite(table: str, header: Header, path: str) -> Suite | None:
    """The suite a model's header declares: its grain's keys and its `expect:` lines."""
    specs: list[ExpectationSpec] = []
    if header.keys:
        specs.extend(grain_specs(header.keys, header.nullable_keys))
    specs.extend(_parse_expect(text, path) for text in header.expectations)
    if not specs:
        return None
    _unique_names(specs, path)
    return Suite(dataset=table, table=table, expectations=tuple(specs), source=path)


def model_suites(models: Iterable[SqlModel]) -> list[Suite]:
    """The suites the models declare in their headers (models without one have none), each
    named by its path from the project root (`dbt_like_sql/<layer>/<name>.sql`)."""
    suites = (model_suite(m.table, m.header, m.display_path) for m in models)
    return [s for s in suites if s is not None]


def _parse_expect(text: str, path: str) -> ExpectationSpec:
    """`column_values_to_be_between {column: x, min_value: 0, severity: warn}`."""
    match = re.fullmatch(r"([a-z_]+)\s*(\{.*\})?", text)
    if not match:
        raise ExpectationError(
            f"{path}: `-- expect: {text}`: write `-- expect: <expectation> {{column: ..., ...}}`"
        )
    try:
        arguments = yaml.safe_load(match.group(2) or "{}")
    except yaml.YAMLError as exc:
        raise ExpectationError(f"{path}: `-- expect: {text}`: not a YAML mapping: {exc}") from exc
    if not isinstance(arguments, dict):
        raise ExpectationError(f"{path}: `-- expect: {text}`: the arguments are a mapping")
    entry = ExpectationEntry(expect=match.group(1), **arguments)
    return _spec(entry, f"{entry.kwargs_column}_{_short(entry.expectation_type)}")
