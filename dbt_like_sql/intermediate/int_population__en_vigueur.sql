-- The population in force on 1 January of each year, per commune, for comparing any dated
-- source with the right population: the populations de référence of millésime year - 3 (in force
-- on 1 January of year; millésime 2023 is in force in 2026), else the nearest millésime ingested.
-- Years covered: from the first millésime ingested to ten years after the last.
-- grain: one row per annee x code_commune
-- columns:
--   annee: year of the source to compare (its reference date is 1 January of that year)
--   code_commune: commune of the target COG
--   millesime_population: millésime of the populations de référence used
--   population_municipale: its population municipale
--   population_standardisee: its age-standardised population
with millesimes as (
    select distinct pop.millesime from intermediate.int_population__communes as pop
),

annees as (
    select unnest(generate_series(min(mil.millesime), max(mil.millesime) + 13)) as annee
    from millesimes as mil
),

choix as (
    select
        ann.annee,
        arg_min(
            mil.millesime,
            abs(ann.annee - 3 - mil.millesime) * 2
            + case when mil.millesime > ann.annee - 3 then 1 else 0 end
        ) as millesime_population
    from annees as ann
    cross join millesimes as mil
    group by ann.annee
)

select
    cho.annee,
    pop.code_commune,
    cho.millesime_population,
    pop.population_municipale,
    pop.population_standardisee
from choix as cho
inner join intermediate.int_population__communes as pop on cho.millesime_population = pop.millesime
