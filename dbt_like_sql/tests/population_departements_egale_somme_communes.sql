-- Each département's population is the sum of its communes' (the commune's département in the
-- target COG), and the départements add up to France, per millésime.
-- asset: marts.population
with communes as (
    select pop.millesime, cib.code_departement, sum(pop.population_municipale) as pmun
    from intermediate.int_population__communes as pop
    inner join intermediate.int_cog__communes_cible as cib on pop.code_commune = cib.code_commune
    group by pop.millesime, cib.code_departement
),

ecarts_departements as (
    select com.millesime, com.code_departement as code_territoire, com.pmun as attendu,
        dep.population_municipale as trouve
    from communes as com
    left join marts.population as dep
        on com.millesime = dep.millesime
        and dep.niveau = 'departement'
        and com.code_departement = dep.code_territoire
    where dep.population_municipale is distinct from com.pmun
),

ecarts_france as (
    select dep.millesime, 'FR' as code_territoire, sum(dep.population_municipale) as attendu,
        max(fra.population_municipale) as trouve
    from marts.population as dep
    inner join marts.population as fra
        on dep.millesime = fra.millesime and fra.niveau = 'france'
    where dep.niveau = 'departement'
    group by dep.millesime
    having sum(dep.population_municipale) <> max(fra.population_municipale)
)

select * from ecarts_departements
union all
select * from ecarts_france
