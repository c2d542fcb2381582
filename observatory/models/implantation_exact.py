"""The exact best set of k new facilities, where the greedy is not proven optimal.

Candidates that cannot belong to a set better than the greedy's are removed first; what is left
is enumerated when that is cheap (nearly always), and solved as a mixed-integer programme by
HiGHS otherwise. Both are exact: the enumeration for speed on the many small problems (a HiGHS
call costs milliseconds whatever the size), HiGHS for the larger ones.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import sys

import highspy
import numpy as np

from observatory.models.implantation_glouton import (
    NOMBRE_MAX,
    TOLERANCE,
    Glouton,
    Territoire,
    Triplets,
)

MAX_CANDIDATS_EXACT = 150
"""The exact model runs when at most this many candidates could belong to a set better than the
greedy's (see `_optima`): every EPCI and bassin de vie, and most départements' problems; on the
others the greedy stands, with its bound."""
LIMITE_ENUMERATION = 2_000_000
"""An exact problem is enumerated when (sets of k candidates) x (demand communes) is at most
this (a few milliseconds of numpy); beyond, HiGHS solves it."""
MILP_TOUJOURS = [False]
"""Tests and benchmarks set it to send every exact problem to HiGHS."""

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


def dans_l_ordre(
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


def ensembles_optimaux(
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
