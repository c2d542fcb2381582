-- Every IRIS row of the census age file is either placed or in quarantine: rows in = placed +
-- quarantined, population likewise (to the rounding of weighted estimates).
-- asset: intermediate.int_population_ages__placement
with entree as (
    select ages.millesime, count(*) as lignes, sum(ages.population) as population
    from staging.stg_insee__population_ages as ages
    group by ages.millesime
),

sortie as (
    select
        plc.millesime,
        count(*) filter (where plc.code_commune is not null) as lignes_placees,
        sum(plc.population) filter (where plc.code_commune is not null) as population_placee
    from intermediate.int_population_ages__placement as plc
    group by plc.millesime
),

quarantaine as (
    select qua.millesime, count(*) as lignes, sum(qua.population) as population
    from quarantine.insee__population_ages as qua
    group by qua.millesime
)

select ent.millesime, ent.lignes, sor.lignes_placees, qua.lignes as lignes_quarantaine
from entree as ent
left join sortie as sor on ent.millesime = sor.millesime
left join quarantaine as qua on ent.millesime = qua.millesime
where
    ent.lignes <> coalesce(sor.lignes_placees, 0) + coalesce(qua.lignes, 0)
    or abs(ent.population - coalesce(sor.population_placee, 0) - coalesce(qua.population, 0))
    > 0.001
