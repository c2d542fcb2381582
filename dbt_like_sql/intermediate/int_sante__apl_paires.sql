-- The catchments of the GP accessibility (2SFCA in the spirit of the DREES APL): every two
-- communes of the target COG whose reference points are at most 20 km apart, in both directions
-- (each commune with itself at 0 km), with the distance-decay weight w(d) the 2SFCA gives the
-- pair: 1 up to 10 km, 2/3 up to 15 km, 1/3 up to 20 km (0 beyond: those pairs are not kept).
-- Read by the APL of every commune (intermediate.int_sante__apl_communes) and by the
-- re-evaluation of the APL with one more GP (marts.implantations__medecins), so the weights are
-- written once. Distances come from intermediate.int_cog__distances_communes, the one source of
-- commune-to-commune distances (a road-time matrix there changes these catchments, not this SQL).
-- grain: one row per code_commune x code_commune_voisine
-- columns:
--   code_commune: commune of the target COG (as a supply site j)
--   code_commune_voisine: commune of the target COG within 20 km (as a place of demand i; the commune itself included)
--   distance_km: straight-line km between the two town halls
--   poids: distance-decay weight w(d): 1, 2/3 or 1/3
select
    dis.code_commune,
    dis.code_commune_voisine,
    dis.distance_km,
    case
        when dis.distance_km <= 10 then 1.0
        when dis.distance_km <= 15 then 2.0 / 3
        else 1.0 / 3
    end as poids
from intermediate.int_cog__distances_communes as dis
inner join intermediate.int_cog__communes_cible as ori on dis.code_commune = ori.code_commune
inner join intermediate.int_cog__communes_cible as voi on dis.code_commune_voisine = voi.code_commune
where dis.distance_km <= 20
