-- Outline of each commune and arrondissement municipal, per millésime of the Etalab file, as
-- WKB in WGS84 longitude/latitude (see docs/contours.md).
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: COG year of the outlines
--   code_commune: commune or arrondissement municipal code of that year's COG
--   libelle: name
--   code_departement: département (NULL when the file does not say)
--   code_commune_parente: the commune of an arrondissement municipal (NULL for a commune)
--   geometrie: outline, WKB (Polygon or MultiPolygon), WGS84 longitude/latitude
select
    ctr.millesime,
    ctr.code as code_commune,
    ctr.nom as libelle,
    ctr.departement as code_departement,
    ctr.commune as code_commune_parente,
    ctr.geometrie
from raw.etalab__contours_communes as ctr
