-- The territory's population at every millésime of the populations de référence. Reads the
-- variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for all
-- of them.
-- grain: one row per cle x millesime
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select ref.cle, pop.millesime, pop.population_municipale, pop.part_75_ans_et_plus, pop.nb_communes
from marts.population as pop
inner join profil_refs as ref
    on pop.niveau = ref.niveau and pop.code_territoire = ref.code_territoire
where ref.rang = 0
order by ref.cle, pop.millesime
