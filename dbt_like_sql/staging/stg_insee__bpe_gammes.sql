-- Gammes d'équipements as published: each facility type of a gamme with its regroupement.
-- grain: one row per millesime x typequ
-- columns:
--   millesime: edition of the gammes workbook
--   typequ: facility type
--   code_regroupement: regroupement (several types counting as one service)
--   libelle_regroupement: label of the regroupement
--   gamme: proximite, intermediaire, superieure or hors_gamme
select distinct on (gam.millesime, gam.typequ)
    gam.millesime,
    gam.typequ,
    gam.typequ_regroupement as code_regroupement,
    gam.libelle_regroupement,
    case
        when lower(gam.gamme) like '%proximit%' then 'proximite'
        when lower(gam.gamme) like '%interm%' then 'intermediaire'
        when lower(gam.gamme) like '%sup%rieure%' then 'superieure'
        else 'hors_gamme'
    end as gamme
from raw.insee__bpe_gammes as gam
order by gam.millesime, gam.typequ, gam.source_row
