-- One reference point per commune of the target COG (its town hall, else its centre), from the
-- latest ingested millésime of the points file, placed through the COG passage; a commune
-- formed by a merger takes the point of the code it kept, else the mean of its former communes'.
-- grain: one row per code_commune
-- columns:
--   code_commune: commune of the target COG
--   latitude: WGS84 latitude
--   longitude: WGS84 longitude
--   type_point: mairie or centre
with dernier as (
    select max(pts.millesime) as millesime from staging.stg_etalab__communes_centroides as pts
),

places as (
    select pas.code_commune, pts.code_commune as code_source, pts.latitude, pts.longitude,
        pts.type_point
    from staging.stg_etalab__communes_centroides as pts
    inner join dernier as der on pts.millesime = der.millesime
    inner join intermediate.int_cog__passage_communes as pas
        on pts.code_commune = pas.code_source
        and coalesce(pas.annee_geographie, pts.millesime) = pts.millesime
    where pas.code_commune is not null and pas.methode <> 'arrondissement municipal'
)

select
    plc.code_commune,
    coalesce(max(plc.latitude) filter (where plc.code_source = plc.code_commune),
        avg(plc.latitude)) as latitude,
    coalesce(max(plc.longitude) filter (where plc.code_source = plc.code_commune),
        avg(plc.longitude)) as longitude,
    coalesce(max(plc.type_point) filter (where plc.code_source = plc.code_commune),
        'moyenne') as type_point
from places as plc
group by plc.code_commune
