-- One distance per commune, service and edition: the grid passes never answer twice.
-- asset: intermediate.int_bpe__distances
select dis.millesime, dis.code_regroupement, dis.code_commune, count(*) as lignes
from intermediate.int_bpe__distances as dis
group by dis.millesime, dis.code_regroupement, dis.code_commune
having count(*) > 1
