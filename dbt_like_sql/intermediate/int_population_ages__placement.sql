-- Every IRIS row of the census age file placed on a commune of the target COG, or not.
-- Census year N is published in the COG of N + 2.
-- grain: one row per millesime x code_iris
-- columns:
--   millesime: census year
--   code_iris: IRIS code
--   source_row: line of the IRIS in its file
--   code_source: commune code as published
--   code_commune: commune of the target COG (NULL when not placed)
--   raison_quarantaine: why the row could not be placed (NULL when placed)
--   population: population of the IRIS
--   population_0_14: aged 0 to 14
--   population_15_29: aged 15 to 29
--   population_30_44: aged 30 to 44
--   population_45_59: aged 45 to 59
--   population_60_74: aged 60 to 74
--   population_75_plus: aged 75 and over
select
    ages.millesime,
    ages.code_iris,
    ages.source_row,
    ages.code_commune as code_source,
    pas.code_commune,
    case
        when ages.code_commune is null then 'no commune code'
        when pas.code_source is null
            then 'code unknown to the target COG and to its movements since 1 January '
            || (ages.millesime + 2)
        else pas.raison_non_placee
    end as raison_quarantaine,
    ages.population,
    ages.population_0_14,
    ages.population_15_29,
    ages.population_30_44,
    ages.population_45_59,
    ages.population_60_74,
    ages.population_75_plus
from staging.stg_insee__population_ages as ages
left join intermediate.int_cog__passage_communes as pas
    on ages.code_commune = pas.code_source
    and coalesce(pas.annee_geographie, ages.millesime + 2) = ages.millesime + 2
