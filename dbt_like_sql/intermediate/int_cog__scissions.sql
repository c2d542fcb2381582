-- Communes that lost part of their territory to a re-established or created commune (MOD 20,
-- 21) according to the target COG's movements. A source whose geography predates the scission
-- counts the whole former territory on the commune that kept the code; such rows are placed on
-- that code (it is still valid) and flagged, never split by guesswork.
-- grain: one row per code_commune_origine x code_commune_nouvelle
-- columns:
--   code_commune_origine: commune the territory was taken from (still exists)
--   code_commune_nouvelle: commune created or re-established from it
--   date_effet: date of the scission
with parametres as (
    select cast(prm.valeur as integer) as millesime_cog
    from meta.parametres as prm
    where prm.nom = 'cog_millesime'
)

select distinct
    mvt.code_commune_avant as code_commune_origine,
    mvt.code_commune_apres as code_commune_nouvelle,
    mvt.date_effet
from staging.stg_insee__cog_mouvements as mvt
inner join parametres as prm on mvt.millesime = prm.millesime_cog
where
    mvt.type_mouvement in (20, 21)
    and mvt.type_commune_avant = 'COM'
    and mvt.type_commune_apres = 'COM'
    and mvt.code_commune_avant <> mvt.code_commune_apres
