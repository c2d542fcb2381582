-- The locator maps of territories, each thing they draw read once: the members of each context
-- (ordre 0: the communes of a département, or the départements of a région, as membres_niveau
-- says; one set per context however many territories of it are asked), the members of each
-- territory asked (ordre 1, by `cle`: its communes, or the département itself), then every
-- outline these maps draw with its name (ordre 2: the contexts' members and the territories).
-- Reads the variable carte_refs: a list of struct(cle, niveau, code, contexte_niveau,
-- contexte_code, membres_niveau); one run answers for all of them.
-- grain: one row per ordre x (contexte or cle) x niveau x code
with carte_refs as (
    select unnest(getvariable('carte_refs'), recursive := true)
),

contextes as (
    select distinct ref.contexte_niveau, ref.contexte_code, ref.membres_niveau
    from carte_refs as ref
),

membres as (
    select ctx.contexte_niveau, ctx.contexte_code, 'commune' as niveau, tc.code_commune as code
    from contextes as ctx
    inner join marts.territoires__communes as tc
        on ctx.contexte_niveau = tc.niveau and ctx.contexte_code = tc.code_territoire
    where ctx.membres_niveau = 'commune'
    union all
    select ctx.contexte_niveau, ctx.contexte_code, 'departement', ter.code_territoire
    from contextes as ctx
    inner join marts.territoires as ter
        on ter.niveau = 'departement' and ctx.contexte_code = ter.code_region
    where ctx.membres_niveau = 'departement'
),

dedans as (
    select ref.cle, 'commune' as niveau, tc.code_commune as code
    from carte_refs as ref
    inner join marts.territoires__communes as tc
        on ref.niveau = tc.niveau and ref.code = tc.code_territoire
    where ref.membres_niveau = 'commune'
    union all
    select ref.cle, ref.niveau, ref.code
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
    null as cle,
    mem.contexte_niveau,
    mem.contexte_code,
    mem.niveau,
    mem.code,
    null as libelle,
    null as geometrie
from membres as mem
inner join marts.territoires__contours as ctr
    on mem.niveau = ctr.niveau and mem.code = ctr.code_territoire
union all
select 1, ded.cle, null, null, ded.niveau, ded.code, null, null
from dedans as ded
union all
select 2, null, null, null, des.niveau, des.code, ter.libelle, ctr.geometrie
from dessines as des
inner join marts.territoires__contours as ctr
    on des.niveau = ctr.niveau and des.code = ctr.code_territoire
left join marts.territoires as ter
    on des.niveau = ter.niveau and des.code = ter.code_territoire
order by ordre, cle, contexte_niveau, contexte_code, niveau, code
