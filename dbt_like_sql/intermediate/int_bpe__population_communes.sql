-- The population each BPE edition is compared with: the population in force on 1 January of the
-- edition (see int_population__en_vigueur: populations de référence of edition - 3).
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: BPE edition
--   code_commune: commune of the target COG
--   millesime_population: millésime of the populations de référence used
--   population_municipale: its population municipale
select
    vig.annee as millesime,
    vig.code_commune,
    vig.millesime_population,
    vig.population_municipale
from intermediate.int_population__en_vigueur as vig
where vig.annee in (select distinct equ.millesime from intermediate.int_bpe__equipements as equ)
