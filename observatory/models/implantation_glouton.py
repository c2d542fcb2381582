"""The greedy choice of new facilities and its bound, for every service of a territory at once.

The saving f(X) of opening facilities in the communes X (see models.implantation) is monotone
and submodular, so the greedy choice (best saving, then best marginal saving...) comes with an
upper bound of the optimum (Nemhauser, Wolsey and Fisher: for any set S, f(OPT_k) <= f(S) + the
sum of the k largest marginal savings given S); when the greedy reaches it, it is optimal.
Only the (demand commune, candidate, service) triplets where the candidate would be nearer than
the existing facilities can save anything: they are built once, and every step is a bincount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOMBRE_MAX = 3
"""At most this many new facilities per territory and service (k = 1..3)."""
TOLERANCE = 1e-9
"""Relative tolerance when comparing savings (sums of floats in different orders)."""


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
