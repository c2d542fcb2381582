-- Every BPE facility is either placed on a commune of the target COG or in quarantine: rows in
-- = rows placed + rows quarantined, per edition, and the facilities they stand for and their
-- capacities (places) likewise.
-- asset: intermediate.int_bpe__placement
with entree as (
    select bpe.millesime, count(*) as lignes, sum(bpe.nb_equipements) as equipements,
        coalesce(sum(bpe.capacite), 0) as places
    from staging.stg_insee__bpe as bpe
    group by bpe.millesime
),

placees as (
    select equ.millesime, count(*) as lignes, sum(equ.nb_equipements) as equipements,
        coalesce(sum(equ.capacite), 0) as places
    from intermediate.int_bpe__equipements as equ
    group by equ.millesime
),

quarantaine as (
    select qua.millesime, count(*) as lignes, sum(qua.nb_equipements) as equipements,
        coalesce(sum(qua.capacite), 0) as places
    from quarantine.insee__bpe as qua
    group by qua.millesime
)

select ent.millesime, ent.lignes, pla.lignes as placees, qua.lignes as quarantaine
from entree as ent
left join placees as pla on ent.millesime = pla.millesime
left join quarantaine as qua on ent.millesime = qua.millesime
where
    ent.lignes <> coalesce(pla.lignes, 0) + coalesce(qua.lignes, 0)
    or ent.equipements <> coalesce(pla.equipements, 0) + coalesce(qua.equipements, 0)
    or ent.places <> coalesce(pla.places, 0) + coalesce(qua.places, 0)
