-- Each overlap listed is one: the commune belongs to the territory of its row
-- (marts.territoires__communes), its population desservie en propre is below its threshold, and
-- the competing commune is another commune of the same bassin de vie 2022 that holds the service.
-- asset: marts.implantations__chevauchements
with bassins as (
    select tc.code_commune, tc.code_territoire as code_bv2022
    from marts.territoires__communes as tc
    where tc.niveau = 'bv2022'
)

select che.niveau, che.code_territoire, che.code_regroupement, che.code_commune,
    'commune hors du territoire' as probleme
from marts.implantations__chevauchements as che
anti join marts.territoires__communes as tc
    on che.niveau = tc.niveau
    and che.code_territoire = tc.code_territoire
    and che.code_commune = tc.code_commune
union all
select che.niveau, che.code_territoire, che.code_regroupement, che.code_commune,
    'population desservie en propre au moins égale au seuil'
from marts.implantations__chevauchements as che
where che.population_exclusive >= che.seuil_population
union all
select che.niveau, che.code_territoire, che.code_regroupement, che.code_commune,
    'concurrente hors du bassin de vie, identique ou sans le service'
from marts.implantations__chevauchements as che
left join bassins as bas on che.code_commune_concurrente = bas.code_commune
left join intermediate.int_bpe__presence_communes as pre
    on che.millesime = pre.millesime
    and che.code_regroupement = pre.code_regroupement
    and che.code_commune_concurrente = pre.code_commune
where bas.code_bv2022 is distinct from che.code_bv2022
    or che.code_commune_concurrente = che.code_commune
    or pre.code_commune is null
