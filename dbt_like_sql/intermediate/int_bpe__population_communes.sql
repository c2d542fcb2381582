-- The population each BPE edition is compared with: the populations de référence in force on
-- 1 January of the edition (millésime = edition - 3: BPE 2025 with the 2022 populations), else
-- the nearest millésime available.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: BPE edition
--   code_commune: commune of the target COG
--   millesime_population: millésime of the populations de référence used
--   population_municipale: its population municipale
with editions as (
    select distinct equ.millesime from intermediate.int_bpe__equipements as equ
),

choix as (
    select
        edi.millesime,
        arg_min(
            pop.millesime,
            abs(edi.millesime - 3 - pop.millesime) * 2
            + case when pop.millesime > edi.millesime - 3 then 1 else 0 end
        ) as millesime_population
    from editions as edi
    cross join (select distinct p.millesime from intermediate.int_population__communes as p) as pop
    group by edi.millesime
)

select
    cho.millesime,
    pop.code_commune,
    cho.millesime_population,
    pop.population_municipale
from choix as cho
inner join intermediate.int_population__communes as pop on cho.millesime_population = pop.millesime
