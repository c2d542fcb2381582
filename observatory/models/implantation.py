"""Where to open one more facility of a service: the p-median with fixed existing facilities.

For one territory and one service, every commune i of the territory has a demand w_i (its
population, or the service's target population) and a distance d0_i to the nearest existing
facility (anywhere, inside the territory or not). Opening facilities in a set X of the
territory's communes brings each commune to min(d0_i, min_{j in X} d_ij). The objective is the
p-median's: choose the k communes (k = 1, 2, 3) that minimise the total weighted distance
sum_i w_i min(...), i.e. maximise the saving f(X) = sum_i w_i (d0_i - min(d0_i, min_X d_ij)).
Communes holding the service (d0 = 0) are not candidates: they gain nothing.

f is monotone and submodular (a coverage-like function), which gives three ways to the answer:
- k = 1 is an enumeration: every candidate's saving is computed (`enumeration`);
- for k = 2, 3 the greedy choice (best saving, then best marginal saving...) is compared with an
  upper bound of the optimum (Nemhauser, Wolsey and Fisher: for any set S,
  f(OPT_k) <= f(S) + the sum of the k largest marginal savings given S). When the greedy reaches
  the bound it is optimal (`glouton_prouve`);
- otherwise the exact optimum is computed when few enough candidates can beat the greedy
  (enumerated, `enumeration`, or solved as a mixed-integer programme by HiGHS, `milp_highs`),
  and the greedy's gap is measured; on the largest problems the greedy stands (`glouton`) with
  the gap the bound allows.

Distances come from the caller (the models read `intermediate.int_cog__distances_communes`):
a pair that is absent is out of reach (more than the source's radius), so the same code works on
a road-time matrix. Everything is vectorised over the services of one territory: one call per
territory (`implanter_services`, a DuckDB function registered by `Project.prepare`).
The greedy and its bound are in models.implantation_glouton, the exact model in
models.implantation_exact; the three modules' text enters every model's fingerprint
(`CONTEXT`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from duckdb.sqltypes import DOUBLE, INTEGER, VARCHAR

from observatory.models import implantation_exact, implantation_glouton
from observatory.models.implantation_exact import MILP_TOUJOURS, dans_l_ordre, ensembles_optimaux
from observatory.models.implantation_glouton import (
    NOMBRE_MAX,
    TOLERANCE,
    Glouton,
    Territoire,
    Triplets,
    glouton,
    triplets,
)

CONTEXT = "\n".join(
    Path(module.__file__).read_text(encoding="utf-8")
    for module in (implantation_glouton, implantation_exact)
) + Path(__file__).read_text(encoding="utf-8")
"""These modules' sources: part of the models' fingerprint context."""

__all__ = ["MILP_TOUJOURS", "Territoire", "glouton", "resoudre", "resoudre_colonnes", "triplets"]


@dataclass(frozen=True)
class Rang:
    """One facility of a chosen set, in the order of its marginal saving."""

    service: int
    nombre_implantations: int
    rang: int
    candidat: int
    economie: float
    distance_moyenne_avant_km: float
    distance_moyenne_apres_km: float
    nouveaux_10_km: float
    nouveaux_20_km: float
    methode: str
    ecart_glouton: float | None
    ecart_glouton_max: float


COLONNES = tuple(Rang.__dataclass_fields__)
"""The answer's columns, as `Rang` names them."""


def _ecarts(glo: Glouton) -> np.ndarray:
    """(services x NOMBRE_MAX): the most the greedy set can lose against the optimum."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ecart = np.where(glo.bornes > 0, 1 - glo.valeurs / glo.bornes, 0.0)
    return np.clip(ecart, 0.0, None)


def _lignes_exactes(
    ter: Territoire, tri: Triplets, service: int, k: int, optimum: list[int]
) -> dict[str, list]:
    """The rows of an optimal set that is not the greedy's, in the order of its gains."""
    mesure = ~np.isnan(ter.distances[:, service])
    w = np.where(mesure, ter.poids[:, service], 0.0)
    t = float(w.sum())
    lignes: dict[str, list] = {c: [] for c in COLONNES}
    for rang, (candidat, gain, avant, apres) in enumerate(
        dans_l_ordre(ter, tri, service, optimum), start=1
    ):
        if gain <= 0:
            break
        valeurs = (
            service,
            k,
            rang,
            candidat,
            gain,
            float(np.sum(w * avant)) / t,
            float(np.sum(w * apres)) / t,
            float(np.sum(w[(avant > 10) & (apres <= 10)])),
            float(np.sum(w[(avant > 20) & (apres <= 20)])),
        )
        for colonne, valeur in zip(COLONNES, valeurs, strict=False):
            lignes[colonne].append(valeur)
    return lignes


def resoudre_colonnes(ter: Territoire, *, exact_toujours: bool = False) -> dict[str, np.ndarray]:
    """Every service's best 1, 2 and 3 new facilities in this territory (see module doc), as
    columns (`COLONNES`): one row per facility of each set, ranked by marginal gain.
    `exact_toujours` solves the exact model wherever k > 1, whatever the size (benchmarks).

    The greedy's sets are written for all services at once from its steps; only an optimal set
    that differs from the greedy's is ordered and measured on its own."""
    tri = triplets(ter)
    glo = glouton(ter, tri)
    optima = ensembles_optimaux(tri, glo, ter.communes, exact_toujours=exact_toujours)
    nb = ter.services
    ecart_max = _ecarts(glo)
    methode = np.empty((nb, NOMBRE_MAX), dtype=object)
    methode[:, 0] = "enumeration"
    prouve = (ecart_max[:, 1:] <= TOLERANCE) & (not exact_toujours)
    methode[:, 1:] = np.where(prouve, "glouton_prouve", "glouton")
    ecart = np.full((nb, NOMBRE_MAX), np.nan)
    ecart[:, 0] = 0.0
    ecart[:, 1:][prouve] = 0.0
    autres: dict[tuple[int, int], list[int]] = {}
    for k, par_service in optima.items():
        for service, (candidats, f_exact, comment) in par_service.items():
            f_glouton = glo.valeurs[service, k - 1]
            methode[service, k - 1] = comment
            ecart[service, k - 1] = 0.0 if f_exact <= 0 else max(0.0, 1 - f_glouton / f_exact)
            if f_exact > f_glouton * (1 + TOLERANCE):
                autres[(service, k)] = candidats
    remplace = np.zeros((nb, NOMBRE_MAX), dtype=bool)
    for service, k in autres:
        remplace[service, k - 1] = True
    blocs: list[dict[str, np.ndarray]] = []
    for k in range(1, NOMBRE_MAX + 1):
        for rang, etape in enumerate(glo.etapes[:k], start=1):
            services = np.flatnonzero((etape.economie > 0) & ~remplace[:, k - 1])
            blocs.append(
                {
                    "service": services,
                    "nombre_implantations": np.full(len(services), k),
                    "rang": np.full(len(services), rang),
                    "candidat": etape.candidat[services],
                    "economie": etape.economie[services],
                    "distance_moyenne_avant_km": etape.moyenne_avant[services],
                    "distance_moyenne_apres_km": etape.moyenne_apres[services],
                    "nouveaux_10_km": etape.nouveaux_10_km[services],
                    "nouveaux_20_km": etape.nouveaux_20_km[services],
                }
            )
    for (service, k), optimum in sorted(autres.items()):
        lignes = _lignes_exactes(ter, tri, service, k, optimum)
        blocs.append({c: np.asarray(v) for c, v in lignes.items() if c in blocs[0]})
    colonnes = {c: np.concatenate([b[c] for b in blocs]) for c in blocs[0]}
    for entier in ("service", "nombre_implantations", "rang", "candidat"):
        colonnes[entier] = colonnes[entier].astype(np.int64)
    services, ks = colonnes["service"], colonnes["nombre_implantations"]
    colonnes["methode"] = methode[services, ks - 1]
    colonnes["ecart_glouton"] = ecart[services, ks - 1]
    colonnes["ecart_glouton_max"] = ecart_max[services, ks - 1]
    return colonnes


def resoudre(ter: Territoire, *, exact_toujours: bool = False) -> list[Rang]:
    """`resoudre_colonnes` as rows, ordered by service, set size and rank."""
    colonnes = resoudre_colonnes(ter, exact_toujours=exact_toujours)
    rangs = []
    for i in range(len(colonnes["service"])):
        valeurs = [colonnes[c][i] for c in COLONNES]
        valeurs = [v.item() if isinstance(v, np.generic) else v for v in valeurs]
        valeurs = [None if isinstance(v, float) and np.isnan(v) else v for v in valeurs]
        rangs.append(Rang(*valeurs))
    return sorted(rangs, key=lambda r: (r.service, r.nombre_implantations, r.rang))


RESULTAT = duckdb.struct_type(
    {
        "id_service": duckdb.list_type(INTEGER),
        "nombre_implantations": duckdb.list_type(INTEGER),
        "rang": duckdb.list_type(INTEGER),
        "indice_commune": duckdb.list_type(INTEGER),
        "economie": duckdb.list_type(DOUBLE),
        "distance_moyenne_avant_km": duckdb.list_type(DOUBLE),
        "distance_moyenne_apres_km": duckdb.list_type(DOUBLE),
        "nouveaux_10_km": duckdb.list_type(DOUBLE),
        "nouveaux_20_km": duckdb.list_type(DOUBLE),
        "methode": duckdb.list_type(VARCHAR),
        "ecart_glouton": duckdb.list_type(DOUBLE),
        "ecart_glouton_max": duckdb.list_type(DOUBLE),
    }
)
"""What `implanter_services` returns: one list per column, the rows of the territory's sets
(lists, not a list of structs: converting a few lists is far cheaper than many dicts)."""
NOMS_SQL = {"service": "id_service", "candidat": "indice_commune"}


def implanter_services(
    services: int | None,
    poids: list[float | None] | None,
    distances: list[float | None] | None,
    paire_demande: list[int] | None,
    paire_candidat: list[int] | None,
    paire_distance: list[float] | None,
) -> dict[str, list] | None:
    """`implanter_services(nb_services, poids, distances, paires...)`: the DuckDB face of
    `resoudre_colonnes` for one territory. `poids` and `distances` are the (commune, service)
    matrices flattened commune by commune (index = commune * nb_services + service, NULL
    distance = not measured); the pairs index the communes from 0."""
    vide = {NOMS_SQL.get(c, c): [] for c in COLONNES}
    if not services or not poids:
        return vide
    n = len(poids) // services
    if n * services != len(poids) or len(distances or ()) != len(poids):
        raise ValueError(
            "implanter_services: poids and distances must hold communes x services values"
        )
    ter = Territoire(
        poids=np.array(poids, dtype=float).reshape(n, services),
        distances=np.array(distances, dtype=float).reshape(n, services),
        paire_demande=np.asarray(paire_demande or [], dtype=np.int64),
        paire_candidat=np.asarray(paire_candidat or [], dtype=np.int64),
        paire_distance=np.asarray(paire_distance or [], dtype=float),
    )
    ter.poids[np.isnan(ter.poids)] = 0.0
    colonnes = resoudre_colonnes(ter)
    sortie = {NOMS_SQL.get(c, c): v.tolist() for c, v in colonnes.items()}
    sortie["ecart_glouton"] = [None if e != e else e for e in sortie["ecart_glouton"]]
    return sortie


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or recreate) `implanter_services` on this connection."""
    with contextlib.suppress(duckdb.InvalidInputException):  # not created yet
        con.remove_function("implanter_services")
    con.create_function(
        "implanter_services",
        implanter_services,
        [
            INTEGER,
            duckdb.list_type(DOUBLE),
            duckdb.list_type(DOUBLE),
            duckdb.list_type(INTEGER),
            duckdb.list_type(INTEGER),
            duckdb.list_type(DOUBLE),
        ],
        RESULTAT,
        type="native",
        null_handling="special",
        side_effects=False,
    )
