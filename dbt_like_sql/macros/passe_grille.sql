-- One pass of the grid search for the nearest facility (intermediate.int_bpe__distances): each
-- commune of `demande` compares with the facilities of `equipements` (same service) in its square
-- of `facteur` x `facteur` cells and the eight squares around it, and keeps the nearest.
-- `resolu` says the answer is final: the nearest candidate is closer than the nearest edge of the
-- 3 x 3 block, so no facility outside it can beat it; a commune not resolved, or with no
-- candidate at all (absent), is left to a coarser pass.
-- `demande` and `equipements` are names of relations of the calling query, usually its CTEs
-- (columns as in int_bpe__distances): a table macro is bound when it is created and so cannot
-- name the caller's CTEs itself, while query_table resolves the name where the macro is called.
-- The macro reads no table of its own, so the model that calls it still names every table it
-- depends on.
-- Returns one row per id_service x id_commune of `demande` with at least one candidate
create or replace macro passe_grille(demande, equipements, facteur) as table
    select
        cand.id_service,
        cand.id_commune,
        arg_min(cand.code_commune_equipement, cand.haversine) as code_commune_equipement,
        arc_km(min(cand.haversine)) as distance_km,
        arc_km(min(cand.haversine)) <= any_value(cand.rayon_garanti_km) as resolu
    from (
        select
            dem.id_service, dem.id_commune, dem.rayon_garanti_km,
            equ.code_commune as code_commune_equipement,
            angle_haversine(
                dem.latitude, dem.longitude, dem.cos_latitude,
                equ.latitude, equ.longitude, equ.cos_latitude
            ) as haversine
        from (
            select
                d.*,
                -- no facility outside the 3 x 3 block of squares is closer than its nearest
                -- edge (computed once per commune, before the candidates)
                least(
                    least(
                        d.latitude - (floor(d.i / facteur) - 1) * facteur * d.cellule,
                        (floor(d.i / facteur) + 2) * facteur * d.cellule - d.latitude
                    ) * 111.195,
                    least(
                        d.longitude - (floor(d.j / facteur) - 1) * facteur * d.cellule,
                        (floor(d.j / facteur) + 2) * facteur * d.cellule - d.longitude
                    ) * 111.195 * cos(radians(least(abs(d.latitude) + 2 * facteur * d.cellule, 89)))
                ) as rayon_garanti_km
            from query_table(demande) as d
        ) as dem
        cross join (
            values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)
        ) as voi (d_lat, d_lon)
        inner join query_table(equipements) as equ
            on dem.id_service = equ.id_service
            and (floor(equ.i / facteur) * 100000 + floor(equ.j / facteur))::bigint
                = (
                    (floor(dem.i / facteur) + voi.d_lat) * 100000
                    + floor(dem.j / facteur) + voi.d_lon
                )::bigint
    ) as cand
    group by cand.id_service, cand.id_commune
