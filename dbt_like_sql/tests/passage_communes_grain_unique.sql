-- The passage table gives one placement per (annee_geographie, code_source): a source row can
-- never be counted twice.
-- asset: intermediate.int_cog__passage_communes
select pas.annee_geographie, pas.code_source, count(*) as placements
from intermediate.int_cog__passage_communes as pas
group by pas.annee_geographie, pas.code_source
having count(*) > 1
