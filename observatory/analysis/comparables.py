"""A territory against territories like it, and the diagnostic summary that opens its profile.

"Are we doing worse than territories like ours?": every territory belongs to a group of the same
level, density class (INSEE's grille communale de densité) and size band
(`marts.territoires__profils`), and each indicator of the marts is placed among the group's
values (`marts.territoires__comparaisons`: quartiles, median, the territory's percentile). Three
analysis queries read them for a batch of territories (`profil_refs`, like every section of
profile.py): the group and its members, each indicator's benchmark, and the diagnostic: the
indicators in the worst quartile of the group ranked by the population they concern, then those
in the best ("analyser ce qui est satisfaisant et insatisfaisant").

A published file without these marts (written before them) gives no group: the profile says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from observatory.analysis.queries import run_query
from observatory.warehouse import table_exists

COMPARAISONS = "marts.territoires__comparaisons"
DIAGNOSTIC_MAX = 6
"""How many indicators each list of the diagnostic names, at most."""
MEMBRES_MAX = 12
"""How many members of the group a profile names (the largest), besides the territory."""
UNITES = {"pour_10000_hab": "densite", "km": "km", "apl": "apl", "part": "part"}
"""The marts' units as formatting.format_value names them."""


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    population: int | None
    is_territory: bool


@dataclass(frozen=True)
class ComparableGroup:
    """The territory's group: `label` says which ("EPCI ruraux à habitat dispersé de 10 000 à
    30 000 habitants"), `size` how many territories; `members` its largest by decreasing
    population (at most MEMBRES_MAX), and the territory wherever it ranks."""

    code: str
    label: str
    density_class: str
    size_band: str
    millesime_grille: int | None
    size: int
    members: tuple[Member, ...]


class Benchmark(NamedTuple):
    """One indicator of the territory placed among its comparable territories' values (a named
    tuple: a site of France reads 270,000 of them, a frozen dataclass costs four times more)."""

    famille: str
    code: str
    millesime: int | None
    value: float | None
    first_quartile: float | None
    median: float | None
    third_quartile: float | None
    group_size: int
    percentile: float | None
    sens: int
    position: str | None

    @property
    def key(self) -> str:
        return f"{self.famille}:{self.code}"


@dataclass(frozen=True)
class DiagnosticItem:
    """An indicator where the territory is in the worst (`defavorable`) or best (`favorable`)
    quartile of its comparable territories."""

    position: str
    rank: int
    indicateur: str
    label: str
    unit: str
    sens: int
    millesime: int | None
    value: float | None
    median: float | None
    percentile: float | None
    group_size: int
    population: float | None


@dataclass
class Comparables:
    """What profile.Profile holds of its comparable territories."""

    group: ComparableGroup | None = None
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)
    unfavourable: list[DiagnosticItem] = field(default_factory=list)
    favourable: list[DiagnosticItem] = field(default_factory=list)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def load_comparables(
    con: duckdb.DuckDBPyConnection, profil_refs: list[dict], sql_dir: Path | None
) -> dict[int, Comparables]:
    """The comparables of every territory of a batch, keyed by its `cle` (three queries for all
    of them); empty when the published file has no comparisons."""
    if not table_exists(con, COMPARAISONS):
        return {}
    found: dict[int, Comparables] = defaultdict(Comparables)
    members: dict[int, list[Member]] = defaultdict(list)
    heads: dict[int, tuple] = {}
    for row in run_query(
        con,
        "profil_comparables",
        sql_dir,
        profil_refs=profil_refs,
        comparables_membres=MEMBRES_MAX,
    ):
        cle, code, label, _classe, classe_label, band, grille, size = row[:8]
        _rang, code_membre, nom, population, est = row[8:]
        heads[cle] = (code, label, classe_label or "", band or "", _int(grille), int(size or 0))
        members[cle].append(Member(code_membre, nom or code_membre, _int(population), bool(est)))
    for cle, head in heads.items():
        found[cle].group = ComparableGroup(*head, tuple(members[cle]))
    for row in run_query(con, "profil_comparaisons", sql_dir, profil_refs=profil_refs):
        cle, famille, indicateur, code, millesime, value, q1, median, q3, size = row[:10]
        percentile, sens, position, _groupe = row[10:]
        found[cle].benchmarks[indicateur] = Benchmark(
            famille,
            code,
            millesime,
            value,
            q1,
            median,
            q3,
            size or 0,
            percentile,
            sens or 0,
            position,
        )
    for row in run_query(
        con,
        "profil_diagnostic",
        sql_dir,
        profil_refs=profil_refs,
        diagnostic_max=DIAGNOSTIC_MAX,
    ):
        cle, position, rank, indicateur, _famille, label, unite, sens, millesime = row[:9]
        value, _q1, median, _q3, percentile, size, population, _groupe = row[9:]
        item = DiagnosticItem(
            position,
            int(rank),
            indicateur,
            label,
            UNITES.get(unite, unite),
            int(sens),
            _int(millesime),
            value,
            median,
            percentile,
            int(size or 0),
            population,
        )
        target = found[cle].unfavourable if position == "defavorable" else found[cle].favourable
        target.append(item)
    return dict(found)
