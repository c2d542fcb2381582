-- Activities of the followed professions that could not be placed on a commune, with their line
-- and the reason (no address, CEDEX postcode, postcode serving several communes...). A person
-- whose other sites are placed is still counted there.
-- grain: one row per millesime x source_row
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_not_be_null {column: raison}
-- columns:
--   dataset_id: catalog id of the source
--   millesime: year of the extraction
--   source_row: line of the activity in its file
--   profession: profession group
--   raison: why it could not be placed
select
    'ans_annuaire_sante' as dataset_id,
    act.millesime,
    act.source_row,
    act.profession,
    act.raison_quarantaine as raison
from intermediate.int_sante__activites as act
where act.code_commune is null
