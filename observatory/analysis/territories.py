"""Which territory an analyst asked for, and what it is compared with.

A code is matched in any case at every level; several levels may share it (a commune and the
bassin de vie named after it), so the built-in levels are tried in NIVEAUX order and the others
are named. An unknown code is answered with the closest names, ranked in SQL where the territories
are. Each territory is set against references chosen so that the comparison means something to an
elected official: a commune, EPCI, bassin de vie or custom territory against its département
(for a custom territory, the département holding most of its population) and France; a
département against its région and France; a région against France.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from observatory.analysis.queries import run_query

NIVEAUX = ("commune", "epci", "bv2022", "departement", "region", "france")
"""Built-in levels, in the order used when a code exists at several levels (a commune and the
bassin de vie named after it share their code)."""

LIBELLES_NIVEAUX = {
    "commune": "commune",
    "epci": "EPCI",
    "bv2022": "bassin de vie",
    "departement": "département",
    "region": "région",
    "france": "pays",
}


class UnknownTerritoryError(ValueError):
    """No published territory has this code (at this level): the message names close matches."""


@dataclass(frozen=True)
class Territory:
    """One row of marts.territoires."""

    niveau: str
    code: str
    libelle: str | None
    code_departement: str | None
    code_region: str | None
    nb_communes: int

    @property
    def nom(self) -> str:
        """The name when the level's naming file was ingested, else the code."""
        return self.libelle or self.code

    @property
    def designation(self) -> str:
        """`CA de Bourg (EPCI 200999901)`: what a reader needs to recognise it."""
        niveau = LIBELLES_NIVEAUX.get(self.niveau, self.niveau)
        if self.niveau == "france":
            return self.nom
        return f"{self.nom} ({niveau} {self.code})"


@dataclass(frozen=True)
class Reference:
    """A column of every comparison: the territory itself (rang 0), then its references."""

    rang: int
    role: str  # territoire, departement, region or france
    niveau: str
    code: str
    libelle: str | None

    @property
    def court(self) -> str:
        """A column header short enough for a terminal table."""
        if self.role == "france":
            return "France"
        if self.role == "departement":
            return f"Dép. {self.code}"
        if self.role == "region":
            return f"Région {self.code}"
        nom = self.libelle or self.code
        return nom if len(nom) <= 22 else nom[:21] + "…"

    @property
    def long(self) -> str:
        """A legend entry: the reference's full name."""
        if self.role == "territoire" or self.role == "france":
            return self.libelle or self.code
        return f"{self.libelle or ''} ({LIBELLES_NIVEAUX[self.role]} {self.code})".strip()


def _territory(row: tuple) -> Territory:
    niveau, code, libelle, departement, region, nb_communes = row
    return Territory(niveau, code, libelle, departement, region, int(nb_communes or 0))


def find_territory(
    con: duckdb.DuckDBPyConnection,
    code: str,
    niveau: str | None = None,
    sql_dir: Path | None = None,
) -> tuple[Territory, tuple[str, ...]]:
    """The territory with this code (case-insensitive) and the other levels sharing the code.

    Without `niveau`, the first level in NIVEAUX order wins (commune before bassin de vie);
    the caller says which others exist so the reader can ask for them.
    """
    levels = [row[0] for row in run_query(con, "profil_niveaux", sql_dir)]
    if niveau is not None and niveau not in levels:
        close = difflib.get_close_matches(niveau, levels, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownTerritoryError(
            f"no level {niveau!r} in the published warehouse{hint}; levels: {', '.join(levels)}"
        )
    parameters = {"code": code, "niveau": niveau, "ordre": list(NIVEAUX)}
    rows = run_query(con, "profil_territoire", sql_dir, **parameters)
    if rows:
        return _territory(rows[0]), tuple(row[0] for row in rows[1:])
    where = f" at level {niveau!r}" if niveau else ""
    matches = run_query(con, "profil_suggestions", sql_dir, **parameters)
    if matches:
        listed = ", ".join(f"{c} {lib or '(no name)'} ({niv})" for niv, c, lib in matches)
        raise UnknownTerritoryError(
            f"no territory with code {code!r}{where}; closest by name: {listed}"
        )
    raise UnknownTerritoryError(
        f"no territory with code {code!r}{where} and no close name; list them with "
        '`observatory query "select niveau, code_territoire, libelle from marts.territoires"`'
    )


def references(
    con: duckdb.DuckDBPyConnection, territory: Territory, sql_dir: Path | None = None
) -> tuple[Reference, ...]:
    """The territory, then its département (or région for a département), then France."""
    return references_many(con, [territory], sql_dir)[0]


def references_many(
    con: duckdb.DuckDBPyConnection, territories: Sequence[Territory], sql_dir: Path | None = None
) -> list[tuple[Reference, ...]]:
    """`references` of every territory (aligned on `territories`), with two queries in all: the
    names of the references, and the main département of those without one of their own."""
    without = [
        {"niveau": t.niveau, "code_territoire": t.code}
        for t in territories
        if t.niveau not in ("departement", "region", "france") and t.code_departement is None
    ]
    principal: dict[tuple[str, str], str] = {}
    if without:
        principal = {
            (niveau, code): departement
            for niveau, code, departement in run_query(
                con, "profil_departement_principal", sql_dir, territoires=without
            )
        }
    names = dict(
        ((niveau, code), libelle)
        for niveau, code, libelle in run_query(con, "profil_noms_references", sql_dir)
    )
    return [_references(t, principal, names) for t in territories]


def _references(
    territory: Territory,
    principal: dict[tuple[str, str], str],
    names: dict[tuple[str, str], str | None],
) -> tuple[Reference, ...]:
    chosen: list[tuple[str, str, str]] = [("territoire", territory.niveau, territory.code)]
    if territory.niveau == "departement" and territory.code_region:
        chosen.append(("region", "region", territory.code_region))
    elif territory.niveau not in ("departement", "region", "france"):
        departement = territory.code_departement or principal.get(
            (territory.niveau, territory.code)
        )
        if departement is not None:
            chosen.append(("departement", "departement", departement))
    if territory.niveau != "france":
        chosen.append(("france", "france", "FR"))
    return tuple(
        Reference(
            rang,
            role,
            niveau,
            code,
            territory.libelle
            if (niveau, code) == (territory.niveau, territory.code)
            else names.get((niveau, code)),
        )
        for rang, (role, niveau, code) in enumerate(chosen)
    )
