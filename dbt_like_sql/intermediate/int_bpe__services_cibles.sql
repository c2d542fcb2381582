-- The target population of each service (regroupement) of each BPE edition: the age groups of
-- the facility types it counts (int_bpe__populations_cibles, from the seed populations_cibles;
-- types matched on their series code; a type absent from the edition reads the seed's row). When its types name different groups (an école
-- counting maternelles 3-5, primaires 3-10 and élémentaires 6-10), the service's target
-- population is the smallest group covering them all (3-10): one of its types' groups when one
-- covers the others, else a group spelt like the seed's (`a-b`, `a+`), which
-- marts.population__cibles may lack (its target population is then unknown). A service none of
-- whose types has a group takes the seed's default row `*` (all ages).
-- grain: one row per millesime x code_regroupement
-- columns:
--   millesime: BPE edition
--   code_regroupement: service
--   population_cible: age group of the target population (as in marts.population__cibles: 0-2, 3-5, 6-10, 3-10, 11-17, 0-17, 65+, 80+, tous...)
--   age_min: lower bound in years
--   age_max: upper bound in years (NULL when open: 80+, tous)
--   nb_groupes_types: distinct groups among the service's facility types (more than 1: the covering group is used)
with defaut as (
    select coalesce(max(trim(see.population_cible)), 'tous') as population_cible
    from seeds.populations_cibles as see
    where trim(see.typequ) = '*'
),

groupes_types as (
    -- each type of each service with its group: the edition's type, else (a type of the
    -- gammes absent from the edition, such as the 2023 écoles in 2021) the seed's row
    select distinct
        reg.millesime,
        reg.code_regroupement,
        coalesce(pci.population_cible, trim(see.population_cible)) as population_cible
    from intermediate.int_bpe__services_besoins as reg
    left join intermediate.int_bpe__populations_cibles as pci
        on reg.millesime = pci.millesime and reg.code_serie = pci.code_serie
    left join seeds.populations_cibles as see on reg.code_serie = trim(see.typequ)
    where coalesce(pci.population_cible, trim(see.population_cible)) is not null
),

types as (
    select grt.*, trc.age_min, trc.age_max
    from groupes_types as grt
    inner join intermediate.int_population__tranches_cibles as trc
        on grt.population_cible = trc.population_cible
),

couvertures as (
    select
        typ.millesime,
        typ.code_regroupement,
        min(typ.age_min) as age_min,
        -- an open group (80+, tous) has no upper bound
        case when bool_or(typ.age_max is null) then null else max(typ.age_max) end as age_max,
        count(distinct typ.population_cible) as nb_groupes_types
    from types as typ
    group by typ.millesime, typ.code_regroupement
),

par_types as (
    select
        cou.millesime,
        cou.code_regroupement,
        coalesce(
            (select max(typ.population_cible) from types as typ
                where typ.millesime = cou.millesime
                    and typ.code_regroupement = cou.code_regroupement
                    and typ.age_min = cou.age_min
                    and coalesce(typ.age_max, -1) = coalesce(cou.age_max, -1)),
            case
                when cou.age_min = 0 and cou.age_max is null then 'tous'
                when cou.age_max is null then cou.age_min || '+'
                else cou.age_min || '-' || cou.age_max
            end
        ) as population_cible,
        cou.age_min,
        cou.age_max,
        cou.nb_groupes_types
    from couvertures as cou
),

services as (
    select distinct reg.millesime, reg.code_regroupement
    from intermediate.int_bpe__services_besoins as reg
)

select
    srv.millesime,
    srv.code_regroupement,
    coalesce(pty.population_cible, def.population_cible) as population_cible,
    coalesce(pty.age_min, trc.age_min) as age_min,
    case when pty.code_regroupement is not null then pty.age_max else trc.age_max end as age_max,
    coalesce(pty.nb_groupes_types, 0) as nb_groupes_types
from services as srv
cross join defaut as def
left join par_types as pty
    on srv.millesime = pty.millesime and srv.code_regroupement = pty.code_regroupement
left join intermediate.int_population__tranches_cibles as trc
    on def.population_cible = trc.population_cible
