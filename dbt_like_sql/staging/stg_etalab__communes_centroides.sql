-- One reference point per commune (its town hall, else its centre), in WGS84 degrees.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: COG year the points were fetched in
--   code_commune: commune or arrondissement municipal code
--   libelle: name
--   latitude: WGS84 latitude (degrees)
--   longitude: WGS84 longitude (degrees)
--   type_point: mairie (town hall) or centre (geographic centre, when no town hall is known)
select
    pts.millesime,
    pts.code as code_commune,
    pts.nom as libelle,
    cast(pts.latitude as double) as latitude,
    cast(pts.longitude as double) as longitude,
    pts.type_point
from raw.etalab__communes_centroides as pts
