-- The target population of every service (regroupement) of every BPE edition: the group of its
-- facility types (seeds.populations_cibles matched on their series code, else the default row)
-- when they share one, else the group spanning them all when the census groups hold it (an
-- école of the gamme de proximité counts maternelles 3-5, primaires 3-10 and élémentaires 6-10:
-- 3-10), else all ages.
-- grain: one row per millesime x code_regroupement
-- columns:
--   millesime: BPE edition
--   code_regroupement: service code (as in int_bpe__regroupements)
--   libelle_regroupement: service label
--   population_cible: target population of the service (see int_population__tranches_cibles)
--   age_min: lower bound in years
--   age_max: upper bound in years (NULL when open: 80+, tous)
--   nb_populations_types: distinct target populations of its facility types (1: they agree)
with seed as (
    select trim(see.typequ) as typequ, trim(see.population_cible) as population_cible
    from seeds.populations_cibles as see
),

membres as (
    select
        reg.millesime,
        reg.code_regroupement,
        reg.libelle_regroupement,
        trc.population_cible,
        trc.age_min,
        trc.age_max
    from intermediate.int_bpe__regroupements as reg
    left join seed as sty on reg.code_serie = sty.typequ
    left join seed as sdf on sdf.typequ = '*'
    inner join intermediate.int_population__tranches_cibles as trc
        on coalesce(sty.population_cible, sdf.population_cible, 'tous') = trc.population_cible
),

services as (
    select
        mem.millesime,
        mem.code_regroupement,
        min(mem.libelle_regroupement) as libelle_regroupement,
        count(distinct mem.population_cible) as nb_populations_types,
        min(mem.population_cible) as population_commune,
        min(mem.age_min) as age_min,
        case when bool_or(mem.age_max is null) then null else max(mem.age_max) end as age_max
    from membres as mem
    group by mem.millesime, mem.code_regroupement
),

englobants as (
    select srv.millesime, srv.code_regroupement, min(trc.population_cible) as population_cible
    from services as srv
    inner join intermediate.int_population__tranches_cibles as trc
        on srv.age_min = trc.age_min and srv.age_max is not distinct from trc.age_max
    group by srv.millesime, srv.code_regroupement
)

select
    srv.millesime,
    srv.code_regroupement,
    srv.libelle_regroupement,
    case
        when srv.nb_populations_types = 1 then srv.population_commune
        else coalesce(eng.population_cible, 'tous')
    end as population_cible,
    trc.age_min,
    trc.age_max,
    srv.nb_populations_types
from services as srv
left join englobants as eng
    on srv.millesime = eng.millesime and srv.code_regroupement = eng.code_regroupement
inner join intermediate.int_population__tranches_cibles as trc
    on trc.population_cible = case
        when srv.nb_populations_types = 1 then srv.population_commune
        else coalesce(eng.population_cible, 'tous')
    end
