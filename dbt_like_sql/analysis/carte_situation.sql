-- The locator map of a territory: the outlines of its context's members (the communes of its
-- département, or the départements of its région, as membres_niveau says), whether each lies in
-- the territory, then the territory's own outline (ordre 1). Reads the variables carte_niveau and
-- carte_code (the territory), contexte_niveau and contexte_code (its context) and membres_niveau
-- (commune or departement).
-- grain: one row per ordre x code
with membres as (
    select tc.code_commune as code
    from marts.territoires__communes as tc
    where getvariable('membres_niveau') = 'commune'
        and tc.niveau = getvariable('contexte_niveau')
        and tc.code_territoire = getvariable('contexte_code')
    union all
    select ter.code_territoire
    from marts.territoires as ter
    where getvariable('membres_niveau') = 'departement'
        and ter.niveau = 'departement'
        and ter.code_region = getvariable('contexte_code')
),

dedans as (
    select tc.code_commune as code
    from marts.territoires__communes as tc
    where getvariable('membres_niveau') = 'commune'
        and tc.niveau = getvariable('carte_niveau')
        and tc.code_territoire = getvariable('carte_code')
    union all
    select getvariable('carte_code')
    where getvariable('membres_niveau') <> 'commune'
)

select
    0 as ordre,
    mem.code,
    ter.libelle,
    ctr.geometrie,
    mem.code in (select ded.code from dedans as ded) as dans_territoire
from membres as mem
inner join marts.territoires__contours as ctr
    on ctr.niveau = getvariable('membres_niveau') and mem.code = ctr.code_territoire
left join marts.territoires as ter
    on ter.niveau = getvariable('membres_niveau') and mem.code = ter.code_territoire
union all
select 1, ctr.code_territoire, ter.libelle, ctr.geometrie, true
from marts.territoires__contours as ctr
left join marts.territoires as ter
    on ctr.niveau = ter.niveau and ctr.code_territoire = ter.code_territoire
where ctr.niveau = getvariable('carte_niveau') and ctr.code_territoire = getvariable('carte_code')
order by ordre, code
