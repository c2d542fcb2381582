-- The département holding most of each territory's population (latest populations): the reference
-- of a territory without a département of its own (a custom territory). Variable: territoires, a
-- list of struct(niveau, code_territoire) (one run answers for all of them).
-- grain: one row per niveau x code_territoire (at most one row per territory)
with territoires as (
    select unnest(getvariable('territoires'), recursive := true)
)

select ter.niveau, ter.code_territoire, com.code_departement
from territoires as ter
inner join marts.territoires__communes as tc
    on tc.niveau = ter.niveau and tc.code_territoire = ter.code_territoire
inner join marts.territoires as com
    on com.niveau = 'commune' and tc.code_commune = com.code_territoire
left join marts.population as pop
    on pop.niveau = 'commune'
    and tc.code_commune = pop.code_territoire
    and pop.millesime = (select max(p.millesime) from marts.population as p)
where com.code_departement is not null
group by ter.niveau, ter.code_territoire, com.code_departement
qualify row_number() over (
    partition by ter.niveau, ter.code_territoire
    order by sum(coalesce(pop.population_municipale, 0)) desc, count(*) desc, com.code_departement
) = 1
