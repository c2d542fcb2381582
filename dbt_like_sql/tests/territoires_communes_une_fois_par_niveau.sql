-- Within a level, a commune belongs to one territory at most, so territory totals never count a
-- commune twice.
-- asset: marts.territoires__communes
select tc.niveau, tc.code_commune, count(*) as territoires
from marts.territoires__communes as tc
group by tc.niveau, tc.code_commune
having count(*) > 1
