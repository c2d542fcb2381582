-- How a commune code of any source is placed on a commune of the target COG.
-- Codes of the target COG are kept (identique); arrondissements municipaux go to their commune
-- (arrondissement municipal); any other code is followed through the target COG's movements
-- (fusions, communes nouvelles, code changes: MOD 31, 32, 33, 34, 41, 50), transitively and in
-- date order, starting from 1 January of the source's geography year: a code merged in 2025,
-- whose commune merged again in 2026, ends on the 2026 commune. A code whose movements end on
-- several current communes, or on none, gets no code_commune and the reason instead: the rows
-- of a source that carry it go to quarantine. Scissions (MOD 20, 21) never remap a code: the
-- code still exists; see int_cog__scissions.
-- grain: one row per annee_geographie x code_source (annee_geographie NULL: valid for any year)
-- columns:
--   annee_geographie: COG year of the source's codes (NULL for identique and arrondissement rows)
--   code_source: code as found in a source
--   code_commune: commune of the target COG (NULL when it cannot be placed)
--   methode: identique, arrondissement municipal, or mouvements
--   nb_etapes: movements followed (0 for identique and arrondissement rows)
--   raison_non_placee: why the code cannot be placed (NULL when placed)
with recursive parametres as (
    select cast(prm.valeur as integer) as millesime_cog
    from meta.parametres as prm
    where prm.nom = 'cog_millesime'
),

cible as (
    select cib.code_commune from intermediate.int_cog__communes_cible as cib
),

arrondissements as (
    select
        arm.code_commune as code_source,
        arm.code_commune_parente as code_commune
    from staging.stg_insee__cog_communes as arm
    inner join parametres as prm on arm.millesime = prm.millesime_cog
    where arm.type_commune = 'ARM'
),

mouvements as (
    select distinct
        mvt.code_commune_avant as code_avant,
        mvt.code_commune_apres as code_apres,
        mvt.date_effet
    from staging.stg_insee__cog_mouvements as mvt
    inner join parametres as prm on mvt.millesime = prm.millesime_cog
    where
        mvt.type_commune_avant = 'COM'
        and mvt.type_commune_apres = 'COM'
        and mvt.code_commune_avant <> mvt.code_commune_apres
        and mvt.type_mouvement in (31, 32, 33, 34, 41, 50)
),

annees as (
    select unnest(generate_series(2000, prm.millesime_cog)) as annee_geographie
    from parametres as prm
),

depart as (
    select distinct
        ann.annee_geographie,
        mvt.code_avant as code_source
    from mouvements as mvt
    inner join annees as ann on mvt.date_effet > make_date(ann.annee_geographie, 1, 1)
    where mvt.code_avant not in (select cib.code_commune from cible as cib)
        and mvt.code_avant not in (select arr.code_source from arrondissements as arr)
),

chemins (annee_geographie, code_source, code_courant, date_courante, nb_etapes) as (
    select
        dep.annee_geographie,
        dep.code_source,
        dep.code_source,
        make_date(dep.annee_geographie, 1, 1),
        0
    from depart as dep
    union all
    select
        che.annee_geographie,
        che.code_source,
        mvt.code_apres,
        mvt.date_effet,
        che.nb_etapes + 1
    from chemins as che
    inner join mouvements as mvt
        on mvt.code_avant = che.code_courant and mvt.date_effet > che.date_courante
    where che.nb_etapes < 50
),

fins as (
    select che.annee_geographie, che.code_source, che.code_courant, che.nb_etapes
    from chemins as che
    where not exists (
        select 1 from mouvements as mvt
        where mvt.code_avant = che.code_courant and mvt.date_effet > che.date_courante
    )
),

resolus as (
    select
        fin.annee_geographie,
        fin.code_source,
        count(distinct fin.code_courant) filter (where cib.code_commune is not null) as nb_cibles,
        min(fin.code_courant) filter (where cib.code_commune is not null) as code_commune,
        max(fin.nb_etapes) as nb_etapes
    from fins as fin
    left join cible as cib on fin.code_courant = cib.code_commune
    group by fin.annee_geographie, fin.code_source
)

select
    null::integer as annee_geographie,
    cib.code_commune as code_source,
    cib.code_commune,
    'identique' as methode,
    0 as nb_etapes,
    null::varchar as raison_non_placee
from cible as cib
union all
select
    null::integer,
    arr.code_source,
    arr.code_commune,
    'arrondissement municipal',
    0,
    null::varchar
from arrondissements as arr
union all
select
    res.annee_geographie,
    res.code_source,
    case when res.nb_cibles = 1 then res.code_commune end,
    'mouvements',
    res.nb_etapes,
    case
        when res.nb_cibles = 0 then 'its movements end on no commune of the target COG'
        when res.nb_cibles > 1 then 'ambiguous: its movements end on several communes'
    end
from resolus as res
