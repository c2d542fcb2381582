-- Every territory of marts.sante__accessibilite_mg is known: a commune is a commune of the target COG, any other
-- territory is in marts.territoires (macro territoires_inconnus).
-- asset: marts.sante__accessibilite_mg
select inc.niveau, inc.code_territoire from territoires_inconnus('marts.sante__accessibilite_mg') as inc
