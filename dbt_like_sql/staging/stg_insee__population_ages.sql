-- Census population by age band per IRIS, typed: weighted estimates, kept as exact decimals
-- (6 places) so that sums do not depend on the order DuckDB adds them in. Two partitions of
-- the population: six wide bands (0-14 ... 75+) and ten fine bands (0-2, 3-5, 6-10, 11-17 ...
-- 80+), the latter giving the target populations of services (check
-- tests/population_cibles_somme_recensement.sql).
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
    ages.iris as code_iris,
    ages.com as code_commune,
    ages.source_row,
    cast(ages.p_pop as decimal(18, 6)) as population,
    cast(ages.p_pop0014 as decimal(18, 6)) as population_0_14,
    cast(ages.p_pop1529 as decimal(18, 6)) as population_15_29,
    cast(ages.p_pop3044 as decimal(18, 6)) as population_30_44,
    cast(ages.p_pop4559 as decimal(18, 6)) as population_45_59,
    cast(ages.p_pop6074 as decimal(18, 6)) as population_60_74,
    cast(ages.p_pop75p as decimal(18, 6)) as population_75_plus,
    cast(ages.p_pop0002 as decimal(18, 6)) as population_0_2,
    cast(ages.p_pop0305 as decimal(18, 6)) as population_3_5,
    cast(ages.p_pop0610 as decimal(18, 6)) as population_6_10,
    cast(ages.p_pop1117 as decimal(18, 6)) as population_11_17,
    cast(ages.p_pop1824 as decimal(18, 6)) as population_18_24,
    cast(ages.p_pop2539 as decimal(18, 6)) as population_25_39,
    cast(ages.p_pop4054 as decimal(18, 6)) as population_40_54,
    cast(ages.p_pop5564 as decimal(18, 6)) as population_55_64,
    cast(ages.p_pop6579 as decimal(18, 6)) as population_65_79,
    cast(ages.p_pop80p as decimal(18, 6)) as population_80_plus
from raw.insee__population_ages as ages
