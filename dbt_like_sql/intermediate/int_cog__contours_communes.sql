-- One outline per commune of the target COG, from the latest ingested millésime of the outlines
-- file, placed through the COG passage as int_cog__points_communes places points: a commune
-- whose code is in the file keeps its outline; a commune formed by mergers since that millésime
-- is the union of its former communes' outlines. Arrondissements municipaux are left out (their
-- commune has its own outline). A commune of the target COG absent here has no outline: the
-- check contours_communes_manquants lists it. Needs the geometry functions of
-- observatory/models/geometry.py (registered by the build; not in a bare DuckDB CLI).
-- grain: one row per code_commune
-- columns:
--   code_commune: commune of the target COG
--   geometrie: outline, WKB (Polygon or MultiPolygon), WGS84 longitude/latitude
--   surface_km2: area in km², in Lambert-93 (UTM of its département overseas)
--   methode_contour: identique (same code in the file), recodage (one former code), or union (several former communes)
--   codes_source: the codes of the outlines file it was made from, comma-separated
--   millesime_contours: millésime of the outlines file
with dernier as (
    select max(ctr.millesime) as millesime from staging.stg_etalab__contours_communes as ctr
),

places as (
    select pas.code_commune, ctr.code_commune as code_source, ctr.geometrie, ctr.millesime
    from staging.stg_etalab__contours_communes as ctr
    inner join dernier as der on ctr.millesime = der.millesime
    inner join intermediate.int_cog__passage_communes as pas
        on ctr.code_commune = pas.code_source
        and coalesce(pas.annee_geographie, ctr.millesime) = ctr.millesime
    where pas.code_commune is not null and pas.methode <> 'arrondissement municipal'
),

fusionnes as (
    select
        plc.code_commune,
        geo_union(list(plc.geometrie order by plc.code_source)) as geometrie,
        case
            when count(*) > 1 then 'union'
            when max(plc.code_source) = plc.code_commune then 'identique'
            else 'recodage'
        end as methode_contour,
        string_agg(plc.code_source, ',' order by plc.code_source) as codes_source,
        max(plc.millesime) as millesime_contours
    from places as plc
    group by plc.code_commune
)

select
    fus.code_commune,
    fus.geometrie,
    geo_surface_km2(fus.geometrie, cib.code_departement) as surface_km2,
    fus.methode_contour,
    fus.codes_source,
    fus.millesime_contours
from fusionnes as fus
inner join intermediate.int_cog__communes_cible as cib on fus.code_commune = cib.code_commune
