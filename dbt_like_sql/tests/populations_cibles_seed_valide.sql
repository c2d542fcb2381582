-- seeds.populations_cibles is usable: one default row `*`, each type once, each type a code of
-- the BPE nomenclature (seeds.bpe_typequ or an ingested edition's), and each target population
-- readable (`a-b`, `a+` or tous) with bounds of the census fine bands, so that it is exactly a
-- sum of fine bands.
-- asset: intermediate.int_bpe__populations_cibles
with seed as (
    select trim(see.typequ) as typequ, trim(see.population_cible) as population_cible
    from seeds.populations_cibles as see
),

bornes as (
    select distinct fin.age_min as borne_min, fin.age_max as borne_max
    from intermediate.int_population__tranches_cibles as fin
    where fin.tranche_fine
),

connus as (
    select trim(typ.typequ) as typequ from seeds.bpe_typequ as typ
    union
    select nom.typequ from intermediate.int_bpe__nomenclature as nom
)

select see.typequ, see.population_cible, 'code absent de la nomenclature BPE' as probleme
from seed as see
where see.typequ <> '*' and see.typequ not in (select con.typequ from connus as con)
union all
select see.typequ, min(see.population_cible), 'type présent plusieurs fois'
from seed as see
group by see.typequ
having count(*) > 1
union all
select '*', null, 'pas de ligne par défaut *'
where not exists (select 1 from seed as see where see.typequ = '*')
union all
select see.typequ, see.population_cible, 'population cible illisible ou hors des bornes des tranches fines'
from seed as see
inner join intermediate.int_population__tranches_cibles as trc
    on see.population_cible = trc.population_cible
where trc.age_min is null
    or trc.age_min not in (select bor.borne_min from bornes as bor)
    or (
        trc.age_max is not null
        and trc.age_max not in (select bor.borne_max from bornes as bor where bor.borne_max is not null)
    )
