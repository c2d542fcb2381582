"""The diagnostic of one territory, read from the published marts: one plain data structure.

`observatory profile` (terminal) and `observatory report` (HTML) render the same `Profile`, so a
figure cannot differ between the two. Every figure is read from a published `marts.*` table with
one SQL query per section (the marts already hold the heavy work; Python only names and orders).

Each territory is set against references chosen so that the comparison means something to an
elected official: a commune, EPCI, bassin de vie or custom territory against its département
(for a custom territory, the département holding most of its population) and France; a
département against its région and France; a région against France.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

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


# --- finding the territory -----------------------------------------------------------------------

SQL_NIVEAUX = "select distinct ter.niveau from marts.territoires as ter order by ter.niveau"

SQL_TERRITOIRE = """
select ter.niveau, ter.code_territoire, ter.libelle, ter.code_departement, ter.code_region,
    ter.nb_communes
from marts.territoires as ter
where upper(ter.code_territoire) = upper(trim($code))
    and ($niveau is null or ter.niveau = $niveau)
order by coalesce(list_position($ordre, ter.niveau), 100), ter.niveau
"""

# Closest names (and codes) in SQL, so a national list of 35,000 communes is ranked where it lives:
# Jaro-Winkler on lower-case names without accents, a name containing the query ranked first.
SQL_SUGGESTIONS = """
with requete as (
    select lower(strip_accents(trim($code))) as texte
),

candidats as (
    select ter.niveau, ter.code_territoire, ter.libelle,
        greatest(
            jaro_winkler_similarity(lower(strip_accents(coalesce(ter.libelle, ''))), req.texte),
            jaro_winkler_similarity(lower(ter.code_territoire), req.texte),
            case when length(req.texte) >= 3
                and contains(lower(strip_accents(coalesce(ter.libelle, ''))), req.texte)
                then 1.0 else 0.0 end
        ) as score
    from marts.territoires as ter
    cross join requete as req
    where $niveau is null or ter.niveau = $niveau
)

select can.niveau, can.code_territoire, can.libelle
from candidats as can
where can.score >= 0.75
order by can.score desc, coalesce(list_position($ordre, can.niveau), 100), can.code_territoire
limit 5
"""

# The département holding most of a territory's population: the reference of a custom territory.
SQL_DEPARTEMENT_PRINCIPAL = """
select com.code_departement
from marts.territoires__communes as tc
inner join marts.territoires as com
    on com.niveau = 'commune' and tc.code_commune = com.code_territoire
left join marts.population as pop
    on pop.niveau = 'commune'
    and tc.code_commune = pop.code_territoire
    and pop.millesime = (select max(p.millesime) from marts.population as p)
where tc.niveau = $niveau and tc.code_territoire = $code and com.code_departement is not null
group by com.code_departement
order by sum(coalesce(pop.population_municipale, 0)) desc, count(*) desc, com.code_departement
limit 1
"""


def _territory(row: tuple) -> Territory:
    niveau, code, libelle, departement, region, nb_communes = row
    return Territory(niveau, code, libelle, departement, region, int(nb_communes or 0))


def find_territory(
    con: duckdb.DuckDBPyConnection, code: str, niveau: str | None = None
) -> tuple[Territory, tuple[str, ...]]:
    """The territory with this code (case-insensitive) and the other levels sharing the code.

    Without `niveau`, the first level in NIVEAUX order wins (commune before bassin de vie);
    the caller says which others exist so the reader can ask for them.
    """
    levels = [row[0] for row in con.execute(SQL_NIVEAUX).fetchall()]
    if niveau is not None and niveau not in levels:
        import difflib

        close = difflib.get_close_matches(niveau, levels, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownTerritoryError(
            f"no level {niveau!r} in the published warehouse{hint}; levels: {', '.join(levels)}"
        )
    parameters = {"code": code, "niveau": niveau, "ordre": list(NIVEAUX)}
    rows = con.execute(SQL_TERRITOIRE, parameters).fetchall()
    if rows:
        return _territory(rows[0]), tuple(row[0] for row in rows[1:])
    where = f" at level {niveau!r}" if niveau else ""
    matches = con.execute(SQL_SUGGESTIONS, parameters).fetchall()
    if matches:
        listed = ", ".join(f"{c} {lib or '(no name)'} ({niv})" for niv, c, lib in matches)
        raise UnknownTerritoryError(
            f"no territory with code {code!r}{where}; closest by name: {listed}"
        )
    raise UnknownTerritoryError(
        f"no territory with code {code!r}{where} and no close name; list them with "
        '`observatory query "select niveau, code_territoire, libelle from marts.territoires"`'
    )


def references(con: duckdb.DuckDBPyConnection, territory: Territory) -> tuple[Reference, ...]:
    """The territory, then its département (or région for a département), then France."""
    chosen: list[tuple[str, str, str]] = [("territoire", territory.niveau, territory.code)]
    if territory.niveau == "departement" and territory.code_region:
        chosen.append(("region", "region", territory.code_region))
    elif territory.niveau not in ("departement", "region", "france"):
        departement = territory.code_departement
        if departement is None:
            found = con.execute(
                SQL_DEPARTEMENT_PRINCIPAL, {"niveau": territory.niveau, "code": territory.code}
            ).fetchall()
            departement = found[0][0] if found else None
        if departement is not None:
            chosen.append(("departement", "departement", departement))
    if territory.niveau != "france":
        chosen.append(("france", "france", "FR"))
    names = dict(
        ((niveau, code), libelle)
        for niveau, code, libelle in con.execute(
            "select ter.niveau, ter.code_territoire, ter.libelle from marts.territoires as ter "
            "where ter.niveau in ('departement', 'region', 'france')"
        ).fetchall()
    )
    names[(territory.niveau, territory.code)] = territory.libelle
    return tuple(
        Reference(rang, role, niveau, code, names.get((niveau, code)))
        for rang, (role, niveau, code) in enumerate(chosen)
    )


# --- the sections --------------------------------------------------------------------------------
# Every query reads temp.profil_refs (rang, role, niveau, code_territoire): the territory (rang 0)
# and its references. A temporary table works on a read-only connection and keeps each query a
# plain, schema-qualified SELECT that can be pasted into the DuckDB CLI after creating it.

SQL_REFS = """
create or replace temp table profil_refs (
    rang integer, role varchar, niveau varchar, code_territoire varchar
)
"""

SQL_PARAMETRES = """
select
    max(prm.valeur) filter (where prm.nom = 'source') as source,
    max(prm.valeur) filter (where prm.nom = 'cog_millesime') as cog_millesime
from meta.parametres as prm
"""

SQL_MILLESIMES = """
select
    (select max(pop.millesime) from marts.population as pop) as population,
    (select max(gam.millesime) from marts.services__gammes as gam) as bpe,
    (select max(den.millesime) from marts.sante__densite as den) as sante,
    (select max(apl.millesime) from marts.sante__accessibilite_mg as apl) as apl
"""

SQL_POPULATION = """
select pop.millesime, pop.population_municipale, pop.part_75_ans_et_plus, pop.nb_communes
from marts.population as pop
inner join temp.profil_refs as ref
    on pop.niveau = ref.niveau and pop.code_territoire = ref.code_territoire
where ref.rang = 0
order by pop.millesime
"""

SQL_POPULATION_INDICATEURS = """
with par_reference as (
    select
        ref.rang,
        min(pop.millesime) as debut,
        max(pop.millesime) as fin,
        arg_min(pop.population_municipale, pop.millesime) as population_debut,
        arg_max(pop.population_municipale, pop.millesime) as population_fin,
        arg_max(pop.part_75_ans_et_plus, pop.millesime) as part_75
    from temp.profil_refs as ref
    left join marts.population as pop
        on ref.niveau = pop.niveau and ref.code_territoire = pop.code_territoire
    group by ref.rang
)

select 1 as ordre, 'population_municipale' as code, 'nombre' as unite,
    max(par.fin) as debut, max(par.fin) as fin,
    list(cast(par.population_fin as double) order by par.rang) as valeurs
from par_reference as par
union all
select 2, 'variation_population', 'pct', max(par.debut), max(par.fin),
    list(round(100.0 * (par.population_fin - par.population_debut)
        / nullif(par.population_debut, 0), 2) order by par.rang)
from par_reference as par
union all
select 3, 'part_75_ans_et_plus', 'part', max(par.fin), max(par.fin),
    list(par.part_75 order by par.rang)
from par_reference as par
order by ordre
"""

SQL_DENSITES_SERVICES = """
with edition as (
    select max(gam.millesime) as millesime from marts.services__gammes as gam
),

agregats as (
    select distinct den.type_agregat, den.code_agregat, den.libelle_agregat
    from marts.services__densite as den
    inner join edition as edi on den.millesime = edi.millesime
    where (den.type_agregat = 'gamme' and den.code_agregat <> 'hors_gamme')
        or den.type_agregat = 'dom'
),

presents as (
    -- a territory with a population that edition: no row in services__densite means none
    select distinct gam.niveau, gam.code_territoire
    from marts.services__gammes as gam
    inner join edition as edi on gam.millesime = edi.millesime
)

select
    agr.type_agregat,
    agr.code_agregat,
    upper(left(agr.libelle_agregat, 1)) || lower(substr(agr.libelle_agregat, 2)) as libelle,
    list(
        case when pre.niveau is not null then coalesce(den.pour_10000_hab, 0) end
        order by ref.rang
    ) as valeurs
from agregats as agr
cross join temp.profil_refs as ref
cross join edition as edi
left join presents as pre
    on ref.niveau = pre.niveau and ref.code_territoire = pre.code_territoire
left join marts.services__densite as den
    on ref.niveau = den.niveau
    and ref.code_territoire = den.code_territoire
    and edi.millesime = den.millesime
    and agr.type_agregat = den.type_agregat
    and agr.code_agregat = den.code_agregat
group by agr.type_agregat, agr.code_agregat, agr.libelle_agregat
order by agr.type_agregat = 'dom', list_position(['proximite', 'intermediaire', 'superieure'],
    agr.code_agregat), agr.code_agregat
"""

SQL_GAMMES = """
with edition as (
    select max(gam.millesime) as millesime from marts.services__gammes as gam
),

gammes as (
    select distinct gam.gamme, gam.nb_regroupements
    from marts.services__gammes as gam
    inner join edition as edi on gam.millesime = edi.millesime
)

select
    gms.gamme,
    gms.nb_regroupements,
    list(gam.nb_regroupements_presents order by ref.rang) as presents,
    list(gam.part_population_gamme_complete order by ref.rang) as parts_complete,
    max(gam.regroupements_manquants) filter (where ref.rang = 0) as manquants
from gammes as gms
cross join temp.profil_refs as ref
cross join edition as edi
left join marts.services__gammes as gam
    on ref.niveau = gam.niveau
    and ref.code_territoire = gam.code_territoire
    and edi.millesime = gam.millesime
    and gms.gamme = gam.gamme
group by gms.gamme, gms.nb_regroupements
order by list_position(['proximite', 'intermediaire', 'superieure'], gms.gamme)
"""

SQL_ACCES = """
with edition as (
    select max(acc.millesime) as millesime from marts.services__acces as acc
),

services as (
    select distinct acc.code_regroupement, acc.libelle_regroupement, acc.gamme
    from marts.services__acces as acc
    inner join edition as edi on acc.millesime = edi.millesime
    where acc.niveau = 'france'
)

select
    srv.code_regroupement,
    srv.libelle_regroupement,
    srv.gamme,
    list(acc.distance_km order by ref.rang) as distances,
    max(acc.distance_mediane_km) filter (where ref.rang = 0) as distance_mediane_km,
    max(acc.part_population_plus_10_km) filter (where ref.rang = 0) as part_plus_10_km,
    max(acc.part_population_plus_20_km) filter (where ref.rang = 0) as part_plus_20_km,
    max(acc.code_commune_equipement) filter (where ref.rang = 0) as code_commune_equipement,
    max(com.libelle) filter (where ref.rang = 0) as libelle_commune_equipement
from services as srv
cross join temp.profil_refs as ref
cross join edition as edi
left join marts.services__acces as acc
    on ref.niveau = acc.niveau
    and ref.code_territoire = acc.code_territoire
    and edi.millesime = acc.millesime
    and srv.code_regroupement = acc.code_regroupement
left join marts.territoires as com
    on com.niveau = 'commune' and acc.code_commune_equipement = com.code_territoire
group by srv.code_regroupement, srv.libelle_regroupement, srv.gamme
order by list_position(['proximite', 'intermediaire', 'sante'], srv.gamme),
    max(acc.distance_km) filter (where ref.rang = 0) desc nulls last, srv.libelle_regroupement
"""

SQL_SANTE_DENSITE = """
with extraction as (
    select max(den.millesime) as millesime from marts.sante__densite as den
),

professions as (
    select distinct den.profession
    from marts.sante__densite as den
    inner join extraction as ext on den.millesime = ext.millesime
),

connus as (
    -- a territory with a population that year: no row means no practitioner
    select distinct den.niveau, den.code_territoire
    from marts.sante__densite as den
    inner join extraction as ext on den.millesime = ext.millesime
    union
    select pop.niveau, pop.code_territoire
    from marts.population as pop
)

select
    pro.profession,
    list(case when con.niveau is not null then coalesce(den.pour_10000_hab, 0) end
        order by ref.rang) as densites,
    list(case when con.niveau is not null then coalesce(den.effectif, 0) end
        order by ref.rang) as effectifs
from professions as pro
cross join temp.profil_refs as ref
cross join extraction as ext
left join connus as con
    on ref.niveau = con.niveau and ref.code_territoire = con.code_territoire
left join marts.sante__densite as den
    on ref.niveau = den.niveau
    and ref.code_territoire = den.code_territoire
    and ext.millesime = den.millesime
    and pro.profession = den.profession
    and den.mode = 'ensemble'
group by pro.profession
order by coalesce(list_position($professions, pro.profession), 100), pro.profession
"""

# One (source, year) per profession: the latest year, DREES (all physicians) before ameli
# (libéraux only) when both have it. The bands are the territory's, or its département's when the
# mart has no ageing figures at the territory's level (communes).
SQL_VIEILLISSEMENT = """
with rang_tranches as (
    select case when exists (
        select 1
        from marts.sante__vieillissement as vie
        inner join temp.profil_refs as ref on vie.niveau = ref.niveau
        where ref.rang = 0
    ) then 0 else 1 end as rang
),

choix as (
    select vie.profession, vie.source, vie.annee, rtr.rang
    from marts.sante__vieillissement as vie
    inner join temp.profil_refs as ref
        on vie.niveau = ref.niveau and vie.code_territoire = ref.code_territoire
    inner join rang_tranches as rtr on ref.rang = rtr.rang
    qualify row_number() over (
        partition by vie.profession order by vie.annee desc, vie.source = 'drees' desc
    ) = 1
)

select
    cho.profession,
    cho.source,
    cho.annee,
    cho.rang as rang_tranches,
    coalesce(bool_or(vie.estimation) filter (where ref.rang = cho.rang), false) as estimation,
    max(vie.effectif) filter (where ref.rang = cho.rang) as effectif,
    [
        coalesce(max(vie.effectif_moins_40_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_40_54_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_55_59_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_60_64_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_65_ans_et_plus) filter (where ref.rang = cho.rang), 0)
    ] as tranches,
    coalesce(max(vie.effectif_age_inconnu) filter (where ref.rang = cho.rang), 0) as inconnu,
    list(vie.part_60_ans_et_plus order by ref.rang) as parts_60,
    max(vie.part_65_ans_et_plus) filter (where ref.rang = cho.rang) as part_65,
    max(vie.departs_5_ans_estimes) filter (where ref.rang = cho.rang) as departs_5_ans
from choix as cho
cross join temp.profil_refs as ref
left join marts.sante__vieillissement as vie
    on ref.niveau = vie.niveau
    and ref.code_territoire = vie.code_territoire
    and cho.profession = vie.profession
    and cho.source = vie.source
    and cho.annee = vie.annee
group by cho.profession, cho.source, cho.annee, cho.rang
order by coalesce(list_position($professions, cho.profession), 100), cho.profession
"""

SQL_ACCESSIBILITE = """
with extraction as (
    select max(apl.millesime) as millesime from marts.sante__accessibilite_mg as apl
),

indicateurs as (
    select ref.rang, apl.apl_mg, apl.apl_mg_hors_65_ans, apl.part_population_sous_dense,
        apl.part_population_sous_dense_hors_65_ans
    from temp.profil_refs as ref
    cross join extraction as ext
    left join marts.sante__accessibilite_mg as apl
        on ref.niveau = apl.niveau
        and ref.code_territoire = apl.code_territoire
        and ext.millesime = apl.millesime
)

select 1 as ordre, 'apl_mg' as code, 'apl' as unite,
    list(ind.apl_mg order by ind.rang) as valeurs
from indicateurs as ind
union all
select 2, 'apl_mg_hors_65_ans', 'apl', list(ind.apl_mg_hors_65_ans order by ind.rang)
from indicateurs as ind
union all
select 3, 'part_population_sous_dense', 'part',
    list(ind.part_population_sous_dense order by ind.rang)
from indicateurs as ind
union all
select 4, 'part_population_sous_dense_hors_65_ans', 'part',
    list(ind.part_population_sous_dense_hors_65_ans order by ind.rang)
from indicateurs as ind
order by ordre
"""

SQL_EVOLUTION_DENSITES = """
with grille as (
    select distinct gam.millesime, gam.gamme
    from marts.services__gammes as gam
)

select
    gri.millesime,
    gri.gamme,
    list(
        case when gam.niveau is not null then coalesce(den.pour_10000_hab, 0) end
        order by ref.rang
    ) as valeurs
from grille as gri
cross join temp.profil_refs as ref
left join marts.services__gammes as gam
    on ref.niveau = gam.niveau
    and ref.code_territoire = gam.code_territoire
    and gri.millesime = gam.millesime
    and gri.gamme = gam.gamme
left join marts.services__densite as den
    on ref.niveau = den.niveau
    and ref.code_territoire = den.code_territoire
    and gri.millesime = den.millesime
    and den.type_agregat = 'gamme'
    and gri.gamme = den.code_agregat
group by gri.millesime, gri.gamme
order by list_position(['proximite', 'intermediaire', 'superieure'], gri.gamme), gri.millesime
"""

SQL_CHANGEMENTS = """
select evo.libelle_regroupement, evo.gamme, evo.nb_equipements, evo.variation_nb_equipements,
    evo.millesime_precedent, evo.rupture_serie
from marts.services__evolution as evo
inner join temp.profil_refs as ref
    on evo.niveau = ref.niveau and evo.code_territoire = ref.code_territoire
where ref.rang = 0
    and evo.millesime = (select max(e.millesime) from marts.services__evolution as e)
    and evo.variation_nb_equipements <> 0
order by evo.variation_nb_equipements, evo.libelle_regroupement
"""

SQL_RUPTURES = """
select evo.millesime, evo.motif_rupture, count(*) as nb_services
from marts.services__evolution as evo
inner join temp.profil_refs as ref
    on evo.niveau = ref.niveau and evo.code_territoire = ref.code_territoire
where ref.rang = 0 and evo.rupture_serie
group by evo.millesime, evo.motif_rupture
order by evo.millesime, evo.motif_rupture
"""

SQL_EVOLUTION_SANTE = """
with annees as (
    select distinct den.millesime from marts.sante__densite as den
    union
    select distinct apl.millesime from marts.sante__accessibilite_mg as apl
),

territoire as (
    select ref.niveau, ref.code_territoire from temp.profil_refs as ref where ref.rang = 0
)

select
    ann.millesime,
    max(den.pour_10000_hab) filter (where den.profession = 'medecin_generaliste') as densite_mg,
    max(den.pour_10000_hab) filter (where den.profession = 'infirmier') as densite_infirmiers,
    max(apl.apl_mg) as apl_mg
from annees as ann
cross join territoire as ter
left join marts.sante__densite as den
    on ter.niveau = den.niveau
    and ter.code_territoire = den.code_territoire
    and ann.millesime = den.millesime
    and den.mode = 'ensemble'
left join marts.sante__accessibilite_mg as apl
    on ter.niveau = apl.niveau
    and ter.code_territoire = apl.code_territoire
    and ann.millesime = apl.millesime
group by ann.millesime
order by ann.millesime
"""

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


def load_profile(con: duckdb.DuckDBPyConnection, code: str, niveau: str | None = None) -> Profile:
    """The diagnostic of one territory from the published marts (see the module docstring)."""
    territory, other_levels = find_territory(con, code, niveau)
    refs = references(con, territory)
    con.execute(SQL_REFS)
    con.executemany(
        "insert into temp.profil_refs values (?, ?, ?, ?)",
        [[r.rang, r.role, r.niveau, r.code] for r in refs],
    )
    source_mode, cog = con.execute(SQL_PARAMETRES).fetchall()[0]
    m_population, m_bpe, m_sante, m_apl = con.execute(SQL_MILLESIMES).fetchall()[0]
    professions = {"professions": list(LIBELLES_PROFESSIONS)}
    profile = Profile(
        territory=territory,
        references=refs,
        other_levels=other_levels,
        source_mode=source_mode,
        cog_millesime=cog,
        millesime_population=m_population,
        millesime_bpe=m_bpe,
        millesime_sante=m_sante,
        millesime_apl=m_apl,
    )
    profile.population.extend(
        PopulationYear(m, int(p), part, int(n))
        for m, p, part, n in con.execute(SQL_POPULATION).fetchall()
    )
    for _ordre, code_ind, unite, debut, fin, valeurs in con.execute(
        SQL_POPULATION_INDICATEURS
    ).fetchall():
        label = LIBELLES_INDICATEURS[code_ind]
        if code_ind == "variation_population" and debut is not None:
            label = f"{label} {debut}-{fin}"
        elif fin is not None:
            label = f"{label} {fin}"
        profile.population_indicators.append(Comparison(code_ind, label, unite, _values(valeurs)))
    for type_agregat, code_agregat, libelle, valeurs in con.execute(
        SQL_DENSITES_SERVICES
    ).fetchall():
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
        for gamme, total, presents, parts, manquants in con.execute(SQL_GAMMES).fetchall()
    )
    profile.access.extend(
        Access(c, lib, g, _values(d), med, p10, p20, ce, lce)
        for c, lib, g, d, med, p10, p20, ce, lce in con.execute(SQL_ACCES).fetchall()
    )
    for profession, densites, effectifs in con.execute(SQL_SANTE_DENSITE, professions).fetchall():
        label = LIBELLES_PROFESSIONS.get(profession, profession)
        profile.health_densities.append(Comparison(profession, label, "densite", _values(densites)))
        profile.health_headcounts.append(
            Comparison(profession, label, "effectif", _values(effectifs))
        )
    for row in con.execute(SQL_VIEILLISSEMENT, professions).fetchall():
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
    for _ordre, code_ind, unite, valeurs in con.execute(SQL_ACCESSIBILITE).fetchall():
        profile.accessibility.append(
            Comparison(code_ind, LIBELLES_INDICATEURS[code_ind], unite, _values(valeurs))
        )
    profile.density_evolution.extend(
        DensityPoint(int(m), g, _values(v))
        for m, g, v in con.execute(SQL_EVOLUTION_DENSITES).fetchall()
    )
    profile.changes.extend(
        ServiceChange(lib, g, int(n), int(var), int(prec), bool(rup))
        for lib, g, n, var, prec, rup in con.execute(SQL_CHANGEMENTS).fetchall()
    )
    profile.series_breaks.extend(
        SeriesBreak(
            int(m),
            MOTIFS_RUPTURE.get(motif, motif or ""),
            int(n),
            (motif or "").startswith("change of sources"),
        )
        for m, motif, n in con.execute(SQL_RUPTURES).fetchall()
    )
    profile.health_evolution.extend(
        HealthYear(int(m), mg, inf, apl)
        for m, mg, inf, apl in con.execute(SQL_EVOLUTION_SANTE).fetchall()
    )
    return profile


# --- formatting shared by the terminal and the HTML ----------------------------------------------


def french_number(value: float, decimals: int = 0) -> str:
    """`12 345,6`: how French readers expect numbers (narrow no-break space for thousands)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_value(value: float | None, unit: str) -> str:
    """One figure as a French reader expects it, or `n.d.` when the source has nothing."""
    if value is None:
        return "n.d."
    if unit == "nombre":
        return french_number(value)
    if unit == "part":
        return french_number(100 * value, 1) + " %"
    if unit == "pct":
        return ("+" if value > 0 else "") + french_number(value, 1) + " %"
    if unit == "km":
        return french_number(value, 1) + " km"
    if unit == "densite":
        return french_number(value, 1)
    if unit == "apl":
        return french_number(value, 2)
    if unit == "effectif":
        return french_number(value, 0 if float(value).is_integer() else 1)
    return str(value)
