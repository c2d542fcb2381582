-- Census population by age band per IRIS, typed: weighted estimates, kept as exact decimals
-- (6 places) so that sums do not depend on the order DuckDB adds them in.
-- grain: one row per millesime x code_iris
-- columns:
--   millesime: census year (RP), published in the COG of millesime + 2
--   code_iris: IRIS code (9 characters; <commune>0000 for a commune not split into IRIS)
--   code_commune: commune (or arrondissement municipal) code in the file's own geography
--   source_row: line of the IRIS in the file
--   population: population of the IRIS
--   population_0_14: aged 0 to 14
--   population_15_29: aged 15 to 29
--   population_30_44: aged 30 to 44
--   population_45_59: aged 45 to 59
--   population_60_74: aged 60 to 74
--   population_75_plus: aged 75 and over
select
    ages.millesime,
    ages.iris as code_iris,
    ages.com as code_commune,
    ages.source_row,
    cast(ages.p_pop as decimal(18, 6)) as population,
    cast(ages.p_pop0014 as decimal(18, 6)) as population_0_14,
    cast(ages.p_pop1529 as decimal(18, 6)) as population_15_29,
    cast(ages.p_pop3044 as decimal(18, 6)) as population_30_44,
    cast(ages.p_pop4559 as decimal(18, 6)) as population_45_59,
    cast(ages.p_pop6074 as decimal(18, 6)) as population_60_74,
    cast(ages.p_pop75p as decimal(18, 6)) as population_75_plus
from raw.insee__population_ages as ages
