-- Practitioners add up: per extraction, profession and mode, the communes of a département sum to
-- the département's headcount and the départements to France's (people split 1/n over their
-- communes, so to a thousandth).
-- asset: marts.sante__densite
with communes as (
    select san.millesime, san.profession, san.mode, ter.code_departement,
        sum(san.effectif) as effectif
    from marts.sante__densite as san
    inner join marts.territoires as ter
        on san.niveau = ter.niveau and san.code_territoire = ter.code_territoire
    where san.niveau = 'commune'
    group by san.millesime, san.profession, san.mode, ter.code_departement
),

departements as (
    select san.millesime, san.profession, san.mode, san.code_territoire, san.effectif
    from marts.sante__densite as san
    where san.niveau = 'departement'
),

france as (
    select san.millesime, san.profession, san.mode, san.effectif
    from marts.sante__densite as san
    where san.niveau = 'france'
)

select 'departement' as niveau, com.millesime, com.profession, com.mode,
    com.code_departement as code, com.effectif as somme_communes, dep.effectif as publie
from communes as com
left join departements as dep
    on com.millesime = dep.millesime
    and com.profession = dep.profession
    and com.mode = dep.mode
    and com.code_departement = dep.code_territoire
where dep.effectif is null or abs(dep.effectif - com.effectif) > 0.001
union all
select 'france', fra.millesime, fra.profession, fra.mode, 'FR', sum(dep.effectif),
    max(fra.effectif)
from france as fra
left join departements as dep
    on fra.millesime = dep.millesime
    and fra.profession = dep.profession
    and fra.mode = dep.mode
group by fra.millesime, fra.profession, fra.mode
having abs(coalesce(sum(dep.effectif), 0) - max(fra.effectif)) > 0.001
