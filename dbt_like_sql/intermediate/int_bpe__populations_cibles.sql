-- The target population of every facility type of every BPE edition, from
-- seeds.populations_cibles: the seed's row for the type's own code, else for its series code
-- (a 2021 pédiatre D210 follows D272), else the seed's default row `*` (tous: all ages).
-- grain: one row per millesime x typequ
-- columns:
--   millesime: BPE edition
--   typequ: facility type code in that edition
--   code_serie: its code in the latest numbering (int_bpe__series)
--   population_cible: target population (see int_population__tranches_cibles: 0-2, 3-5, 80+, tous...)
--   age_min: lower bound of the target population in years
--   age_max: upper bound in years (NULL when open: 80+, tous)
--   regle: how the type was matched: typequ (its own code), serie (its series code) or defaut
with seed as (
    select trim(see.typequ) as typequ, trim(see.population_cible) as population_cible
    from seeds.populations_cibles as see
),

types as (
    select ser.millesime, ser.typequ, ser.code_serie
    from intermediate.int_bpe__series as ser
),

choix as (
    select
        typ.millesime,
        typ.typequ,
        typ.code_serie,
        coalesce(sty.population_cible, sse.population_cible, sdf.population_cible, 'tous')
            as population_cible,
        case
            when sty.typequ is not null then 'typequ'
            when sse.typequ is not null then 'serie'
            else 'defaut'
        end as regle
    from types as typ
    left join seed as sty on typ.typequ = sty.typequ
    left join seed as sse on typ.code_serie = sse.typequ
    left join seed as sdf on sdf.typequ = '*'
)

select
    cho.millesime,
    cho.typequ,
    cho.code_serie,
    cho.population_cible,
    trc.age_min,
    trc.age_max,
    cho.regle
from choix as cho
left join intermediate.int_population__tranches_cibles as trc
    on cho.population_cible = trc.population_cible
