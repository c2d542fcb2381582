-- Facilities placed on the target COG, with their series code (followable across editions) and
-- a point: the facility's own when usable, else its commune's reference point (stated in
-- `localisation`). Straight-line distances are computed from these points.
-- grain: one row per millesime x source_row
-- columns:
--   millesime: BPE edition
--   source_row: line of the facility in its file
--   code_commune: commune of the target COG
--   typequ: facility type in the edition's nomenclature
--   code_serie: the type's code in the latest numbering (see int_bpe__series)
--   nb_equipements: facilities the row stands for
--   capacite: its capacity (places, beds...) when the BPE gives one, else NULL
--   latitude: WGS84 latitude used for distances
--   longitude: WGS84 longitude used for distances
--   localisation: equipement (its own point) or commune (its commune's point)
--   structure_exercice: health professionals' practice structure
select
    plc.millesime,
    plc.source_row,
    plc.code_commune,
    plc.typequ,
    coalesce(ser.code_serie, plc.typequ) as code_serie,
    plc.nb_equipements,
    plc.capacite,
    coalesce(plc.latitude, pts.latitude) as latitude,
    coalesce(plc.longitude, pts.longitude) as longitude,
    case when plc.latitude is not null then 'equipement' else 'commune' end as localisation,
    plc.structure_exercice
from intermediate.int_bpe__placement as plc
left join intermediate.int_bpe__series as ser
    on plc.millesime = ser.millesime and plc.typequ = ser.typequ
left join intermediate.int_cog__points_communes as pts on plc.code_commune = pts.code_commune
where plc.code_commune is not null
