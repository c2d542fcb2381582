-- Communes, communes associées et déléguées, and arrondissements municipaux of each COG
-- millésime, with the codes named and the parent commune of every COMA, COMD and ARM.
-- grain: one row per millesime x type_commune x code_commune
-- columns:
--   millesime: COG edition (state on 1 January of that year)
--   type_commune: COM commune, COMA commune associée, COMD commune déléguée, ARM arrondissement municipal
--   code_commune: commune code (5 characters; 2A/2B in Corsica)
--   code_region: région code (NULL for COMA, COMD)
--   code_departement: département code (NULL for COMA, COMD)
--   code_arrondissement: arrondissement code
--   code_canton: canton code
--   libelle: name with its article
--   code_commune_parente: commune holding a COMA, COMD or ARM (NULL for COM)
select
    cog.millesime,
    cog.typecom as type_commune,
    cog.com as code_commune,
    cog.reg as code_region,
    cog.dep as code_departement,
    cog.arr as code_arrondissement,
    cog.can as code_canton,
    cog.libelle,
    cog.comparent as code_commune_parente
from raw.insee__cog_communes as cog
