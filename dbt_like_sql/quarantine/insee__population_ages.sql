-- IRIS rows of the census age file that could not be placed on a commune of the target COG.
-- grain: one row per millesime x source_row
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_not_be_null {column: raison}
-- columns:
--   dataset_id: catalog id of the source
--   millesime: census year
--   source_row: line of the row in its file
--   code_original: commune code as published
--   raison: why it could not be placed
--   population: population of the IRIS
select
    'insee_population_ages' as dataset_id,
    plc.millesime,
    plc.source_row,
    plc.code_source as code_original,
    plc.raison_quarantaine as raison,
    plc.population
from intermediate.int_population_ages__placement as plc
where plc.code_commune is null
