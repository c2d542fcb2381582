-- Indicators per target population agree with the facilities they count: in France, every
-- service has the facilities and places (CAPACITE) of int_bpe__equipements; the share of the
-- target population beyond 20 km never exceeds the share beyond 10 km; places are counted
-- only for services with a capacity.
-- asset: marts.services__besoins
with attendus as (
    select
        equ.millesime,
        reg.code_regroupement,
        sum(equ.nb_equipements) as nb_equipements,
        coalesce(sum(equ.capacite), 0) as places
    from intermediate.int_bpe__equipements as equ
    inner join intermediate.int_bpe__services_besoins as reg
        on equ.millesime = reg.millesime and equ.code_serie = reg.code_serie
    group by equ.millesime, reg.code_regroupement
)

select bes.niveau, bes.code_territoire, bes.millesime, bes.code_regroupement,
    bes.nb_equipements, att.nb_equipements as attendus, bes.places, att.places as places_attendues
from marts.services__besoins as bes
left join attendus as att
    on bes.millesime = att.millesime and bes.code_regroupement = att.code_regroupement
where
    (bes.niveau = 'france'
        and (bes.nb_equipements <> coalesce(att.nb_equipements, 0)
            or coalesce(bes.places, 0) <> att.places))
    or bes.part_cible_plus_20_km > bes.part_cible_plus_10_km
    or (bes.places is null and bes.places_pour_1000 is not null)
