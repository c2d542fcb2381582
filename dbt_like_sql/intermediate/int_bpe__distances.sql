-- Straight-line (great-circle) distance in km from each commune's reference point to the
-- nearest facility of each service (regroupement of the gammes de proximité and intermédiaire,
-- and every health type), per BPE edition: 0 when the commune has one. Facilities are located
-- at their own point when usable, else at their commune's point.
-- The search never crosses all communes with all facilities: facilities are bucketed in a grid
-- and each commune lacking the service looks in its cell and the eight around it, first with
-- 0.1 degree cells, then 0.5, then 2.5; a nearest candidate is kept only when it is closer than
-- the radius the 3 x 3 block is guaranteed to cover, otherwise the next, coarser pass decides;
-- the few communes still unresolved (islands, overseas) compare with every facility.
-- grain: one row per millesime x code_regroupement x code_commune
-- columns:
--   millesime: BPE edition
--   code_regroupement: service
--   code_commune: commune of the target COG (with a reference point)
--   distance_km: straight-line distance to the nearest facility of the service (0 when in the commune; NULL when the service has no facility at all)
--   code_commune_equipement: commune holding that facility
--   passe: search pass that found it (0 in the commune, 1-3 grid passes, 4 exhaustive)
with services as (
    select distinct reg.millesime, reg.code_regroupement, reg.code_serie
    from intermediate.int_bpe__regroupements as reg
    where reg.gamme in ('proximite', 'intermediaire', 'sante')
),

points as (
    select pts.code_commune, pts.latitude, pts.longitude
    from intermediate.int_cog__points_communes as pts
    where pts.latitude is not null
),

equipements as (
    select distinct
        ser.millesime,
        ser.code_regroupement,
        equ.code_commune,
        round(equ.latitude, 4) as latitude,
        round(equ.longitude, 4) as longitude
    from intermediate.int_bpe__equipements as equ
    inner join services as ser on equ.millesime = ser.millesime and equ.code_serie = ser.code_serie
    where equ.latitude is not null
),

demande as (
    -- communes lacking the service, for services with at least one facility that edition
    select srv.millesime, srv.code_regroupement, pts.code_commune, pts.latitude, pts.longitude
    from (select distinct s.millesime, s.code_regroupement from services as s) as srv
    cross join points as pts
    where exists (
        select 1 from equipements as equ
        where equ.millesime = srv.millesime and equ.code_regroupement = srv.code_regroupement
    )
    and not exists (
        select 1 from intermediate.int_bpe__presence_communes as pre
        where pre.millesime = srv.millesime
            and pre.code_regroupement = srv.code_regroupement
            and pre.code_commune = pts.code_commune
    )
),

voisinage as (
    select * from (values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
        as v (d_lat, d_lon)
),

passe_1 as (
    select
        cand.millesime, cand.code_regroupement, cand.code_commune,
        arg_min(cand.code_commune_equipement, cand.distance_km) as code_commune_equipement,
        min(cand.distance_km) as distance_km,
        -- the 3 x 3 block around the commune's cell covers at least one cell in every direction
        0.1 * 111.195 * cos(radians(least(abs(cand.latitude) + 0.1, 89))) as rayon_garanti_km
    from (
        select dem.millesime, dem.code_regroupement, dem.code_commune, dem.latitude,
            equ.code_commune as code_commune_equipement,
            distance_km(dem.latitude, dem.longitude, equ.latitude, equ.longitude) as distance_km
        from demande as dem
    cross join voisinage as voi
    inner join equipements as equ
        on dem.millesime = equ.millesime
        and dem.code_regroupement = equ.code_regroupement
        and floor(equ.latitude / 0.1) = floor(dem.latitude / 0.1) + voi.d_lat
        and floor(equ.longitude / 0.1) = floor(dem.longitude / 0.1) + voi.d_lon
    ) as cand
    group by cand.millesime, cand.code_regroupement, cand.code_commune, cand.latitude
),

reste_1 as (
    select dem.* from demande as dem
    where not exists (
        select 1 from passe_1 as p
        where p.millesime = dem.millesime and p.code_regroupement = dem.code_regroupement
            and p.code_commune = dem.code_commune and p.distance_km <= p.rayon_garanti_km
    )
),

passe_2 as (
    select
        cand.millesime, cand.code_regroupement, cand.code_commune,
        arg_min(cand.code_commune_equipement, cand.distance_km) as code_commune_equipement,
        min(cand.distance_km) as distance_km,
        -- the 3 x 3 block around the commune's cell covers at least one cell in every direction
        0.5 * 111.195 * cos(radians(least(abs(cand.latitude) + 0.5, 89))) as rayon_garanti_km
    from (
        select dem.millesime, dem.code_regroupement, dem.code_commune, dem.latitude,
            equ.code_commune as code_commune_equipement,
            distance_km(dem.latitude, dem.longitude, equ.latitude, equ.longitude) as distance_km
        from reste_1 as dem
    cross join voisinage as voi
    inner join equipements as equ
        on dem.millesime = equ.millesime
        and dem.code_regroupement = equ.code_regroupement
        and floor(equ.latitude / 0.5) = floor(dem.latitude / 0.5) + voi.d_lat
        and floor(equ.longitude / 0.5) = floor(dem.longitude / 0.5) + voi.d_lon
    ) as cand
    group by cand.millesime, cand.code_regroupement, cand.code_commune, cand.latitude
),

reste_2 as (
    select dem.* from reste_1 as dem
    where not exists (
        select 1 from passe_2 as p
        where p.millesime = dem.millesime and p.code_regroupement = dem.code_regroupement
            and p.code_commune = dem.code_commune and p.distance_km <= p.rayon_garanti_km
    )
),

passe_3 as (
    select
        cand.millesime, cand.code_regroupement, cand.code_commune,
        arg_min(cand.code_commune_equipement, cand.distance_km) as code_commune_equipement,
        min(cand.distance_km) as distance_km,
        -- the 3 x 3 block around the commune's cell covers at least one cell in every direction
        2.5 * 111.195 * cos(radians(least(abs(cand.latitude) + 2.5, 89))) as rayon_garanti_km
    from (
        select dem.millesime, dem.code_regroupement, dem.code_commune, dem.latitude,
            equ.code_commune as code_commune_equipement,
            distance_km(dem.latitude, dem.longitude, equ.latitude, equ.longitude) as distance_km
        from reste_2 as dem
    cross join voisinage as voi
    inner join equipements as equ
        on dem.millesime = equ.millesime
        and dem.code_regroupement = equ.code_regroupement
        and floor(equ.latitude / 2.5) = floor(dem.latitude / 2.5) + voi.d_lat
        and floor(equ.longitude / 2.5) = floor(dem.longitude / 2.5) + voi.d_lon
    ) as cand
    group by cand.millesime, cand.code_regroupement, cand.code_commune, cand.latitude
),

reste_3 as (
    select dem.* from reste_2 as dem
    where not exists (
        select 1 from passe_3 as p
        where p.millesime = dem.millesime and p.code_regroupement = dem.code_regroupement
            and p.code_commune = dem.code_commune and p.distance_km <= p.rayon_garanti_km
    )
),

passe_4 as (
    select
        cand.millesime, cand.code_regroupement, cand.code_commune,
        arg_min(cand.code_commune_equipement, cand.distance_km) as code_commune_equipement,
        min(cand.distance_km) as distance_km,
        null::double as rayon_garanti_km
    from (
        select dem.millesime, dem.code_regroupement, dem.code_commune, dem.latitude,
            equ.code_commune as code_commune_equipement,
            distance_km(dem.latitude, dem.longitude, equ.latitude, equ.longitude) as distance_km
        from reste_3 as dem
    inner join equipements as equ
        on dem.millesime = equ.millesime and dem.code_regroupement = equ.code_regroupement
    ) as cand
    group by cand.millesime, cand.code_regroupement, cand.code_commune, cand.latitude
)

select pre.millesime, pre.code_regroupement, pre.code_commune, 0.0 as distance_km,
    pre.code_commune as code_commune_equipement, 0 as passe
from intermediate.int_bpe__presence_communes as pre
inner join points as pts on pre.code_commune = pts.code_commune
inner join (select distinct s.millesime, s.code_regroupement from services as s) as srv
    on pre.millesime = srv.millesime and pre.code_regroupement = srv.code_regroupement
union all
select p.millesime, p.code_regroupement, p.code_commune, round(p.distance_km, 3),
    p.code_commune_equipement, 1
from passe_1 as p where p.distance_km <= p.rayon_garanti_km
union all
select p.millesime, p.code_regroupement, p.code_commune, round(p.distance_km, 3),
    p.code_commune_equipement, 2
from passe_2 as p
where p.distance_km <= p.rayon_garanti_km
union all
select p.millesime, p.code_regroupement, p.code_commune, round(p.distance_km, 3),
    p.code_commune_equipement, 3
from passe_3 as p
where p.distance_km <= p.rayon_garanti_km
union all
select p.millesime, p.code_regroupement, p.code_commune, round(p.distance_km, 3),
    p.code_commune_equipement, 4
from passe_4 as p
