-- Population, its change from the first to the last millésime and the share aged 75 and over, for
-- the territory and each reference (lists ordered by rang). Reads the variable profil_refs: for
-- every territory asked (`cle`), the territory (rang 0) and its references, a list of struct(cle,
-- rang, role, niveau, code_territoire); one run answers for all of them.
-- grain: one row per cle x code
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

par_reference as (
    select
        ref.cle,
        ref.rang,
        min(pop.millesime) as debut,
        max(pop.millesime) as fin,
        arg_min(pop.population_municipale, pop.millesime) as population_debut,
        arg_max(pop.population_municipale, pop.millesime) as population_fin,
        arg_max(pop.part_75_ans_et_plus, pop.millesime) as part_75
    from profil_refs as ref
    left join marts.population as pop
        on ref.niveau = pop.niveau and ref.code_territoire = pop.code_territoire
    group by ref.cle, ref.rang
)

select par.cle, 1 as ordre, 'population_municipale' as code, 'nombre' as unite,
    max(par.fin) as debut, max(par.fin) as fin,
    list(cast(par.population_fin as double) order by par.rang) as valeurs
from par_reference as par
group by par.cle
union all
select par.cle, 2, 'variation_population', 'pct', max(par.debut), max(par.fin),
    list(round(100.0 * (par.population_fin - par.population_debut)
        / nullif(par.population_debut, 0), 2) order by par.rang)
from par_reference as par
group by par.cle
union all
select par.cle, 3, 'part_75_ans_et_plus', 'part', max(par.fin), max(par.fin),
    list(par.part_75 order by par.rang)
from par_reference as par
group by par.cle
order by cle, ordre
