-- The locator maps of territories: for each territory asked (`cle`), its context's members (the
-- communes of its département, or the départements of its région, as membres_niveau says) with
-- an outline, whether each lies in the territory (ordre 0), and the territory itself (ordre 1);
-- then every outline these maps draw, once (ordre 2, no cle: a département's communes are drawn
-- on the maps of all its territories). Reads the variable carte_refs: a list of struct(cle,
-- niveau, code, contexte_niveau, contexte_code, membres_niveau), one run answers for all of them.
-- grain: one row per ordre x cle x niveau x code
with carte_refs as (
    select unnest(getvariable('carte_refs'), recursive := true)
),

membres as (
    select ref.cle, 'commune' as niveau, tc.code_commune as code
    from carte_refs as ref
    inner join marts.territoires__communes as tc
        on ref.contexte_niveau = tc.niveau and ref.contexte_code = tc.code_territoire
    where ref.membres_niveau = 'commune'
    union all
    select ref.cle, 'departement', ter.code_territoire
    from carte_refs as ref
    inner join marts.territoires as ter
        on ter.niveau = 'departement' and ref.contexte_code = ter.code_region
    where ref.membres_niveau = 'departement'
),

dedans as (
    select ref.cle, tc.code_commune as code
    from carte_refs as ref
    inner join marts.territoires__communes as tc
        on ref.niveau = tc.niveau and ref.code = tc.code_territoire
    where ref.membres_niveau = 'commune'
    union all
    select ref.cle, ref.code
    from carte_refs as ref
    where ref.membres_niveau <> 'commune'
),

dessines as (
    select mem.niveau, mem.code from membres as mem
    union
    select ref.niveau, ref.code from carte_refs as ref
)

select
    0 as ordre,
    mem.cle,
    mem.niveau,
    mem.code,
    ded.code is not null as dans_territoire,
    null as libelle,
    null as geometrie
from membres as mem
inner join marts.territoires__contours as ctr
    on mem.niveau = ctr.niveau and mem.code = ctr.code_territoire
left join dedans as ded on mem.cle = ded.cle and mem.code = ded.code
union all
select 1, ref.cle, ref.niveau, ref.code, true, null, null
from carte_refs as ref
union all
select 2, null, des.niveau, des.code, true, ter.libelle, ctr.geometrie
from dessines as des
inner join marts.territoires__contours as ctr
    on des.niveau = ctr.niveau and des.code = ctr.code_territoire
left join marts.territoires as ter
    on des.niveau = ter.niveau and des.code = ter.code_territoire
order by ordre, cle, niveau, code
