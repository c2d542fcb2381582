-- Every published territory, for the static site (`observatory site`): its pages, and the names
-- of the parents it links to (a commune's EPCI and bassin de vie, a territory's département and
-- région).
-- grain: one row per niveau x code_territoire
select ter.niveau, ter.code_territoire, ter.libelle, ter.code_departement, ter.code_region,
    ter.code_epci, ter.code_bv2022, ter.nb_communes
from marts.territoires as ter
order by ter.niveau, ter.code_territoire
