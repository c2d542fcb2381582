-- Nearly every facility has a usable point of its own: those without (no coordinates, or a point
-- outside France) are located at their commune's point; more than 5 % of an edition would make
-- distances unreliable.
-- asset: intermediate.int_bpe__equipements
-- severity: warn
select equ.millesime, count(*) filter (where equ.localisation = 'commune') as sans_point,
    count(*) as equipements
from intermediate.int_bpe__equipements as equ
group by equ.millesime
having count(*) filter (where equ.localisation = 'commune') > 0.05 * count(*)
