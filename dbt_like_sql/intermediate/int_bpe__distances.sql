-- Straight-line (great-circle) distance in km from each commune's reference point to the
-- nearest facility of each service (regroupement of the gammes de proximité and intermédiaire,
-- and every health type), per BPE edition: 0 when the commune has one. Facilities are located
-- at their own point when usable, else at their commune's point.
-- The search never crosses all communes with all facilities. Facilities are bucketed in a grid
-- whose cell side suits the service (about one facility per cell: small cells for bakeries,
-- wide ones for maternity wards), and each commune lacking the service looks in its cell and the
-- eight around it, with cells 1, 2, 4 then 16 times that side. The nearest candidate is kept
-- only when it is closer than the nearest edge of the 3 x 3 block (nothing outside can beat
-- it), otherwise the next, coarser pass decides; the few communes still unresolved (islands,
-- overseas) compare with every facility. Services and communes are numbered first, so the
-- joins and groupings run on integers.
-- grain: one row per millesime x code_regroupement x code_commune
-- columns:
--   millesime: BPE edition
--   code_regroupement: service
--   code_commune: commune of the target COG (with a reference point)
--   distance_km: straight-line distance to the nearest facility of the service (0 when in the commune; NULL when the service has no facility at all)
--   code_commune_equipement: commune holding that facility
--   passe: search pass that found it (0 in the commune, 1-4 grid passes, 5 exhaustive)
with services as (
    select distinct reg.millesime, reg.code_regroupement, reg.code_serie
    from intermediate.int_bpe__regroupements as reg
    where reg.gamme in ('proximite', 'intermediaire', 'sante')
),

points as (
    select
        pts.code_commune,
        pts.latitude,
        pts.longitude,
        row_number() over (order by pts.code_commune)::integer as id_commune
    from intermediate.int_cog__points_communes as pts
    where pts.latitude is not null
),

localisations as (
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

cellules as materialized (
    -- one row per service with at least one facility that edition; first-pass cell side in
    -- degrees: about one facility per cell over the ~60 square degrees France covers
    select
        loc.millesime,
        loc.code_regroupement,
        row_number() over (order by loc.millesime, loc.code_regroupement)::integer as id_service,
        least(greatest(sqrt(60.0 / count(*)), 0.02), 1.0) as cellule
    from localisations as loc
    group by loc.millesime, loc.code_regroupement
),

equipements as materialized (
    select
        cel.id_service,
        loc.code_commune,
        loc.latitude,
        loc.longitude,
        cos(radians(loc.latitude)) as cos_latitude,
        floor(loc.latitude / cel.cellule)::integer as i,
        floor(loc.longitude / cel.cellule)::integer as j
    from localisations as loc
    inner join cellules as cel
        on loc.millesime = cel.millesime and loc.code_regroupement = cel.code_regroupement
),

demande as materialized (
    -- communes lacking the service
    select
        cel.id_service,
        pts.id_commune,
        pts.latitude,
        pts.longitude,
        cos(radians(pts.latitude)) as cos_latitude,
        cel.cellule,
        floor(pts.latitude / cel.cellule)::integer as i,
        floor(pts.longitude / cel.cellule)::integer as j
    from cellules as cel
    cross join points as pts
    anti join intermediate.int_bpe__presence_communes as pre
        on cel.millesime = pre.millesime
        and cel.code_regroupement = pre.code_regroupement
        and pts.code_commune = pre.code_commune
),

-- each grid pass (macro passe_grille) looks among the communes the previous one left
passe_1 as materialized (select * from passe_grille('demande', 'equipements', 1)),

reste_1 as materialized (
    select dem.* from demande as dem
    anti join passe_1 as pas
        on dem.id_service = pas.id_service and dem.id_commune = pas.id_commune and pas.resolu
),

passe_2 as materialized (select * from passe_grille('reste_1', 'equipements', 2)),

reste_2 as materialized (
    select dem.* from reste_1 as dem
    anti join passe_2 as pas
        on dem.id_service = pas.id_service and dem.id_commune = pas.id_commune and pas.resolu
),

passe_3 as materialized (select * from passe_grille('reste_2', 'equipements', 4)),

reste_3 as materialized (
    select dem.* from reste_2 as dem
    anti join passe_3 as pas
        on dem.id_service = pas.id_service and dem.id_commune = pas.id_commune and pas.resolu
),

passe_4 as materialized (select * from passe_grille('reste_3', 'equipements', 16)),

reste_4 as materialized (
    select dem.* from reste_3 as dem
    anti join passe_4 as pas
        on dem.id_service = pas.id_service and dem.id_commune = pas.id_commune and pas.resolu
),

passe_5 as (
    select
        cand.id_service,
        cand.id_commune,
        arg_min(cand.code_commune_equipement, cand.haversine) as code_commune_equipement,
        arc_km(min(cand.haversine)) as distance_km
    from (
        select
            dem.id_service, dem.id_commune,
            equ.code_commune as code_commune_equipement,
            angle_haversine(
                dem.latitude, dem.longitude, dem.cos_latitude,
                equ.latitude, equ.longitude, equ.cos_latitude
            ) as haversine
        from reste_4 as dem
        inner join equipements as equ on dem.id_service = equ.id_service
    ) as cand
    group by cand.id_service, cand.id_commune
),

trouves as (
    select pas.id_service, pas.id_commune, pas.distance_km, pas.code_commune_equipement, 1 as passe
    from passe_1 as pas where pas.resolu
    union all
    select pas.id_service, pas.id_commune, pas.distance_km, pas.code_commune_equipement, 2 as passe
    from passe_2 as pas where pas.resolu
    union all
    select pas.id_service, pas.id_commune, pas.distance_km, pas.code_commune_equipement, 3 as passe
    from passe_3 as pas where pas.resolu
    union all
    select pas.id_service, pas.id_commune, pas.distance_km, pas.code_commune_equipement, 4 as passe
    from passe_4 as pas where pas.resolu
    union all
    select pas.id_service, pas.id_commune, pas.distance_km, pas.code_commune_equipement, 5 as passe
    from passe_5 as pas
)

select pre.millesime, pre.code_regroupement, pre.code_commune, 0.0 as distance_km,
    pre.code_commune as code_commune_equipement, 0 as passe
from intermediate.int_bpe__presence_communes as pre
inner join points as pts on pre.code_commune = pts.code_commune
inner join (select distinct ser.millesime, ser.code_regroupement from services as ser) as srv
    on pre.millesime = srv.millesime and pre.code_regroupement = srv.code_regroupement
union all
select cel.millesime, cel.code_regroupement, pts.code_commune, round(tro.distance_km, 3),
    tro.code_commune_equipement, tro.passe
from trouves as tro
inner join cellules as cel on tro.id_service = cel.id_service
inner join points as pts on tro.id_commune = pts.id_commune
