-- Changes to communes (mergers, new codes, renamings) as listed in each COG millésime.
-- grain: one row per millesime x source_row (a movement file lists each before/after pair)
-- columns:
--   millesime: COG edition whose movement file lists the change
--   source_row: line of the movement in that file
--   type_mouvement: MOD code (10 renaming, 20 creation, 21 re-establishment, 30 deletion, 31 fusion simple, 32 commune nouvelle, 33 fusion-association, 34 association turned into fusion simple, 41 code change after a département change, 50 code change after a chef-lieu transfer)
--   date_effet: date the change took effect
--   type_commune_avant: TYPECOM before
--   code_commune_avant: commune code before
--   libelle_avant: name before
--   type_commune_apres: TYPECOM after
--   code_commune_apres: commune code after
--   libelle_apres: name after
select
    mvt.millesime,
    mvt.source_row,
    cast(mvt.mod as integer) as type_mouvement,
    cast(mvt.date_eff as date) as date_effet,
    mvt.typecom_av as type_commune_avant,
    mvt.com_av as code_commune_avant,
    mvt.libelle_av as libelle_avant,
    mvt.typecom_ap as type_commune_apres,
    mvt.com_ap as code_commune_apres,
    mvt.libelle_ap as libelle_apres
from raw.insee__cog_mouvements as mvt
