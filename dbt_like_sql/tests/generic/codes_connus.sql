-- Every territory of {{ table }} is known: a commune is a commune of the target COG, any other
-- territory is in marts.territoires (macro territoires_inconnus).
select inc.niveau, inc.code_territoire from territoires_inconnus('{{ table }}') as inc
