-- Which territories of the same level share a border, and how long it is: for maps, and for
-- comparing a territory with its neighbours. Pairs are first found by overlapping bounding
-- boxes (in SQL, no cross join of every territory), then the shared border of each candidate
-- pair is measured on the outlines (marts.territoires__contours); territories touching at a
-- single point are not neighbours. Both directions are listed. France has no neighbour here.
-- Needs the geometry functions of observatory/models/geometry.py (registered by the build; not
-- in a bare DuckDB CLI).
-- grain: one row per niveau x code_territoire x code_voisin
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_be_between {column: frontiere_km, min_value: 0, strict_min: true}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, or a custom level name
--   code_territoire: code of the territory in its level
--   code_voisin: code of a territory of the same level sharing a border with it
--   frontiere_km: length of the shared border in km (Lambert-93, or the UTM of the overseas département)
with contours as (
    select ctr.niveau, ctr.code_territoire, ctr.geometrie, ctr.xmin, ctr.ymin, ctr.xmax,
        ctr.ymax, ter.code_departement
    from marts.territoires__contours as ctr
    left join marts.territoires as ter
        on ctr.niveau = ter.niveau and ctr.code_territoire = ter.code_territoire
    where ctr.geometrie is not null and ctr.niveau <> 'france'
),

candidats as (
    select
        cta.niveau,
        cta.code_territoire,
        ctb.code_territoire as code_voisin,
        cta.geometrie as geometrie_a,
        ctb.geometrie as geometrie_b,
        case when cta.code_departement = ctb.code_departement then cta.code_departement end
            as code_departement
    from contours as cta
    inner join contours as ctb
        on cta.niveau = ctb.niveau
        and cta.code_territoire < ctb.code_territoire
        and cta.xmin <= ctb.xmax and ctb.xmin <= cta.xmax
        and cta.ymin <= ctb.ymax and ctb.ymin <= cta.ymax
),

frontieres as (
    select
        cnd.niveau,
        cnd.code_territoire,
        cnd.code_voisin,
        geo_frontiere_km(cnd.geometrie_a, cnd.geometrie_b, cnd.code_departement) as frontiere_km
    from candidats as cnd
)

select fro.niveau, fro.code_territoire, fro.code_voisin, round(fro.frontiere_km, 3) as frontiere_km
from frontieres as fro
where fro.frontiere_km > 0
union all
select fro.niveau, fro.code_voisin, fro.code_territoire, round(fro.frontiere_km, 3)
from frontieres as fro
where fro.frontiere_km > 0
