-- Facilities add up: per edition and facility type, the communes of a département sum to the
-- département's count, and the départements sum to France's.
-- asset: marts.services__densite
with communes as (
    select den.millesime, den.code_agregat, ter.code_departement,
        sum(den.nb_equipements) as nb_equipements
    from marts.services__densite as den
    inner join marts.territoires as ter
        on den.niveau = ter.niveau and den.code_territoire = ter.code_territoire
    where den.niveau = 'commune' and den.type_agregat = 'typequ'
    group by den.millesime, den.code_agregat, ter.code_departement
),

departements as (
    select den.millesime, den.code_agregat, den.code_territoire, den.nb_equipements
    from marts.services__densite as den
    where den.niveau = 'departement' and den.type_agregat = 'typequ'
),

france as (
    select den.millesime, den.code_agregat, den.nb_equipements
    from marts.services__densite as den
    where den.niveau = 'france' and den.type_agregat = 'typequ'
)

select 'departement' as niveau, com.millesime, com.code_agregat, com.code_departement as code,
    com.nb_equipements as somme_communes, dep.nb_equipements as publie
from communes as com
left join departements as dep
    on com.millesime = dep.millesime
    and com.code_agregat = dep.code_agregat
    and com.code_departement = dep.code_territoire
where dep.nb_equipements is distinct from com.nb_equipements
union all
select 'france', fra.millesime, fra.code_agregat, 'FR', sum(dep.nb_equipements), max(fra.nb_equipements)
from france as fra
left join departements as dep
    on fra.millesime = dep.millesime and fra.code_agregat = dep.code_agregat
group by fra.millesime, fra.code_agregat
having sum(dep.nb_equipements) is distinct from max(fra.nb_equipements)
