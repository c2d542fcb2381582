-- Départements of each COG millésime with their région and chef-lieu.
-- grain: one row per millesime x code_departement
-- columns:
--   millesime: COG edition
--   code_departement: département code (01, 2A, 971)
--   code_region: région code
--   code_commune_chef_lieu: commune code of the chef-lieu
--   libelle: name
select
    dep.millesime,
    dep.dep as code_departement,
    dep.reg as code_region,
    dep.cheflieu as code_commune_chef_lieu,
    dep.libelle
from raw.insee__cog_departements as dep
