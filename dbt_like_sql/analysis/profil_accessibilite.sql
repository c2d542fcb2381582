-- Accessibility to general practitioners (APL) at the latest extraction, with and without the GPs
-- aged 65+, and the share of the population in an under-served commune, per reference. Reads the
-- variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for all
-- of them.
-- grain: one row per cle x code
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

extraction as (
    select max(apl.millesime) as millesime from marts.sante__accessibilite_mg as apl
),

indicateurs as (
    select ref.cle, ref.rang, apl.apl_mg, apl.apl_mg_hors_65_ans, apl.part_population_sous_dense,
        apl.part_population_sous_dense_hors_65_ans
    from profil_refs as ref
    cross join extraction as ext
    left join marts.sante__accessibilite_mg as apl
        on ref.niveau = apl.niveau
        and ref.code_territoire = apl.code_territoire
        and ext.millesime = apl.millesime
)

select ind.cle, 1 as ordre, 'apl_mg' as code, 'apl' as unite,
    list(ind.apl_mg order by ind.rang) as valeurs
from indicateurs as ind
group by ind.cle
union all
select ind.cle, 2, 'apl_mg_hors_65_ans', 'apl', list(ind.apl_mg_hors_65_ans order by ind.rang)
from indicateurs as ind
group by ind.cle
union all
select ind.cle, 3, 'part_population_sous_dense', 'part',
    list(ind.part_population_sous_dense order by ind.rang)
from indicateurs as ind
group by ind.cle
union all
select ind.cle, 4, 'part_population_sous_dense_hors_65_ans', 'part',
    list(ind.part_population_sous_dense_hors_65_ans order by ind.rang)
from indicateurs as ind
group by ind.cle
order by cle, ordre
