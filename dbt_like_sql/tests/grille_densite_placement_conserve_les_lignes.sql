-- Every row of the grille communale de densité is either placed on a commune of the target COG
-- or in quarantine: rows in = rows placed + rows quarantined, for every grid year.
-- asset: intermediate.int_densite__placement
with entree as (
    select grd.millesime, count(*) as lignes
    from staging.stg_insee__grille_densite as grd
    group by grd.millesime
),

sortie as (
    select plc.millesime, count(*) filter (where plc.code_commune is not null) as lignes_placees
    from intermediate.int_densite__placement as plc
    group by plc.millesime
),

quarantaine as (
    select qua.millesime, count(*) as lignes
    from quarantine.insee__grille_densite as qua
    group by qua.millesime
)

select ent.millesime, ent.lignes, sor.lignes_placees, qua.lignes as lignes_quarantaine
from entree as ent
left join sortie as sor on ent.millesime = sor.millesime
left join quarantaine as qua on ent.millesime = qua.millesime
where ent.lignes <> coalesce(sor.lignes_placees, 0) + coalesce(qua.lignes, 0)
