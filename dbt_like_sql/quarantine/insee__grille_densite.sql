-- Rows of the grille communale de densité that could not be placed on a commune of the target
-- COG, with their source row and the reason. Expected to be empty on official files.
-- grain: one row per millesime x source_row
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_not_be_null {column: raison}
-- columns:
--   dataset_id: catalog id of the source
--   millesime: edition of the source
--   source_row: row of the commune in its sheet
--   code_original: commune code as published
--   raison: why it could not be placed
--   classe_densite: density class of the row
select
    'insee_grille_densite' as dataset_id,
    plc.millesime,
    plc.source_row,
    plc.code_source as code_original,
    plc.raison_quarantaine as raison,
    plc.classe_densite
from intermediate.int_densite__placement as plc
where plc.code_commune is null
