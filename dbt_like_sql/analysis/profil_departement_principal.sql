-- The département holding most of a territory's population (latest populations): the reference of
-- a territory without a département of its own (a custom territory). Variables: niveau, code.
-- grain: one row per code_departement (at most one row)
select com.code_departement
from marts.territoires__communes as tc
inner join marts.territoires as com
    on com.niveau = 'commune' and tc.code_commune = com.code_territoire
left join marts.population as pop
    on pop.niveau = 'commune'
    and tc.code_commune = pop.code_territoire
    and pop.millesime = (select max(p.millesime) from marts.population as p)
where tc.niveau = getvariable('niveau') and tc.code_territoire = getvariable('code') and com.code_departement is not null
group by com.code_departement
order by sum(coalesce(pop.population_municipale, 0)) desc, count(*) desc, com.code_departement
limit 1
