-- BPE facilities that could not be used: commune not placeable in the target COG, or type
-- unknown to the complete nomenclature of their edition; with their line and the reason.
-- grain: one row per millesime x source_row
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_not_be_null {column: raison}
-- columns:
--   dataset_id: catalog id of the source
--   millesime: BPE edition
--   source_row: line of the facility in its file
--   code_original: DEPCOM as published
--   typequ: facility type as published
--   raison: why it could not be used
--   nb_equipements: facilities the row stands for
--   capacite: its capacity when the BPE gives one (places lost with the row)
select
    'insee_bpe' as dataset_id,
    plc.millesime,
    plc.source_row,
    plc.code_source as code_original,
    plc.typequ,
    plc.raison_quarantaine as raison,
    plc.nb_equipements,
    plc.capacite
from intermediate.int_bpe__placement as plc
where plc.raison_quarantaine is not null
