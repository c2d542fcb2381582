-- The territory's GP and nurse densities and GP accessibility at every extraction year. Reads the
-- variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for all
-- of them.
-- grain: one row per cle x millesime
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

annees as (
    select distinct den.millesime from marts.sante__densite as den
    union
    select distinct apl.millesime from marts.sante__accessibilite_mg as apl
),

territoire as (
    select ref.cle, ref.niveau, ref.code_territoire from profil_refs as ref where ref.rang = 0
)

select
    ter.cle,
    ann.millesime,
    max(den.pour_10000_hab) filter (where den.profession = 'medecin_generaliste') as densite_mg,
    max(den.pour_10000_hab) filter (where den.profession = 'infirmier') as densite_infirmiers,
    max(apl.apl_mg) as apl_mg
from annees as ann
cross join territoire as ter
left join marts.sante__densite as den
    on ter.niveau = den.niveau
    and ter.code_territoire = den.code_territoire
    and ann.millesime = den.millesime
    and den.mode = 'ensemble'
left join marts.sante__accessibilite_mg as apl
    on ter.niveau = apl.niveau
    and ter.code_territoire = apl.code_territoire
    and ann.millesime = apl.millesime
group by ter.cle, ann.millesime
order by ter.cle, ann.millesime
