-- Postcodes and the communes they serve, per millésime of La Poste's base.
-- grain: one row per millesime x code_postal x code_commune
-- columns:
--   millesime: edition of the base
--   code_postal: postcode
--   code_commune: commune served (in the COG of the edition)
select distinct
    cp.millesime,
    cp.code_postal,
    cp.code_commune_insee as code_commune
from raw.laposte__codes_postaux as cp
