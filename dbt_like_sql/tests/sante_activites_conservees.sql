-- Every activity of a followed profession (civilians) is either placed on a commune or in
-- quarantine.
-- asset: intermediate.int_sante__activites
with entree as (
    select ann.millesime, count(*) as activites
    from staging.stg_ans__annuaire_sante as ann
    where ann.code_profession in ('10', '21', '40', '50', '60', '69', '70')
        and coalesce(ann.code_categorie, 'C') = 'C'
    group by ann.millesime
),

sortie as (
    select act.millesime,
        count(*) filter (where act.code_commune is not null) as placees
    from intermediate.int_sante__activites as act
    group by act.millesime
),

quarantaine as (
    select qua.millesime, count(*) as activites
    from quarantine.ans__annuaire_sante as qua
    group by qua.millesime
)

select ent.millesime, ent.activites, sor.placees, qua.activites as quarantaine
from entree as ent
left join sortie as sor on ent.millesime = sor.millesime
left join quarantaine as qua on ent.millesime = qua.millesime
where ent.activites <> coalesce(sor.placees, 0) + coalesce(qua.activites, 0)
