-- Headcounts are people: France's practitioners of a profession (all modes) equal the number of
-- distinct placed people of that profession, however many sites each has.
-- asset: marts.sante__densite
with personnes as (
    select pra.millesime, pra.profession, count(distinct pra.identifiant) as personnes
    from intermediate.int_sante__praticiens_communes as pra
    group by pra.millesime, pra.profession
)

select per.millesime, per.profession, per.personnes, den.effectif
from personnes as per
left join marts.sante__densite as den
    on per.millesime = den.millesime
    and per.profession = den.profession
    and den.niveau = 'france'
    and den.mode = 'ensemble'
where den.effectif is null or abs(den.effectif - per.personnes) > 0.001
