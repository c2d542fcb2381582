-- One row per territory: (niveau, code_territoire) is unique in marts.territoires.
-- asset: marts.territoires
select ter.niveau, ter.code_territoire, count(*) as lignes
from marts.territoires as ter
group by ter.niveau, ter.code_territoire
having count(*) > 1
