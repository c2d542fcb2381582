-- The ten fine age bands add up to the census population (`tous`) of every commune and
-- territory, every census year; and France's census population is that of every IRIS row
-- placed on a commune. Census figures are weighted decimals, read to 6 places: at most
-- 11 x 5e-7 of rounding per IRIS, under 0.3 person over France's 50,000 IRIS, hence 0.5.
-- asset: marts.population__cibles
with sommes as (
    select
        pc.niveau,
        pc.code_territoire,
        pc.millesime,
        sum(pc.population) filter (where pc.tranche_fine) as somme_tranches,
        max(pc.population) filter (where pc.population_cible = 'tous') as population,
        count(*) filter (where pc.tranche_fine) as tranches
    from marts.population__cibles as pc
    group by pc.niveau, pc.code_territoire, pc.millesime
),

placees as (
    select plc.millesime, sum(plc.population) as population
    from intermediate.int_population_ages__placement as plc
    where plc.code_commune is not null
    group by plc.millesime
)

select som.niveau, som.code_territoire, som.millesime, som.tranches,
    som.somme_tranches as attendu, som.population as trouve
from sommes as som
where som.tranches <> 10
    or som.population is null
    or abs(som.somme_tranches - som.population) > 0.5
union all
select 'france', 'FR', pla.millesime, null, pla.population, fra.population
from placees as pla
left join marts.population__cibles as fra
    on pla.millesime = fra.millesime
    and fra.niveau = 'france'
    and fra.population_cible = 'tous'
where fra.population is null or abs(fra.population - pla.population) > 0.5
