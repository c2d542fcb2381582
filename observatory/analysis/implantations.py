"""Where to act ("Où agir ?"): the best places for a new facility, a new GP and a shared site.

The marts of issue 22 answer "where?" for every territory of the levels département, EPCI,
bassin de vie and the custom levels (`marts.implantations__*`); the profile shows, for its
territory, four answers read by one query each for a batch of territories (`profil_refs`, like
every section of profile.py):

- the services the territory lacks most, and where one more facility of each would serve best.
  "Lacks most" is decided in `profil_implantations_services.sql`: the services whose best single
  new site brings the largest SHARE of their public (the target population of the service:
  children for a crèche, everyone for a bakery) within 10 km, then the largest cut of the mean
  distance; the SERVICES_MAX first (a share, not a count, so a service of a small public is not
  drowned by the bakeries). The best set of 2 or 3 new facilities is mentioned when it adds at
  least AJOUT_SIGNIFICATIF of the first facility's gain;
- the communes where one more GP would most reduce the under-served deficit (2SFCA);
- the best shared site for the missing services of the gamme de proximité;
- facilities competing inside a bassin de vie (effet bulle), CHEVAUCHEMENTS_MAX at most.

The other levels (commune, région, France) are not computed by the marts: `covered` says so, and
`published` whether the file holds the marts at all (a file written before them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from observatory.analysis.queries import run_query
from observatory.warehouse import table_exists

SERVICES = "marts.implantations__services"
MEDECINS = "marts.implantations__medecins"
MUTUALISATION = "marts.implantations__mutualisation"
CHEVAUCHEMENTS = "marts.implantations__chevauchements"
NIVEAUX_NON_COUVERTS = ("commune", "region", "france")
"""The levels the marts do not compute (see their headers)."""
SERVICES_MAX = 5
"""How many of the services the territory lacks most are shown."""
CHEVAUCHEMENTS_MAX = 10
"""How many competing facilities are listed at most (the fewest inhabitants served first)."""
AJOUT_SIGNIFICATIF = 0.25
"""A set of 2 (3) new facilities is mentioned when it cuts the mean distance by at least this
share of the first facility's cut more than the set of 1 (2) does."""


@dataclass(frozen=True)
class Site:
    """One new facility of a set: the commune and its marginal effect (after the set's earlier
    ranks): mean distance of the public before and after, public newly within 10 and 20 km."""

    rang: int
    code_commune: str
    commune: str
    distance_avant_km: float
    distance_apres_km: float
    gain_km: float
    nouvelle_10_km: float
    nouvelle_20_km: float


@dataclass(frozen=True)
class ServiceChoice:
    """A service the territory lacks, with its best sets of 1, 2 and 3 new facilities."""

    ordre: int
    code_regroupement: str
    label: str
    gamme: str
    millesime: int
    population_demande: float
    methode: str
    sets: dict[int, tuple[Site, ...]]

    @property
    def best(self) -> Site:
        return self.sets[1][0]

    def total_gain(self, k: int) -> float:
        """Cut of the mean distance by the best set of k facilities (0 without that set)."""
        sites = self.sets.get(k)
        return sites[0].distance_avant_km - sites[-1].distance_apres_km if sites else 0.0

    def worth(self, k: int) -> bool:
        """Whether the set of k adds much to the set of k - 1 (AJOUT_SIGNIFICATIF)."""
        if k not in self.sets or self.best.gain_km <= 0:
            return False
        return self.total_gain(k) - self.total_gain(k - 1) >= AJOUT_SIGNIFICATIF * self.best.gain_km


@dataclass(frozen=True)
class GPChoice:
    """A commune where one more GP (one full-time equivalent) would settle, weighed alone."""

    rang: int
    code_commune: str
    commune: str
    reduction_deficit: float
    population_sortie: int
    apl_avant: float | None
    apl_apres: float | None
    part_sous_dense_avant: float | None
    part_sous_dense_apres: float | None


@dataclass(frozen=True)
class SharedSite:
    """A commune hosting the missing services of the gamme de proximité at one site."""

    rang: int
    code_commune: str
    commune: str
    nb_services: int
    services: str
    population_gagnee: int
    nb_communes_gagnees: int
    part_avant: float | None
    part_apres: float | None


@dataclass(frozen=True)
class Overlap:
    """A commune whose facilities of a service serve few inhabitants en propre, beside another
    commune of the same bassin de vie holding the service."""

    label: str
    gamme: str
    code_commune: str
    commune: str
    nb_equipements: int
    population_exclusive: int
    seuil: int
    code_concurrente: str
    concurrente: str
    distance_km: float | None
    population_exclusive_concurrente: int


@dataclass
class Implantations:
    """What profile.Profile holds of "Où agir ?"."""

    published: bool = False
    covered: bool = False
    millesime_bpe: int | None = None
    millesime_sante: int | None = None
    services: list[ServiceChoice] = field(default_factory=list)
    medecins: list[GPChoice] = field(default_factory=list)
    mutualisation: list[SharedSite] = field(default_factory=list)
    chevauchements: list[Overlap] = field(default_factory=list)
    nb_chevauchements: int = 0

    @property
    def candidates(self) -> dict[str, dict[str, list[str]]]:
        """The communes a map marks: code -> role (`service`, `medecin`, `mutualisation`) ->
        why (the services it is the best single site for, the GP rank, the shared site's)."""
        found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for choice in self.services:
            found[choice.best.code_commune]["service"].append(choice.label)
        for gp in self.medecins:
            found[gp.code_commune]["medecin"].append(f"choix n° {gp.rang}")
        for site in self.mutualisation:
            found[site.code_commune]["mutualisation"].append(f"choix n° {site.rang}")
        return {code: dict(roles) for code, roles in found.items()}


def _int(value: object) -> int:
    return 0 if value is None else int(value)  # type: ignore[call-overload]


def load_implantations(
    con: duckdb.DuckDBPyConnection, profil_refs: list[dict], sql_dir: Path | None
) -> dict[int, Implantations]:
    """The "Où agir ?" section of every territory of a batch, keyed by its `cle` (four queries
    for all of them); `published` False for all when the file has no such marts."""
    niveaux = {ref["cle"]: ref["niveau"] for ref in profil_refs if ref["rang"] == 0}
    published = all(table_exists(con, t) for t in (SERVICES, MEDECINS, MUTUALISATION))
    found = {
        cle: Implantations(published, published and niveau not in NIVEAUX_NON_COUVERTS)
        for cle, niveau in niveaux.items()
    }
    if not published:
        return found
    sets: dict[tuple[int, int], dict[int, list[Site]]] = defaultdict(lambda: defaultdict(list))
    heads: dict[tuple[int, int], tuple] = {}
    for row in run_query(
        con,
        "profil_implantations_services",
        sql_dir,
        profil_refs=profil_refs,
        implantations_services=SERVICES_MAX,
    ):
        cle, ordre, code, label, gamme, millesime, k, rang, commune, nom = row[:10]
        demande, avant, apres, gain, n10, n20, methode, _ecart_max = row[10:]
        if k == 1:
            heads[(cle, ordre)] = (code, label or code, gamme, int(millesime), float(demande))
            heads[(cle, ordre)] += (methode,)
        sets[(cle, ordre)][int(k)].append(
            Site(int(rang), commune, nom or commune, avant, apres, gain, n10 or 0.0, n20 or 0.0)
        )
    for (cle, ordre), head in sorted(heads.items()):
        by_k = {k: tuple(sites) for k, sites in sets[(cle, ordre)].items()}
        found[cle].services.append(ServiceChoice(ordre, *head, sets=by_k))
        found[cle].millesime_bpe = head[3]
    for row in run_query(con, "profil_implantations_medecins", sql_dir, profil_refs=profil_refs):
        cle, millesime, rang, code, nom, reduction, sortie, avant, apres, _gain = row[:10]
        found[cle].millesime_sante = int(millesime)
        found[cle].medecins.append(
            GPChoice(int(rang), code, nom or code, reduction, _int(sortie), avant, apres, *row[10:])
        )
    for row in run_query(
        con, "profil_implantations_mutualisation", sql_dir, profil_refs=profil_refs
    ):
        cle, millesime, rang, code, nom, nb, services, gagnee, nb_communes = row[:9]
        _population, avant, apres = row[9:]
        found[cle].millesime_bpe = found[cle].millesime_bpe or int(millesime)
        found[cle].mutualisation.append(
            SharedSite(
                int(rang),
                code,
                nom or code,
                int(nb),
                services or "",
                _int(gagnee),
                _int(nb_communes),
                avant,
                apres,
            )
        )
    if table_exists(con, CHEVAUCHEMENTS):
        for row in run_query(
            con,
            "profil_implantations_chevauchements",
            sql_dir,
            profil_refs=profil_refs,
            implantations_chevauchements=CHEVAUCHEMENTS_MAX,
        ):
            cle, _ordre, total, _millesime, code_service, label, gamme, code, nom = row[:9]
            nb, exclusive, seuil, concurrente, nom_concurrente, distance, autre = row[9:]
            found[cle].nb_chevauchements = int(total)
            found[cle].chevauchements.append(
                Overlap(
                    label or code_service,
                    gamme,
                    code,
                    nom or code,
                    _int(nb),
                    _int(exclusive),
                    _int(seuil),
                    concurrente,
                    nom_concurrente or concurrente,
                    distance,
                    _int(autre),
                )
            )
    return found
