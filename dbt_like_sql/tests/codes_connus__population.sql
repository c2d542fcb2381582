-- Every territory of marts.population is known: a commune is a commune of the target COG, any other
-- territory is in marts.territoires (macro territoires_inconnus).
-- asset: marts.population
select inc.niveau, inc.code_territoire from territoires_inconnus('marts.population') as inc
