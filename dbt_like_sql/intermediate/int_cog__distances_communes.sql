-- Straight-line (great-circle) distance in km between the reference points (town halls) of every
-- two communes less than 50 km apart, in both directions, each commune with itself at 0 km: the
-- one source of commune-to-commune distances for the models that weigh a place against its
-- surroundings (where to open a service, where one more GP helps, which site to pool). A
-- road-time matrix replaces it by giving the same columns (distance_km then in minutes, the
-- radius in the same unit); the models reading it do not change.
-- Pairs come from a grid of 0.5 x 0.85 degree cells (neighbouring cells only: the 3 x 3 block
-- covers more than 50 km in every direction up to 51.5 N), never a cross join of all communes.
-- grain: one row per code_commune x code_commune_voisine
-- columns:
--   code_commune: commune of the target COG (with a reference point)
--   code_commune_voisine: a commune whose reference point is at most 50 km away (the commune itself included)
--   distance_km: straight-line km between the two reference points (not rounded: the models compare it with thresholds such as 10, 15 and 20 km)
with points as (
    select
        pts.code_commune,
        pts.latitude,
        pts.longitude,
        floor(pts.latitude / 0.5)::integer as i,
        floor(pts.longitude / 0.85)::integer as j
    from intermediate.int_cog__points_communes as pts
    where pts.latitude is not null
),

paires as (
    select
        ori.code_commune,
        voi.code_commune as code_commune_voisine,
        distance_km(ori.latitude, ori.longitude, voi.latitude, voi.longitude) as distance_km
    from points as ori
    cross join (
        values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)
    ) as bloc (d_i, d_j)
    inner join points as voi on voi.i = ori.i + bloc.d_i and voi.j = ori.j + bloc.d_j
)

select par.code_commune, par.code_commune_voisine, par.distance_km
from paires as par
where par.distance_km <= 50
