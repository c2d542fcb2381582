-- Régions of each COG millésime with their chef-lieu.
-- grain: one row per millesime x code_region
-- columns:
--   millesime: COG edition
--   code_region: région code
--   code_commune_chef_lieu: commune code of the chef-lieu
--   libelle: name
select
    reg.millesime,
    reg.reg as code_region,
    reg.cheflieu as code_commune_chef_lieu,
    reg.libelle
from raw.insee__cog_regions as reg
