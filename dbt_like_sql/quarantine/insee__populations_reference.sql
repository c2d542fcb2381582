-- Rows of the populations de référence that could not be placed on a commune of the target COG,
-- with their source line and the reason. Expected to be empty on official files.
-- grain: one row per millesime x source_row
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_not_be_null {column: raison}
-- columns:
--   dataset_id: catalog id of the source
--   millesime: edition of the source
--   source_row: line of the row in its file
--   code_original: commune code as published
--   raison: why it could not be placed
--   population_municipale: PMUN of the row (what is missing from the totals)
select
    'insee_populations_reference' as dataset_id,
    plc.millesime,
    plc.source_row,
    plc.code_source as code_original,
    plc.raison_quarantaine as raison,
    plc.population_municipale
from intermediate.int_population__placement as plc
where plc.code_commune is null
