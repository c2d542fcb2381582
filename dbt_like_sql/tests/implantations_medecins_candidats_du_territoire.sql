-- Every GP candidate is a commune of its own territory (marts.territoires__communes).
-- asset: marts.implantations__medecins
select imp.niveau, imp.code_territoire, imp.millesime, imp.rang, imp.code_commune
from marts.implantations__medecins as imp
left join marts.territoires__communes as tc
    on imp.niveau = tc.niveau
    and imp.code_territoire = tc.code_territoire
    and imp.code_commune = tc.code_commune
where tc.code_commune is null
