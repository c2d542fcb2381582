-- Every row of the populations de référence is either placed on a commune of the target COG or
-- in quarantine, and so is its population: rows in = placed + quarantined, PMUN likewise.
-- asset: intermediate.int_population__placement
with entree as (
    select pop.millesime, count(*) as lignes, sum(pop.population_municipale) as pmun
    from staging.stg_insee__populations_reference as pop
    group by pop.millesime
),

placees as (
    select plc.millesime, count(*) as lignes, sum(plc.population_municipale) as pmun
    from intermediate.int_population__placement as plc
    where plc.code_commune is not null
    group by plc.millesime
),

quarantaine as (
    select qua.millesime, count(*) as lignes, sum(qua.population_municipale) as pmun
    from quarantine.insee__populations_reference as qua
    group by qua.millesime
)

select
    ent.millesime,
    ent.lignes as lignes_entree,
    coalesce(pla.lignes, 0) as lignes_placees,
    coalesce(qua.lignes, 0) as lignes_quarantaine,
    ent.pmun as pmun_entree,
    coalesce(pla.pmun, 0) + coalesce(qua.pmun, 0) as pmun_sortie
from entree as ent
left join placees as pla on ent.millesime = pla.millesime
left join quarantaine as qua on ent.millesime = qua.millesime
where
    ent.lignes <> coalesce(pla.lignes, 0) + coalesce(qua.lignes, 0)
    or ent.pmun is distinct from coalesce(pla.pmun, 0) + coalesce(qua.pmun, 0)
