-- BPE facility types of the editions whose official list was ingested (either layout: a list of
-- types, or INSEE's variable/modality file, of which only TYPEQU rows are kept).
-- grain: one row per millesime x typequ
-- columns:
--   millesime: BPE edition
--   typequ: facility type code
--   libelle: label
--   libelle_sdom: label of the sous-domaine (when the file has it)
--   libelle_dom: label of the domaine (when the file has it)
select distinct on (nom.millesime, nom.typequ)
    nom.millesime,
    nom.typequ,
    nom.libelle,
    nom.libelle_sdom,
    nom.libelle_dom
from raw.insee__bpe_nomenclature as nom
where
    (nom.variable is null or upper(nom.variable) = 'TYPEQU')
    and regexp_full_match(nom.typequ, '[A-G]\d{3}')
order by nom.millesime, nom.typequ, nom.source_row
