-- France's population municipale is the sum of every row placed on a commune, per millésime
-- (so, with an empty quarantine, the sum of the file's PMUN column).
-- asset: marts.population
with placee as (
    select plc.millesime, sum(plc.population_municipale) as pmun
    from intermediate.int_population__placement as plc
    where plc.code_commune is not null
    group by plc.millesime
)

select pla.millesime, pla.pmun as pmun_placee, fra.population_municipale as pmun_france
from placee as pla
left join marts.population as fra
    on pla.millesime = fra.millesime and fra.niveau = 'france'
where fra.population_municipale is distinct from pla.pmun
