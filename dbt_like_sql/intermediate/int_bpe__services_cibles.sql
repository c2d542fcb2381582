-- The target population of each service (regroupement) of each BPE edition, from the seed
-- populations_cibles (one row per facility type, `*` for every other type; see seeds.yaml for
-- its sources). A row of the seed naming the regroupement's own code wins (unless that code is
-- also one of the service's facility types: regroupements named after their first type); else
-- the service takes the age groups of the facility types it counts, matched on their series
-- code (the latest numbering: a 2023 D210 reads the row of D272); a type the seed does not
-- name takes the `*` row (all ages). When the types of a service name different groups (an école counting maternelles
-- 3-5, primaires 3-10 and élémentaires 6-10), its target population is the smallest group
-- covering them all (3-10), spelt like the seed's groups (`a-b`, `a+`, `tous`).
-- grain: one row per millesime x code_regroupement
-- columns:
--   millesime: BPE edition
--   code_regroupement: service
--   population_cible: age group of the target population (as in marts.population__cibles: 0-2, 3-5, 6-10, 3-10, 11-17, 0-17, 65+, 80+, tous...)
--   origine: regroupement (the seed names the service), typequ (the seed names its facility types), defaut (none of its types is named: the `*` row)
--   nb_groupes_types: distinct age groups among the service's facility types (more than 1: the covering group is used)
with seed as (
    select distinct
        trim(see.typequ) as code,
        trim(see.population_cible) as population_cible
    from seeds.populations_cibles as see
    where nullif(trim(see.population_cible), '') is not null
),

defaut as (
    select coalesce(max(see.population_cible), 'tous') as population_cible
    from seed as see
    where see.code = '*'
),

types as (
    select distinct reg.millesime, reg.code_regroupement, reg.code_serie
    from intermediate.int_bpe__regroupements as reg
),

nommes as (
    -- each type of each service with its group (the series code's row, else the code's own)
    select
        typ.millesime,
        typ.code_regroupement,
        coalesce(see.population_cible, def.population_cible) as population_cible,
        see.code is not null as nomme
    from types as typ
    cross join defaut as def
    left join seed as see on typ.code_serie = see.code
),

bornes as (
    select
        nom.*,
        case when nom.population_cible = 'tous' then 0
            else try_cast(regexp_extract(nom.population_cible, '^(\d+)', 1) as integer)
        end as age_min,
        case when nom.population_cible = 'tous' or nom.population_cible like '%+' then 999
            else try_cast(regexp_extract(nom.population_cible, '-(\d+)$', 1) as integer)
        end as age_max
    from nommes as nom
),

couvertures as (
    select
        bor.millesime,
        bor.code_regroupement,
        min(bor.age_min) as age_min,
        max(bor.age_max) as age_max,
        count(distinct bor.population_cible) as nb_groupes_types,
        bool_or(bor.nomme) as nomme
    from bornes as bor
    group by bor.millesime, bor.code_regroupement
),

par_types as (
    select
        cou.millesime,
        cou.code_regroupement,
        coalesce(
            -- one of the service's own groups covers the others
            (select max(bor.population_cible) from bornes as bor
                where bor.millesime = cou.millesime
                    and bor.code_regroupement = cou.code_regroupement
                    and bor.age_min = cou.age_min and bor.age_max = cou.age_max),
            case
                when cou.age_min = 0 and cou.age_max = 999 then 'tous'
                when cou.age_max = 999 then cou.age_min || '+'
                else cou.age_min || '-' || cou.age_max
            end
        ) as population_cible,
        case when cou.nomme then 'typequ' else 'defaut' end as origine,
        cou.nb_groupes_types
    from couvertures as cou
)

select
    pty.millesime,
    pty.code_regroupement,
    coalesce(see.population_cible, pty.population_cible) as population_cible,
    case when see.code is not null then 'regroupement' else pty.origine end as origine,
    pty.nb_groupes_types
from par_types as pty
left join seed as see
    on pty.code_regroupement = see.code
    and not exists (
        select 1 from types as typ
        where typ.millesime = pty.millesime
            and typ.code_regroupement = pty.code_regroupement
            and typ.code_serie = pty.code_regroupement
    )
