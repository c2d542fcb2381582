"""The diagnostic of one territory, read from the published marts: one plain data structure.

`observatory profile` (terminal) and `observatory report` (HTML) render the same `Profile`, so a
figure cannot differ between the two. Every figure is read from a published `marts.*` table with
one SQL query per section, `dbt_like_sql/analysis/profil_*.sql` (the marts already hold the heavy
work; Python only names and orders). The territory and its references (territories.py) are
given to every section's query as the DuckDB variable `profil_refs`.

Its length (about 460 lines) is the `Profile` data structure and the one loader that fills
it: each section's dataclass sits beside the query that reads it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from observatory.analysis.besoins import Need, load_needs
from observatory.analysis.comparables import Comparables, load_comparables
from observatory.analysis.implantations import Implantations, load_implantations
from observatory.analysis.queries import run_query
from observatory.analysis.territories import (
    Reference,
    Territory,
    find_territory,
    references_many,
)
from observatory.warehouse import SOURCES, table_exists

LIBELLES_PROFESSIONS = {
    "medecin_generaliste": "Médecins généralistes",
    "infirmier": "Infirmiers",
    "medecin_specialiste": "Médecins spécialistes",
    "masseur_kinesitherapeute": "Masseurs-kinésithérapeutes",
    "chirurgien_dentiste": "Chirurgiens-dentistes",
    "sage_femme": "Sages-femmes",
    "pharmacien": "Pharmaciens",
}

LIBELLES_GAMMES = {
    "proximite": "Gamme de proximité",
    "intermediaire": "Gamme intermédiaire",
    "superieure": "Gamme supérieure",
    "sante": "Santé (hors gammes)",
}

LIBELLES_PRODUCTEURS = {
    "insee": "Insee",
    "dgcl": "DGCL",
    "ans": "Agence du numérique en santé",
    "ameli": "Assurance Maladie (data.ameli)",
    "drees": "DREES",
    "etalab": "Etalab",
    "laposte": "La Poste",
}
"""How a report names the catalog's producers (a producer not listed is named by its id)."""

TRANCHES_AGE = ("moins de 40 ans", "40-54 ans", "55-59 ans", "60-64 ans", "65 ans et plus")

MOTIFS_RUPTURE = {
    "change of sources and field between BPE 2021 and BPE 2023 (INSEE)": (
        "changement de sources et de champ entre la BPE 2021 et la BPE 2023 (l'Insee déconseille "
        "la comparaison)"
    ),
    "types created, split or merged since the previous edition": (
        "types d'équipements créés, scindés ou fusionnés depuis l'édition précédente"
    ),
}


@dataclass(frozen=True)
class Comparison:
    """One indicator for the territory and each reference (values aligned on `references`).

    unit: `nombre` (a count), `part` (0 to 1, shown as a percentage), `pct` (already a
    percentage), `densite` (per 10,000 inhabitants), `km`, `apl` (consultations per year and
    standardised inhabitant), `effectif` (practitioners, fractional when split over communes).
    """

    code: str
    label: str
    unit: str
    values: tuple[float | None, ...]
    note: str = ""


@dataclass(frozen=True)
class PopulationYear:
    millesime: int
    population_municipale: int
    part_75_ans_et_plus: float | None
    nb_communes: int


@dataclass(frozen=True)
class GammeCoverage:
    """Which services of a gamme the territory has (present somewhere in it), per reference."""

    gamme: str
    label: str
    nb_regroupements: int
    presents: tuple[int | None, ...]
    part_population_complete: tuple[float | None, ...]
    manquants: str | None


@dataclass(frozen=True)
class Access:
    """Distance to the nearest facility of a service (straight line, km).

    For a commune `distances[0]` is its own distance and `commune_equipement` where the nearest
    facility is; for a larger territory the mean weighted by population, with the median and the
    share of the population beyond 10 and 20 km.
    """

    code_regroupement: str
    libelle: str
    gamme: str
    distances: tuple[float | None, ...]
    distance_mediane_km: float | None
    part_plus_10_km: float | None
    part_plus_20_km: float | None
    code_commune_equipement: str | None
    libelle_commune_equipement: str | None


@dataclass(frozen=True)
class AgeStructure:
    """The age bands of one profession (one source and year), and its share aged 60+ per
    reference. `rang_tranches` says whose bands they are: 0 the territory, 1 its département
    when the mart has no ageing figures at the territory's level (communes)."""

    profession: str
    label: str
    source: str
    annee: int
    rang_tranches: int
    estimation: bool
    effectif: float | None
    tranches: tuple[float, ...]  # aligned on TRANCHES_AGE
    effectif_age_inconnu: float
    part_60_ans_et_plus: tuple[float | None, ...]
    part_65_ans_et_plus: float | None
    departs_5_ans_estimes: float | None


@dataclass(frozen=True)
class DensityPoint:
    """Facilities of one gamme per 10,000 inhabitants at one BPE edition, per reference."""

    millesime: int
    gamme: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ServiceChange:
    """A service whose number of facilities changed since the previous BPE edition."""

    libelle: str
    gamme: str
    nb_equipements: int
    variation: int
    millesime_precedent: int
    rupture_serie: bool


@dataclass(frozen=True)
class SeriesBreak:
    """Services whose series breaks at an edition (counts not comparable with the previous)."""

    millesime: int
    motif: str
    nb_services: int
    general: bool  # the change of sources between BPE 2021 and 2023: every service breaks


@dataclass(frozen=True)
class HealthYear:
    """The territory's GP and nurse densities and GP accessibility at one extraction year."""

    millesime: int
    densite_mg: float | None
    densite_infirmiers: float | None
    apl_mg: float | None


@dataclass(frozen=True)
class SourceCredit:
    """One dataset the published figures were built from: who produced it, which editions, under
    which licence (meta.sources of the published file)."""

    producer: str
    title: str
    millesimes: str
    licence: str
    licence_url: str
    landing_page: str
    dataset_id: str = ""


@dataclass(frozen=True)
class Profile:
    """Everything `observatory profile` prints and `observatory report` draws."""

    territory: Territory
    references: tuple[Reference, ...]
    other_levels: tuple[str, ...]
    source_mode: str | None
    cog_millesime: str | None
    millesime_population: int | None
    millesime_bpe: int | None
    millesime_sante: int | None
    millesime_apl: int | None
    population: list[PopulationYear] = field(default_factory=list)
    population_indicators: list[Comparison] = field(default_factory=list)
    service_densities: list[Comparison] = field(default_factory=list)
    gammes: list[GammeCoverage] = field(default_factory=list)
    access: list[Access] = field(default_factory=list)
    health_densities: list[Comparison] = field(default_factory=list)
    health_headcounts: list[Comparison] = field(default_factory=list)
    ageing: list[AgeStructure] = field(default_factory=list)
    accessibility: list[Comparison] = field(default_factory=list)
    density_evolution: list[DensityPoint] = field(default_factory=list)
    changes: list[ServiceChange] = field(default_factory=list)
    series_breaks: list[SeriesBreak] = field(default_factory=list)
    health_evolution: list[HealthYear] = field(default_factory=list)
    sources: list[SourceCredit] = field(default_factory=list)
    """Empty when the published file predates meta.sources."""
    comparables: Comparables = field(default_factory=Comparables)
    """The territory against territories like it (comparables.py); no group when the
    published file predates the comparisons."""
    needs: list[Need] = field(default_factory=list)
    """Services against their target populations (besoins.py)."""
    implantations: Implantations = field(default_factory=Implantations)
    """Where to act: the best sites for new facilities, GPs, a shared site (implantations.py)."""


LIBELLES_INDICATEURS = {
    "population_municipale": "Population municipale",
    "variation_population": "Évolution de la population",
    "part_75_ans_et_plus": "Part des 75 ans et plus",
    "apl_mg": "Accessibilité aux généralistes (APL)",
    "apl_mg_hors_65_ans": "APL sans les généralistes de 65 ans et plus",
    "part_population_sous_dense": "Population en commune sous-dotée (APL < 2,5)",
    "part_population_sous_dense_hors_65_ans": "Idem, sans les généralistes de 65 ans et plus",
}


def _values(items: list | None) -> tuple[float | None, ...]:
    """A SQL list (one value per reference, NULL kept) as floats: DECIMAL or BIGINT alike."""
    return tuple(None if v is None else float(v) for v in items or [])


def load_profile(
    con: duckdb.DuckDBPyConnection,
    code: str,
    niveau: str | None = None,
    sql_dir: Path | None = None,
) -> Profile:
    """The diagnostic of one territory from the published marts (see the module docstring)."""
    territory, other_levels = find_territory(con, code, niveau, sql_dir)
    key = (territory.niveau, territory.code)
    return load_profiles(con, [territory], sql_dir, {key: other_levels})[key]


def load_profiles(
    con: duckdb.DuckDBPyConnection,
    territories: Sequence[Territory],
    sql_dir: Path | None = None,
    other_levels: Mapping[tuple[str, str], tuple[str, ...]] | None = None,
) -> dict[tuple[str, str], Profile]:
    """The diagnostics of many territories, keyed by (niveau, code): each section's query runs
    ONCE for all of them (its rows carry the territory's `cle`, its rank in `territories`), so a
    static site of every territory costs about twenty queries, not twenty per territory.
    `load_profile` is the batch of one: both give the same profile of a territory."""
    territories = list(dict.fromkeys(territories))
    all_refs = references_many(con, territories, sql_dir)
    profil_refs = [
        {"cle": cle, "rang": r.rang, "role": r.role, "niveau": r.niveau, "code_territoire": r.code}
        for cle, refs in enumerate(all_refs)
        for r in refs
    ]
    # the comparables, needs and implantations (nine queries, 300,000 rows and more for
    # France) are read on a cursor of their own in a thread while this one reads the other
    # sections: DuckDB runs a query without holding the GIL, so the two overlap
    cursor = con.cursor()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="profil") as pool:
            later = pool.submit(_comparables_and_needs, cursor, profil_refs, sql_dir)
            return _load_sections(
                con, territories, all_refs, profil_refs, sql_dir, other_levels, later
            )
    finally:
        cursor.close()


def _comparables_and_needs(
    con: duckdb.DuckDBPyConnection, profil_refs: list[dict], sql_dir: Path | None
) -> tuple[dict[int, Comparables], dict[int, list[Need]], dict[int, Implantations]]:
    return (
        load_comparables(con, profil_refs, sql_dir),
        load_needs(con, profil_refs, sql_dir),
        load_implantations(con, profil_refs, sql_dir),
    )


def _load_sections(
    con: duckdb.DuckDBPyConnection,
    territories: list[Territory],
    all_refs: list,
    profil_refs: list[dict],
    sql_dir: Path | None,
    other_levels: Mapping[tuple[str, str], tuple[str, ...]] | None,
    later: Future,
) -> dict[tuple[str, str], Profile]:
    """Every section of load_profiles but the comparables and needs, which `later` gives."""

    def sections(name: str, **values: object) -> dict[int, list[tuple]]:
        rows: dict[int, list[tuple]] = defaultdict(list)
        for row in run_query(con, f"profil_{name}", sql_dir, profil_refs=profil_refs, **values):
            rows[row[0]].append(row[1:])
        return rows

    source_mode, cog = run_query(con, "profil_parametres", sql_dir)[0]
    millesimes = run_query(con, "profil_millesimes", sql_dir)[0]
    professions = {"professions": list(LIBELLES_PROFESSIONS)}
    names = (
        "population",
        "population_indicateurs",
        "densites_services",
        "gammes",
        "acces",
        "accessibilite",
        "evolution_densites",
        "changements",
        "ruptures",
        "evolution_sante",
    )
    rows = {name: sections(name) for name in names}
    rows["sante_densite"] = sections("sante_densite", **professions)
    rows["vieillissement"] = sections("vieillissement", **professions)
    credits: list[SourceCredit] = []
    if table_exists(con, SOURCES):
        credits = [
            SourceCredit(
                LIBELLES_PRODUCTEURS.get(producer, producer or dataset_id),
                title or dataset_id,
                editions,
                licence or "licence non renseignée",
                licence_url or "",
                landing_page or "",
                dataset_id,
            )
            for producer, dataset_id, title, editions, licence, licence_url, landing_page in (
                run_query(con, "profil_sources", sql_dir)
            )
        ]
    comparables, needs, implantations = later.result()
    profiles = {}
    for cle, (territory, refs) in enumerate(zip(territories, all_refs, strict=True)):
        key = (territory.niveau, territory.code)
        profiles[key] = _profile(
            Profile(
                territory=territory,
                references=refs,
                other_levels=(other_levels or {}).get(key, ()),
                source_mode=source_mode,
                cog_millesime=cog,
                millesime_population=millesimes[0],
                millesime_bpe=millesimes[1],
                millesime_sante=millesimes[2],
                millesime_apl=millesimes[3],
                sources=list(credits),
                comparables=comparables.get(cle, Comparables()),
                needs=needs.get(cle, []),
                implantations=implantations.get(cle, Implantations()),
            ),
            {name: found.get(cle, []) for name, found in rows.items()},
        )
    return profiles


def _profile(profile: Profile, rows: Mapping[str, list[tuple]]) -> Profile:
    """Fill `profile`'s sections from the rows of its own territory, query by query."""

    def section(name: str) -> list[tuple]:
        return rows[name]

    profile.population.extend(
        PopulationYear(m, int(p), part, int(n)) for m, p, part, n in section("population")
    )
    for _ordre, code_ind, unite, debut, fin, valeurs in section("population_indicateurs"):
        label = LIBELLES_INDICATEURS[code_ind]
        if code_ind == "variation_population" and debut is not None:
            label = f"{label} {debut}-{fin}"
        elif fin is not None:
            label = f"{label} {fin}"
        profile.population_indicators.append(Comparison(code_ind, label, unite, _values(valeurs)))
    for type_agregat, code_agregat, libelle, valeurs in section("densites_services"):
        label = LIBELLES_GAMMES.get(code_agregat, libelle) if type_agregat == "gamme" else libelle
        profile.service_densities.append(
            Comparison(code_agregat, label, "densite", _values(valeurs), note=type_agregat)
        )
    profile.gammes.extend(
        GammeCoverage(
            gamme,
            LIBELLES_GAMMES.get(gamme, gamme),
            int(total),
            tuple(None if p is None else int(p) for p in presents),
            _values(parts),
            manquants,
        )
        for gamme, total, presents, parts, manquants in section("gammes")
    )
    profile.access.extend(
        Access(c, lib, g, _values(d), med, p10, p20, ce, lce)
        for c, lib, g, d, med, p10, p20, ce, lce in section("acces")
    )
    for profession, densites, effectifs in section("sante_densite"):
        label = LIBELLES_PROFESSIONS.get(profession, profession)
        profile.health_densities.append(Comparison(profession, label, "densite", _values(densites)))
        profile.health_headcounts.append(
            Comparison(profession, label, "effectif", _values(effectifs))
        )
    for row in section("vieillissement"):
        profession, source, annee, rang, estimation, effectif, tranches, inconnu = row[:8]
        parts_60, part_65, departs = row[8:]
        profile.ageing.append(
            AgeStructure(
                profession=profession,
                label=LIBELLES_PROFESSIONS.get(profession, profession),
                source=source,
                annee=int(annee),
                rang_tranches=int(rang),
                estimation=bool(estimation),
                effectif=effectif,
                tranches=tuple(float(t) for t in tranches),
                effectif_age_inconnu=float(inconnu),
                part_60_ans_et_plus=_values(parts_60),
                part_65_ans_et_plus=part_65,
                departs_5_ans_estimes=departs,
            )
        )
    for _ordre, code_ind, unite, valeurs in section("accessibilite"):
        profile.accessibility.append(
            Comparison(code_ind, LIBELLES_INDICATEURS[code_ind], unite, _values(valeurs))
        )
    profile.density_evolution.extend(
        DensityPoint(int(m), g, _values(v)) for m, g, v in section("evolution_densites")
    )
    profile.changes.extend(
        ServiceChange(lib, g, int(n), int(var), int(prec), bool(rup))
        for lib, g, n, var, prec, rup in section("changements")
    )
    profile.series_breaks.extend(
        SeriesBreak(
            int(m),
            MOTIFS_RUPTURE.get(motif, motif or ""),
            int(n),
            (motif or "").startswith("change of sources"),
        )
        for m, motif, n in section("ruptures")
    )
    profile.health_evolution.extend(
        HealthYear(int(m), mg, inf, apl) for m, mg, inf, apl in section("evolution_sante")
    )
    return profile
