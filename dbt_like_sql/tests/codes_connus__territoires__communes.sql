-- Every territory of marts.territoires__communes is known: a commune is a commune of the target COG, any other
-- territory is in marts.territoires (macro territoires_inconnus).
-- asset: marts.territoires__communes
select inc.niveau, inc.code_territoire from territoires_inconnus('marts.territoires__communes') as inc
