-- The commune universe of the target COG (meta.parametres cog_millesime): every commune (COM)
-- with its name, département and région. Every commune-coded input is placed on these codes.
-- grain: one row per code_commune
-- columns:
--   code_commune: commune code in the target COG
--   libelle: name with its article
--   code_departement: département
--   code_region: région
--   millesime_cog: the target COG millésime
with parametres as (
    select cast(prm.valeur as integer) as millesime_cog
    from meta.parametres as prm
    where prm.nom = 'cog_millesime'
)

select
    com.code_commune,
    com.libelle,
    com.code_departement,
    com.code_region,
    com.millesime as millesime_cog
from staging.stg_insee__cog_communes as com
inner join parametres as prm on com.millesime = prm.millesime_cog
where com.type_commune = 'COM'
