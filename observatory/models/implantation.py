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
- otherwise, on a problem of at most MAX_CANDIDATS_EXACT candidates, the exact model is solved as
  a mixed-integer programme by HiGHS (`milp_highs`), and the greedy's gap is measured; on larger
  ones the greedy stands (`glouton`) with the gap the bound allows.

Distances come from the caller (the models read `intermediate.int_cog__distances_communes`):
a pair that is absent is out of reach (more than the source's radius), so the same code works on
a road-time matrix. Everything is vectorised over the services of one territory: one call per
territory (`implanter_services`, a DuckDB function registered by `Project.prepare`).
This module's text enters every model's fingerprint (`CONTEXT`).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import highspy
import numpy as np
from duckdb.sqltypes import DOUBLE, INTEGER, VARCHAR

CONTEXT = Path(__file__).read_text(encoding="utf-8")
"""This module's source: part of the models' fingerprint context."""

NOMBRE_MAX = 3
"""At most this many new facilities per territory and service (k = 1..3)."""
MAX_CANDIDATS_EXACT = 150
"""The exact model runs when at most this many candidates could belong to a set better than the
greedy's (see `_optima`): every EPCI and bassin de vie, and most départements' problems; on the
others the greedy stands, with its bound."""
LIMITE_ENUMERATION = 2_000_000
"""An exact problem is enumerated when (sets of k candidates) x (demand communes) is at most
this (a few milliseconds of numpy); beyond, HiGHS solves it."""
MILP_TOUJOURS = [False]
"""Tests and benchmarks set it to send every exact problem to HiGHS."""
TOLERANCE = 1e-9
"""Relative tolerance when comparing savings (sums of floats in different orders)."""


STATISTIQUES: collections.Counter = collections.Counter()
STATISTIQUES: collections.Counter = collections.Counter()
"""How the exact models of this process were solved (relaxation integral, or branching)."""
_BANNIERE = [True]
"""Whether HiGHS has still to print its banner in this process (see `_solveur`)."""


def _solveur() -> highspy.Highs:
    """A silent HiGHS solver. The first construction in a process prints a copyright banner on
    the C-level standard output, before any option can apply (`output_flag` comes after); it
    would land in the build's terminal output and every Dagster run's logs, so that first
    construction runs with file descriptor 1 pointed at /dev/null."""
    if not _BANNIERE[0]:
        solveur = highspy.Highs()
    else:
        sys.stdout.flush()
        sauvegarde = os.dup(1)
        try:
            with open(os.devnull, "w") as nulle:
                os.dup2(nulle.fileno(), 1)
                solveur = highspy.Highs()
        finally:
            os.dup2(sauvegarde, 1)
            os.close(sauvegarde)
        _BANNIERE[0] = False
    solveur.setOptionValue("output_flag", False)
    return solveur


@dataclass(frozen=True)
class Territoire:
    """One territory's inputs, all services at once.

    `poids` and `distances` are (communes x services): the demand of each commune for each
    service, and its distance to the nearest existing facility (NaN when not measured).
    `paire_demande`, `paire_candidat`, `paire_distance`: the known distances between the
    territory's communes (indices into the communes), an absent pair being out of reach."""

    poids: np.ndarray
    distances: np.ndarray
    paire_demande: np.ndarray
    paire_candidat: np.ndarray
    paire_distance: np.ndarray

    @property
    def communes(self) -> int:
        return int(self.poids.shape[0])

    @property
    def services(self) -> int:
        return int(self.poids.shape[1])


@dataclass(frozen=True)
class Triplets:
    """Every (demand commune, candidate, service) where the candidate would be nearer than the
    existing facilities: the only places a saving can come from. Sorted by service."""

    demande: np.ndarray
    candidat: np.ndarray
    service: np.ndarray
    distance: np.ndarray
    poids: np.ndarray
    avant: np.ndarray


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


def triplets(ter: Territoire) -> Triplets:
    """The pairs x services where a facility at the candidate would shorten the demand's trip;
    a candidate holding the service already (distance 0) or not measured is left out.

    Laid out service by service (services x pairs), so the result comes sorted by service;
    the demand's distance is zeroed where it weighs nothing, one comparison then says all."""
    demande, candidat, distance = ter.paire_demande, ter.paire_candidat, ter.paire_distance
    with np.errstate(invalid="ignore"):
        pese = np.where(ter.poids > 0, np.nan_to_num(ter.distances, nan=0.0), 0.0)
        ouvrable = (ter.distances > 0).T
    utile = distance.astype(np.float32) < pese.T.astype(np.float32)[:, demande]
    utile &= ouvrable[:, candidat]
    service, paire = np.nonzero(utile)
    return Triplets(
        demande=demande[paire],
        candidat=candidat[paire],
        service=service,
        distance=distance[paire],
        poids=ter.poids[demande[paire], service],
        avant=ter.distances[demande[paire], service],
    )


def economies(tri: Triplets, actuelle: np.ndarray, communes: int, services: int) -> np.ndarray:
    """(services x communes): the saving of one more facility in each candidate, given the
    demand's current distances `actuelle` (communes x services)."""
    courant = actuelle[tri.demande, tri.service]
    gain = tri.poids * np.maximum(courant - tri.distance, 0.0)
    cle = tri.service * communes + tri.candidat
    return np.bincount(cle, gain, minlength=services * communes).reshape(services, communes)


def _plus_grandes(gains: np.ndarray, k: int) -> np.ndarray:
    """(services x k): the sum of the 1, 2 ... k largest savings of each service."""
    k = min(k, gains.shape[1])
    meilleures = -np.sort(-gains, axis=1)[:, :k]
    sommes = np.cumsum(meilleures, axis=1)
    if k < NOMBRE_MAX:
        sommes = np.concatenate([sommes, np.repeat(sommes[:, -1:], NOMBRE_MAX - k, axis=1)], 1)
    return sommes


@dataclass(frozen=True)
class Etape:
    """What one greedy step did, for every service at once (arrays of one value per service)."""

    candidat: np.ndarray
    """candidate chosen (-1 when nothing was left to save)"""
    economie: np.ndarray
    moyenne_avant: np.ndarray
    moyenne_apres: np.ndarray
    nouveaux_10_km: np.ndarray
    nouveaux_20_km: np.ndarray


@dataclass(frozen=True)
class Glouton:
    etapes: list[Etape]
    valeurs: np.ndarray
    """(services x NOMBRE_MAX): saving of the greedy set of 1, 2, 3 facilities."""
    bornes: np.ndarray
    """(services x NOMBRE_MAX): upper bound of the optimal saving of k facilities."""
    utiles: np.ndarray
    """(services): candidates whose facility alone would save something."""
    seules: np.ndarray
    """(services x communes): each candidate's saving alone."""


def _poids_mesures(ter: Territoire) -> tuple[np.ndarray, np.ndarray]:
    """(demand where the distance is measured, its total per service)."""
    poids = np.where(np.isnan(ter.distances), 0.0, ter.poids)
    return poids, poids.sum(axis=0)


def _moyennes(poids: np.ndarray, total: np.ndarray, distances: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (poids * distances).sum(axis=0) / total


def glouton(ter: Territoire, tri: Triplets) -> Glouton:
    """The greedy choice for every service at once, what each step did, and the bounds."""
    n, s = ter.communes, ter.services
    poids, total = _poids_mesures(ter)
    actuelle = np.nan_to_num(ter.distances, nan=0.0)
    valeurs = np.zeros((s, NOMBRE_MAX))
    bornes = np.full((s, NOMBRE_MAX), np.inf)
    cumul = np.zeros(s)
    utiles = np.zeros(s, dtype=int)
    seules = np.zeros((s, n))
    lignes = np.arange(s)
    etapes: list[Etape] = []
    for etape in range(NOMBRE_MAX + 1):
        gains = economies(tri, actuelle, n, s)
        if etape == 0:
            utiles = np.count_nonzero(gains > 0, axis=1)
            seules = gains
        bornes = np.minimum(bornes, cumul[:, None] + _plus_grandes(gains, NOMBRE_MAX))
        if etape == NOMBRE_MAX:
            break
        meilleur = gains.argmax(axis=1)
        gain = gains[lignes, meilleur]
        retenu = gain > 0
        pris = retenu[tri.service] & (tri.candidat == meilleur[tri.service])
        d, sv = tri.demande[pris], tri.service[pris]
        apres = actuelle.copy()
        apres[d, sv] = np.minimum(apres[d, sv], tri.distance[pris])
        etapes.append(
            Etape(
                candidat=np.where(retenu, meilleur, -1),
                economie=np.where(retenu, gain, 0.0),
                moyenne_avant=_moyennes(poids, total, actuelle),
                moyenne_apres=_moyennes(poids, total, apres),
                nouveaux_10_km=(poids * ((actuelle > 10) & (apres <= 10))).sum(axis=0),
                nouveaux_20_km=(poids * ((actuelle > 20) & (apres <= 20))).sum(axis=0),
            )
        )
        cumul = cumul + np.where(retenu, gain, 0.0)
        valeurs[:, etape] = cumul
        actuelle = apres
    return Glouton(etapes, valeurs, bornes, utiles, seules)


def _tranche(tri: Triplets, service: int) -> slice:
    """The triplets of one service (they are sorted by service)."""
    debut, fin = np.searchsorted(tri.service, [service, service + 1])
    return slice(int(debut), int(fin))


def _apres(tri: Triplets, tranche: slice, actuelle: np.ndarray, candidats: list[int]) -> np.ndarray:
    """The demand's distances once the candidates have a facility too (one service)."""
    pris = np.isin(tri.candidat[tranche], candidats)
    apres = actuelle.copy()
    np.minimum.at(apres, tri.demande[tranche][pris], tri.distance[tranche][pris])
    return apres


def exact(tri: Triplets, garder: np.ndarray, k: int, communes: int) -> dict[int, list[int]]:
    """The optimal set of k candidates of every service, as one mixed-integer programme solved
    by HiGHS: for every service s, maximise sum_t s_t y_t subject to y_t <= x_(s, j(t)) (a
    demand is served by an open candidate), sum_t(s, i) y_t <= 1 (by one), sum_j x_(s, j) = k,
    x binary. `garder` (services x communes) says which candidates may be in an optimal set
    (see `resoudre`); a service without any is not in the model.

    The services' blocks are independent, so they are solved together: one model per territory
    and k, not one per service (HiGHS's fixed cost per call would dominate the small blocks).
    The linear relaxation is solved first: this formulation's is usually integral, and then
    optimal; only when it is fractional does HiGHS branch. Returns service -> chosen candidates."""
    dans = garder[tri.service, tri.candidat]
    service, candidat = tri.service[dans], tri.candidat[dans]
    gain = tri.poids[dans] * (tri.avant[dans] - tri.distance[dans])
    cles_x, colonne = np.unique(service * communes + candidat, return_inverse=True)
    cles_d, ligne = np.unique(service * communes + tri.demande[dans], return_inverse=True)
    nc, nt, nd = len(cles_x), len(gain), len(cles_d)
    if nc == 0:
        return {}
    service_x = cles_x // communes
    blocs = np.unique(service_x)
    debut_blocs = np.searchsorted(service_x, blocs).astype(np.int32)
    taille = np.diff(np.append(debut_blocs, nc))
    h = _solveur()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    tous_x = np.arange(nc, dtype=np.int32)
    # columns: x (one per service x candidate), then y (one per triplet), all in [0, 1]
    couts = np.concatenate([np.zeros(nc), gain])
    h.addCols(nc + nt, couts, np.zeros(nc + nt), np.ones(nc + nt), 0, [], [], [])
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    # y_t - x_(s, j(t)) <= 0
    starts = np.arange(0, 2 * nt, 2, dtype=np.int32)
    index = np.column_stack([nc + np.arange(nt), colonne]).ravel().astype(np.int32)
    h.addRows(nt, np.full(nt, -inf), np.zeros(nt), 2 * nt, starts, index, np.tile([1.0, -1.0], nt))
    # each demand commune is served once per service: sum_t(s, i) y_t <= 1
    ordre = np.argsort(ligne, kind="stable")
    debuts = np.searchsorted(ligne[ordre], np.arange(nd)).astype(np.int32)
    colonnes = (nc + ordre).astype(np.int32)
    h.addRows(nd, np.full(nd, -inf), np.ones(nd), nt, debuts, colonnes, np.ones(nt))
    # k facilities per service (all its candidates when it has fewer)
    nombre = np.minimum(taille, k).astype(float)
    h.addRows(len(blocs), nombre, nombre, nc, debut_blocs, tous_x, np.ones(nc))
    h.run()
    x = np.asarray(h.getSolution().col_value[:nc])
    entier = h.getModelStatus() == highspy.HighsModelStatus.kOptimal and bool(
        np.all(np.minimum(x, 1 - x) < 1e-7)
    )
    STATISTIQUES["relaxation" if entier else "branchement"] += 1
    if not entier:
        entiers = np.full(nc, highspy.HighsVarType.kInteger)
        h.changeColsIntegrality(nc, tous_x, entiers)
        h.run()
        x = np.asarray(h.getSolution().col_value[:nc])
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"implantation: HiGHS did not find the optimum ({h.getModelStatus()})")
    ouverts = x > 0.5
    return {
        int(bloc): [int(c) for c in (cles_x[d : d + t] % communes)[ouverts[d : d + t]]]
        for bloc, d, t in zip(blocs, debut_blocs, taille, strict=True)
    }


def _economie(tri: Triplets, service: int, candidats) -> float:
    """f(X): the saving of facilities in the candidates given, for one service."""
    tranche = _tranche(tri, service)
    demande = tri.demande[tranche]
    n = int(demande.max()) + 1 if len(demande) else 0
    avant = np.zeros(n)
    poids = np.zeros(n)
    avant[demande], poids[demande] = tri.avant[tranche], tri.poids[tranche]
    apres = _apres(tri, tranche, avant, list(candidats))
    return float(np.sum(poids * (avant - apres)))


def _dans_l_ordre(
    ter: Territoire, tri: Triplets, service: int, chosen: list[int]
) -> list[tuple[int, float, np.ndarray, np.ndarray]]:
    """A chosen set in the order of its marginal savings (largest first: with a submodular f
    they do not increase), each with the demand's distances before and after it."""
    tranche = _tranche(tri, service)
    actuelle = np.nan_to_num(ter.distances[:, service], nan=0.0)
    poids = np.where(np.isnan(ter.distances[:, service]), 0.0, ter.poids[:, service])
    restants, ordre = sorted(chosen), []
    while restants:
        essais = [(c, _apres(tri, tranche, actuelle, [c])) for c in restants]
        gains = [float(np.sum(poids * (actuelle - apres))) for _c, apres in essais]
        meilleur = int(np.argmax(gains))  # the first (lowest code index) among equals
        candidat, apres = essais[meilleur]
        ordre.append((candidat, gains[meilleur], actuelle, apres))
        actuelle = apres
        restants.remove(candidat)
    return ordre


@functools.lru_cache(maxsize=4096)
def _ensembles(taille: int, k: int) -> np.ndarray:
    """Every set of k positions among `taille`, in lexicographic order (one row per set)."""
    return np.array(list(itertools.combinations(range(taille), k)), dtype=np.intp)


def enumerations(
    tri: Triplets, garder: np.ndarray, k: int, communes: int
) -> dict[int, tuple[list[int], float]]:
    """The best set of k among the candidates `garder` (services x communes) allows, for every
    service with some, every set tried: exact, and for the small problems that are most of them
    far cheaper than a solver call. All services are done at once: one column per (service,
    candidate) holds each demand commune's saving, and each set's value is the sum over the
    communes of the best of its columns. The first set in lexicographic order wins a tie.
    Returns service -> (set, saving)."""
    service_col, candidat_col = np.nonzero(garder)
    if not len(service_col):
        return {}
    colonne = np.full(garder.shape, -1)
    colonne[service_col, candidat_col] = np.arange(len(service_col))
    col = colonne[tri.service, tri.candidat]
    pris = col >= 0
    economie = np.zeros((communes, len(service_col)))
    economie[tri.demande[pris], col[pris]] = tri.poids[pris] * (
        tri.avant[pris] - tri.distance[pris]
    )
    services, debuts, tailles = np.unique(service_col, return_index=True, return_counts=True)
    ensembles = [
        debut + _ensembles(int(taille), min(k, int(taille)))
        for debut, taille in zip(debuts, tailles, strict=True)
    ]
    resultats: dict[int, tuple[list[int], float]] = {}
    for largeur in sorted({e.shape[1] for e in ensembles}):
        groupes = [
            (s, e) for s, e in zip(services, ensembles, strict=True) if e.shape[1] == largeur
        ]
        tous = np.concatenate([e for _s, e in groupes])
        proprietaire = np.repeat([s for s, _e in groupes], [len(e) for _s, e in groupes])
        meilleure = economie[:, tous[:, 0]]
        for position in range(1, largeur):
            np.maximum(meilleure, economie[:, tous[:, position]], out=meilleure)
        valeurs = meilleure.sum(axis=0)
        ordre = np.lexsort((np.arange(len(valeurs)), -valeurs, proprietaire))
        _vus, premiers = np.unique(proprietaire[ordre], return_index=True)
        for ligne in ordre[premiers]:
            resultats[int(proprietaire[ligne])] = (
                candidat_col[tous[ligne]].tolist(),
                float(valeurs[ligne]),
            )
    return resultats


def _optima(
    tri: Triplets, glo: Glouton, communes: int, *, exact_toujours: bool = False
) -> dict[int, dict[int, tuple[list[int], float, str]]]:
    """k -> service -> (optimal set, its saving, how it was found), for the services where the
    greedy is not proven optimal and few enough candidates can beat it (all with
    `exact_toujours`).

    Only candidates that can belong to an optimal set are considered: a set holding j saves at
    most OPT(k-1) + f({j}), so j is useless when f({j}) < greedy(k) - OPT(k-1) (OPT(1) is the
    enumeration's; OPT(2) is solved before k = 3); the greedy's own choices always pass. What is
    left is enumerated when it makes at most LIMITE_ENUMERATION (sets x demand communes), and
    solved as a mixed-integer programme by HiGHS otherwise (`exact`)."""
    optima: dict[int, dict[int, tuple[list[int], float, str]]] = {}
    precedent = glo.valeurs[:, 0].copy()
    for k in range(2, NOMBRE_MAX + 1):
        ouverts = (glo.utiles > 0) & (
            exact_toujours | (glo.valeurs[:, k - 1] < glo.bornes[:, k - 1] * (1 - TOLERANCE))
        )
        seuil = glo.valeurs[:, k - 1] - precedent
        garder = ouverts[:, None] & (glo.seules > 0)
        garder &= glo.seules >= seuil[:, None] * (1 - TOLERANCE)
        restants = garder.sum(axis=1)
        if not exact_toujours:
            garder &= (restants <= MAX_CANDIDATS_EXACT)[:, None]
        taille = np.array([math.comb(int(c), min(k, int(c))) for c in restants], dtype=float)
        petits = garder & (taille * communes <= LIMITE_ENUMERATION)[:, None]
        if MILP_TOUJOURS[0]:
            petits[:] = False
        optima[k] = {
            service: (choix, valeur, "enumeration")
            for service, (choix, valeur) in enumerations(tri, petits, k, communes).items()
        }
        garder &= ~petits
        for service, candidats in exact(tri, garder, k, communes).items():
            optima[k][service] = (candidats, _economie(tri, service, candidats), "milp_highs")
        for service, (_choix, valeur, _methode) in optima[k].items():
            precedent[service] = valeur
        precedent = np.maximum(precedent, glo.valeurs[:, k - 1])
    return optima


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
        _dans_l_ordre(ter, tri, service, optimum), start=1
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
    optima = _optima(tri, glo, ter.communes, exact_toujours=exact_toujours)
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
