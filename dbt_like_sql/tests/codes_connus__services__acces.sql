-- Every territory of marts.services__acces is known: a commune is a commune of the target COG, any other
-- territory is in marts.territoires (macro territoires_inconnus).
-- asset: marts.services__acces
select inc.niveau, inc.code_territoire from territoires_inconnus('marts.services__acces') as inc
