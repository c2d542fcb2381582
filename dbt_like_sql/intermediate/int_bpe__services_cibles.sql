-- The target population of every service measured by marts.services__besoins: a regroupement
-- takes the one of int_bpe__regroupements_cibles (its facility types' group when they share
-- one, else the group spanning them: an école counting maternelles 3-5, primaires 3-10 and
-- élémentaires 6-10 is for the 3-10 year-olds); a facility type that is a service of its own
-- (int_bpe__services_besoins, origine type_cible) takes its own (int_bpe__populations_cibles).
-- grain: one row per millesime x code_regroupement
-- columns:
--   millesime: BPE edition
--   code_regroupement: service
--   population_cible: age group of the target population (as in marts.population__cibles: 0-2, 3-5, 6-10, 3-10, 11-17, 0-17, 65+, 80+, tous...)
--   age_min: lower bound in years
--   age_max: upper bound in years (NULL when open: 80+, tous)
--   nb_populations_types: distinct groups among the service's facility types (more than 1: the spanning group is used)
with types_propres as (
    -- the series code's own row wins over an older code's (they agree in the seed)
    select
        sbe.millesime,
        sbe.code_regroupement,
        arg_min(pci.population_cible, case when pci.typequ = pci.code_serie then 0 else 1 end)
            as population_cible,
        count(distinct pci.population_cible) as nb_populations_types
    from intermediate.int_bpe__services_besoins as sbe
    inner join intermediate.int_bpe__populations_cibles as pci
        on sbe.millesime = pci.millesime and sbe.code_serie = pci.code_serie
    where sbe.origine = 'type_cible'
    group by sbe.millesime, sbe.code_regroupement
)

select
    rcb.millesime,
    rcb.code_regroupement,
    rcb.population_cible,
    rcb.age_min,
    rcb.age_max,
    rcb.nb_populations_types
from intermediate.int_bpe__regroupements_cibles as rcb
union all
select
    tpr.millesime,
    tpr.code_regroupement,
    tpr.population_cible,
    trc.age_min,
    trc.age_max,
    tpr.nb_populations_types
from types_propres as tpr
inner join intermediate.int_population__tranches_cibles as trc
    on tpr.population_cible = trc.population_cible
