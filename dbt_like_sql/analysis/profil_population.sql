-- The territory's population at every millésime of the populations de référence. Reads the
-- variable profil_refs: the territory (rang 0) and its references, a list of struct(rang, role,
-- niveau, code_territoire).
-- grain: one row per millesime
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select pop.millesime, pop.population_municipale, pop.part_75_ans_et_plus, pop.nb_communes
from marts.population as pop
inner join profil_refs as ref
    on pop.niveau = ref.niveau and pop.code_territoire = ref.code_territoire
where ref.rang = 0
order by pop.millesime
