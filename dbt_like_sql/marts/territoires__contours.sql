-- The outline of every territory of every level of marts.territoires, dissolved from the
-- outlines of its member communes (marts.territoires__communes, intermediate.int_cog__contours_communes)
-- in the target COG: for renderers (maps) and for areas. A territory some of whose communes have
-- no outline keeps the outline of the others and says how many are missing. Needs the geometry
-- functions of observatory/models/geometry.py (registered by the build; not in a bare DuckDB CLI).
-- Published as GeoParquet too (geometrie: WKB, OGC:CRS84); read with the spatial extension as
-- st_geomfromwkb(geometrie).
-- grain: one row per niveau x code_territoire
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_be_between {column: surface_km2, min_value: 0, strict_min: true, severity: warn}
--   expect: column_values_to_be_between {column: nb_communes_sans_contour, max_value: 0, severity: warn}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level (FR for France)
--   geometrie: outline, WKB (Polygon or MultiPolygon), WGS84 longitude/latitude (OGC:CRS84); NULL when no member commune has one
--   surface_km2: area in km², the sum of its communes' areas (each in Lambert-93, or the UTM of its overseas département)
--   nb_communes: communes of the target COG in the territory
--   nb_communes_sans_contour: of those, communes without an outline (left out of the geometry)
--   millesime_contours: millésime of the outlines file
--   xmin: western bound of the outline (longitude, degrees)
--   ymin: southern bound of the outline (latitude, degrees)
--   xmax: eastern bound of the outline (longitude, degrees)
--   ymax: northern bound of the outline (latitude, degrees)
with membres as (
    select tc.niveau, tc.code_territoire, ctr.geometrie, ctr.surface_km2, ctr.millesime_contours
    from marts.territoires__communes as tc
    left join intermediate.int_cog__contours_communes as ctr
        on tc.code_commune = ctr.code_commune
),

dissous as (
    select
        mbr.niveau,
        mbr.code_territoire,
        geo_union(list(mbr.geometrie) filter (where mbr.geometrie is not null)) as geometrie,
        sum(mbr.surface_km2) as surface_km2,
        count(*) as nb_communes,
        count(*) filter (where mbr.geometrie is null) as nb_communes_sans_contour,
        max(mbr.millesime_contours) as millesime_contours
    from membres as mbr
    group by mbr.niveau, mbr.code_territoire
),

emprises as (
    select dis.*, geo_emprise(dis.geometrie) as emprise
    from dissous as dis
)

select
    emp.niveau,
    emp.code_territoire,
    emp.geometrie,
    round(emp.surface_km2, 3) as surface_km2,
    emp.nb_communes,
    emp.nb_communes_sans_contour,
    emp.millesime_contours,
    emp.emprise.xmin as xmin,
    emp.emprise.ymin as ymin,
    emp.emprise.xmax as xmax,
    emp.emprise.ymax as ymax
from emprises as emp
