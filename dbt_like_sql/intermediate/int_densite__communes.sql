-- Density class of every commune of the target COG per grid year. A commune formed by merging
-- communes of the grid's geography takes the class holding the largest population among its
-- parts (population of the grid file summed per class; ties, or a file without populations,
-- go to the class with most parts, then to the denser class): a commune nouvelle of a bourg and
-- two larger dispersed villages is "rural à habitat dispersé". A commune of the target COG
-- absent from the grid (created by a scission since) has no row.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: year of the grid
--   code_commune: commune of the target COG
--   classe_densite: density class retained (1 grands centres urbains to 7 rural à habitat très dispersé)
--   nb_parties: rows of the grid placed on the commune (more than one after a merger)
--   nb_classes_parties: distinct classes among those rows (more than one: the rule above chose)
--   population_grille: population of the grid summed over the parts (NULL when the file has none)
with par_classe as (
    select
        plc.millesime,
        plc.code_commune,
        plc.classe_densite,
        sum(plc.population_grille) as population,
        count(*) as nb_lignes
    from intermediate.int_densite__placement as plc
    where plc.code_commune is not null
    group by plc.millesime, plc.code_commune, plc.classe_densite
)

select
    pcl.millesime,
    pcl.code_commune,
    arg_max(
        pcl.classe_densite,
        [coalesce(pcl.population, 0), pcl.nb_lignes, -pcl.classe_densite]
    ) as classe_densite,
    cast(sum(pcl.nb_lignes) as integer) as nb_parties,
    cast(count(*) as integer) as nb_classes_parties,
    cast(sum(pcl.population) as bigint) as population_grille
from par_classe as pcl
group by pcl.millesime, pcl.code_commune
