"""The one parser of the leading comment of a SQL file (model, check, or analysis query).

Every SQL file of `dbt_like_sql/` starts with a comment that says what it is, so it stays
readable and runnable as it is in the DuckDB CLI:

    -- A description, on as many lines as needed.
    -- grain: one row per niveau x code_territoire x millesime
    --   expect: column_values_to_be_between {column: population_municipale, min_value: 0}
    --   tests: codes_connus
    -- columns:
    --   niveau: commune, epci, ...
    --   code_territoire: code of the territory in its level

The grain is stated once: its columns are the table's keys, checked non-null (unless the grain
says a key may be NULL: `(annee_geographie NULL: ...)`) and unique together in every layer. A
check (`tests/*.sql`) names the table it guards (`asset:`) and its `severity:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from observatory.models import ModelError

KEYWORDS = ("grain:", "columns:", "expect:", "tests:", "asset:", "severity:", "keys:")
GRAIN_PREFIX = re.compile(r"^one row per\s+", re.IGNORECASE)
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Header:
    """What a SQL file's leading comment declares."""

    description: str = ""
    grain: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] = ()
    """The grain's columns, when the grain names columns (`one row per a x b`)."""
    nullable_keys: frozenset[str] = frozenset()
    expectations: tuple[str, ...] = ()
    """`expect:` bodies: `<expectation> {kwargs}` (see quality.suites)."""
    tests: tuple[str, ...] = ()
    """Generic checks applied to this table (`tests/generic/<name>.sql`)."""
    asset: str = ""
    severity: str = "error"


def comment_lines(text: str) -> list[str]:
    """The leading `--` lines of a SQL text, without their `--`."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        lines.append(stripped[2:].rstrip())
    return lines


def grain_keys(grain: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The key columns of `one row per a x b x c (remark)`, and those the remark says may be
    NULL (`(a NULL: why)`). A grain in prose (`one row per rejected row`) has no keys."""
    match = GRAIN_PREFIX.match(grain)
    if not match:
        return (), frozenset()
    body, remark = grain[match.end() :], ""
    if "(" in body:
        body, remark = body.split("(", 1)
    parts = tuple(p.strip() for p in body.split(" x "))
    if not all(IDENTIFIER.match(p) for p in parts):
        return (), frozenset()
    nullable = frozenset(re.findall(r"\b([a-z_][a-z0-9_]*) NULL\b", remark)) & set(parts)
    return parts, nullable


def parse(text: str, path: Path) -> Header:
    """Read the leading comment: description lines first, then keyword lines in any order,
    then `columns:` entries (a line that does not start `name:` continues the previous one)."""
    description: list[str] = []
    columns: dict[str, str] = {}
    values: dict[str, str] = {}
    expectations: list[str] = []
    tests: list[str] = []
    section = "description"
    for line in comment_lines(text):
        body = line.strip()
        lower = body.lower()
        keyword = next((k for k in KEYWORDS if lower.startswith(k)), None)
        if keyword == "keys:":
            raise ModelError(
                f"{path}: `keys:` is derived from the grain; state the grain once "
                "(`-- grain: one row per a x b`)"
            )
        if keyword is not None:
            value = body.split(":", 1)[1].strip()
            section = keyword[:-1]
            if keyword == "expect:":
                expectations.append(value)
            elif keyword == "tests:":
                tests.extend(t.strip() for t in value.split(",") if t.strip())
            elif keyword != "columns:":
                values[section] = value
        elif section == "columns" and ":" in body:
            name, text_ = body.split(":", 1)
            columns[name.strip()] = text_.strip()
        elif section == "columns" and body and columns:
            last = next(reversed(columns))
            columns[last] = f"{columns[last]} {body}"
        elif section == "description" and body:
            description.append(body)
    grain = values.get("grain", "")
    keys, nullable = grain_keys(grain)
    return Header(
        description=" ".join(description),
        grain=grain,
        columns=columns,
        keys=keys,
        nullable_keys=nullable,
        expectations=tuple(expectations),
        tests=tuple(tests),
        asset=values.get("asset", ""),
        severity=values.get("severity", "error").lower(),
    )


def statement(text: str) -> str:
    """The SQL without its final `;` (and any comment after it), ready to be wrapped."""
    return re.sub(r";\s*(--[^\n]*\s*)*$", "", text.strip()).strip()
