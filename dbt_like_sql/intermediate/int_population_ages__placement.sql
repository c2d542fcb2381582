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
--   population_0_2: aged 0 to 2 (fine band)
--   population_3_5: aged 3 to 5 (fine band)
--   population_6_10: aged 6 to 10 (fine band)
--   population_11_17: aged 11 to 17 (fine band)
--   population_18_24: aged 18 to 24 (fine band)
--   population_25_39: aged 25 to 39 (fine band)
--   population_40_54: aged 40 to 54 (fine band)
--   population_55_64: aged 55 to 64 (fine band)
--   population_65_79: aged 65 to 79 (fine band)
--   population_80_plus: aged 80 and over (fine band)
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
    ages.population_75_plus,
    ages.population_0_2,
    ages.population_3_5,
    ages.population_6_10,
    ages.population_11_17,
    ages.population_18_24,
    ages.population_25_39,
    ages.population_40_54,
    ages.population_55_64,
    ages.population_65_79,
    ages.population_80_plus
from staging.stg_insee__population_ages as ages
left join intermediate.int_cog__passage_communes as pas
    on ages.code_commune = pas.code_source
    and coalesce(pas.annee_geographie, ages.millesime + 2) = ages.millesime + 2
