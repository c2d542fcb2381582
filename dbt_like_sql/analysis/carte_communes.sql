-- Every commune of each territory asked with its outline and the indicators its maps show:
-- straight-line distance to the nearest facility of each service of carte_services (latest BPE
-- edition; the services of every territory asked, each territory keeps its own), the GP
-- accessibility (APL, latest year), the share aged 75 and over (latest population) and the
-- change of the population between the first and the last millésime of marts.population
-- (percent, NULL for a commune missing from either). Reads the variables carte_refs (every
-- territory asked: a list of struct(cle, niveau, code); one run answers for all of them) and
-- carte_services (list of code_regroupement). The distances come as two lists (services and
-- distances in km): a MAP costs twice as much to turn into Python objects.
-- grain: one row per cle x code_commune
with carte_refs as (
    select unnest(getvariable('carte_refs'), recursive := true)
),

communes as (
    select ref.cle, tc.code_commune
    from carte_refs as ref
    inner join marts.territoires__communes as tc
        on ref.niveau = tc.niveau and ref.code = tc.code_territoire
),

membres as (
    select distinct com.code_commune from communes as com
),

edition_bpe as (
    select max(acc.millesime) as millesime from marts.services__acces as acc
),

edition_apl as (
    select max(apl.millesime) as millesime from marts.sante__accessibilite_mg as apl
),

bornes as (
    select min(pop.millesime) as debut, max(pop.millesime) as fin from marts.population as pop
),

distances as (
    select
        acc.code_territoire as code_commune,
        list(acc.code_regroupement order by acc.code_regroupement) as services,
        list(acc.distance_km order by acc.code_regroupement) as distances
    from marts.services__acces as acc
    inner join edition_bpe as edi on acc.millesime = edi.millesime
    inner join membres as com on acc.code_territoire = com.code_commune
    where acc.niveau = 'commune'
        and list_contains(getvariable('carte_services'), acc.code_regroupement)
    group by acc.code_territoire
),

population as (
    select
        pop.code_territoire as code_commune,
        max(pop.population_municipale) filter (where pop.millesime = bor.debut) as debut,
        max(pop.population_municipale) filter (where pop.millesime = bor.fin) as fin,
        max(pop.part_75_ans_et_plus) filter (where pop.millesime = bor.fin) as part_75
    from marts.population as pop
    cross join bornes as bor
    inner join membres as com on pop.code_territoire = com.code_commune
    where pop.niveau = 'commune'
    group by pop.code_territoire
)

select
    com.cle,
    com.code_commune,
    ter.libelle,
    ctr.geometrie,
    dis.services,
    dis.distances,
    apl.apl_mg,
    pop.part_75,
    round(100.0 * (pop.fin - pop.debut) / nullif(pop.debut, 0), 2) as variation_population,
    bor.debut as millesime_debut,
    bor.fin as millesime_fin,
    edi.millesime as millesime_apl
from communes as com
cross join bornes as bor
cross join edition_apl as edi
left join marts.territoires as ter
    on ter.niveau = 'commune' and com.code_commune = ter.code_territoire
left join marts.territoires__contours as ctr
    on ctr.niveau = 'commune' and com.code_commune = ctr.code_territoire
left join distances as dis on com.code_commune = dis.code_commune
left join population as pop on com.code_commune = pop.code_commune
left join marts.sante__accessibilite_mg as apl
    on apl.niveau = 'commune'
    and com.code_commune = apl.code_territoire
    and edi.millesime = apl.millesime
order by com.cle, com.code_commune
