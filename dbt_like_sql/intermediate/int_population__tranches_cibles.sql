-- The age groups a population is counted in: the ten fine bands of the census (a partition of
-- the population: 0-2, 3-5, 6-10, 11-17, 18-24, 25-39, 40-54, 55-64, 65-79, 80+), `tous` (the
-- whole census population), and every target population named in seeds.populations_cibles
-- (`a-b` or `a+` in years, e.g. 0-17, 3-10, 65+), counted as the sum of the fine bands it
-- covers. A seed group whose bounds are not fine-band bounds is kept with its bounds and
-- flagged by tests/populations_cibles_seed_valide.sql.
-- grain: one row per population_cible
-- columns:
--   population_cible: the group's code (0-2, 3-5 ... 80+, 0-17, 65+, tous)
--   libelle: its label (de 0 à 2 ans, 80 ans et plus, tous âges)
--   age_min: lower bound in years (0 for tous; NULL when the code cannot be read)
--   age_max: upper bound in years (NULL for an open group: 80+, 65+, tous)
--   tranche_fine: one of the ten fine bands of the census (they add up to the population)
--   dans_seed: named by seeds.populations_cibles
with fines as (
    select fin.population_cible, fin.age_min, fin.age_max
    from (
        values
        ('0-2', 0, 2), ('3-5', 3, 5), ('6-10', 6, 10), ('11-17', 11, 17), ('18-24', 18, 24),
        ('25-39', 25, 39), ('40-54', 40, 54), ('55-64', 55, 64), ('65-79', 65, 79),
        ('80+', 80, null)
    ) as fin (population_cible, age_min, age_max)
),

seed as (
    select distinct trim(see.population_cible) as population_cible
    from seeds.populations_cibles as see
),

lues as (
    select
        see.population_cible,
        case
            when see.population_cible = 'tous' then 0
            else coalesce(
                try_cast(regexp_extract(see.population_cible, '^(\d+)-(\d+)$', 1) as integer),
                try_cast(regexp_extract(see.population_cible, '^(\d+)\+$', 1) as integer)
            )
        end as age_min,
        try_cast(regexp_extract(see.population_cible, '^(\d+)-(\d+)$', 2) as integer) as age_max
    from seed as see
),

groupes as (
    select fin.population_cible, fin.age_min, fin.age_max, true as tranche_fine
    from fines as fin
    union all
    select 'tous', 0, null, false
    union all
    select lue.population_cible, lue.age_min, lue.age_max, false
    from lues as lue
    where lue.population_cible not in (select fin.population_cible from fines as fin)
        and lue.population_cible <> 'tous'
)

select
    grp.population_cible,
    case
        when grp.population_cible = 'tous' then 'tous âges'
        when grp.age_max is not null then 'de ' || grp.age_min || ' à ' || grp.age_max || ' ans'
        when grp.age_min is not null then grp.age_min || ' ans et plus'
        else grp.population_cible
    end as libelle,
    grp.age_min,
    grp.age_max,
    grp.tranche_fine,
    grp.population_cible in (select see.population_cible from seed as see) as dans_seed
from groupes as grp
