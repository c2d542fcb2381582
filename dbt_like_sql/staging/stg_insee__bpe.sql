-- BPE facilities of every edition, typed. `_Z` (not applicable) and `_U` (unknown) become NULL.
-- Each facility gets a WGS84 point: LONGITUDE/LATITUDE when present (2023 onwards), else its
-- Lambert-93 coordinates (EPSG 2154, the old format's only ones) projected back to WGS84 here
-- (inverse Lambert conformal conic on GRS80, latitude by fixed-point iteration). A point outside
-- France (metropole, Corsica and the five DROM) is rejected as a geocoding failure; a facility
-- without a usable point is later located at its commune's reference point (see
-- int_bpe__equipements), never dropped.
-- grain: one row per millesime x source_row
-- columns:
--   millesime: BPE edition (facilities open on 1 January; commune codes in the COG of that year)
--   source_row: line (or row number) of the facility in its file
--   code_commune: DEPCOM as published (arrondissement codes in Paris, Lyon, Marseille)
--   typequ: facility type in the nomenclature of the edition
--   nom: name (current format only)
--   nb_equipements: facilities the row stands for (NB_EQUIP in aggregated files, else 1)
--   capacite: CAPACITE (places, beds, pupils, rooms... as the type counts them) when INDIC_CAPA says it is filled (or the file has no INDIC_CAPA and the value reads as a whole number >= 0), else NULL
--   qualite_xy: geolocation quality as published (NULL for _Z, _U)
--   structure_exercice: health professionals' practice structure (CI, CG, ES, AM)
--   latitude: WGS84 latitude of the facility (NULL when missing or implausible)
--   longitude: WGS84 longitude of the facility
--   origine_point: wgs84 (published), lambert93 (projected here) or NULL
--   anomalie_point: absent (no coordinates) or hors_france (implausible), NULL when usable
with typed as (
    select
        bpe.millesime,
        bpe.source_row,
        nullif(nullif(bpe.depcom, '_Z'), '_U') as code_commune,
        nullif(nullif(bpe.typequ, '_Z'), '_U') as typequ,
        nullif(nullif(bpe.nomrs, '_Z'), '_U') as nom,
        coalesce(try_cast(bpe.nb_equip as integer), 1) as nb_equipements,
        -- a capacity is used only where INDIC_CAPA says it is filled: 0 with INDIC_CAPA 1 is a
        -- real zero, an empty field with INDIC_CAPA 0 is unknown (NULL), never 0
        case
            when coalesce(nullif(nullif(bpe.indic_capa, '_Z'), '_U'), '1') = '1'
                and try_cast(bpe.capacite as integer) >= 0
                then try_cast(bpe.capacite as integer)
        end as capacite,
        nullif(nullif(bpe.qualite_xy, '_Z'), '_U') as qualite_xy,
        nullif(nullif(bpe.structure_exercice, '_Z'), '_U') as structure_exercice,
        -- a decimal comma is replaced only where the value does not read as it is
        coalesce(try_cast(bpe.longitude as double),
            try_cast(replace(bpe.longitude, ',', '.') as double)) as longitude_publiee,
        coalesce(try_cast(bpe.latitude as double),
            try_cast(replace(bpe.latitude, ',', '.') as double)) as latitude_publiee,
        coalesce(try_cast(bpe.lambert_x as double),
            try_cast(replace(bpe.lambert_x, ',', '.') as double)) as lambert_x,
        coalesce(try_cast(bpe.lambert_y as double),
            try_cast(replace(bpe.lambert_y, ',', '.') as double)) as lambert_y,
        coalesce(nullif(nullif(bpe.epsg, '_Z'), '_U'), '2154') as epsg
    from raw.insee__bpe as bpe
),

lambert as (
    -- Inverse Lambert-93: n, C, Xs, Ys and e of IGN's specification (GRS80, lon0 = 3 E).
    select
        typ.*,
        -- projected only when the WGS84 point is not published (the old format): BPE 2023+
        -- give both, and the trigonometry below would run on millions of rows for nothing
        case when typ.epsg = '2154' and typ.lambert_x is not null and typ.lambert_y is not null
            and (typ.latitude_publiee is null or typ.longitude_publiee is null)
            then sqrt(power(typ.lambert_x - 700000, 2) + power(12655612.0499 - typ.lambert_y, 2))
        end as rayon,
        case when typ.latitude_publiee is null or typ.longitude_publiee is null
            then atan2(typ.lambert_x - 700000, 12655612.0499 - typ.lambert_y)
        end as gamma
    from typed as typ
),

iso as (
    select
        lam.*,
        -ln(lam.rayon / 11754255.4261) / 0.7256077650532670 as latitude_iso,
        degrees(radians(3) + lam.gamma / 0.7256077650532670) as longitude_l93
    from lambert as lam
),

phi1 as (
    select iso.*, 2 * atan(exp(iso.latitude_iso)) - pi() / 2 as phi from iso
),

phi2 as (
    select
        p.* replace (2 * atan(power((1 + 0.0818191910428158 * sin(p.phi))
            / (1 - 0.0818191910428158 * sin(p.phi)), 0.0818191910428158 / 2)
            * exp(p.latitude_iso)) - pi() / 2 as phi)
    from phi1 as p
),

phi3 as (
    select
        p.* replace (2 * atan(power((1 + 0.0818191910428158 * sin(p.phi))
            / (1 - 0.0818191910428158 * sin(p.phi)), 0.0818191910428158 / 2)
            * exp(p.latitude_iso)) - pi() / 2 as phi)
    from phi2 as p
),

phi4 as (
    select
        p.* replace (2 * atan(power((1 + 0.0818191910428158 * sin(p.phi))
            / (1 - 0.0818191910428158 * sin(p.phi)), 0.0818191910428158 / 2)
            * exp(p.latitude_iso)) - pi() / 2 as phi)
    from phi3 as p
),

phi5 as (
    select
        p.* replace (2 * atan(power((1 + 0.0818191910428158 * sin(p.phi))
            / (1 - 0.0818191910428158 * sin(p.phi)), 0.0818191910428158 / 2)
            * exp(p.latitude_iso)) - pi() / 2 as phi)
    from phi4 as p
),

points as (
    select
        p.*,
        coalesce(p.latitude_publiee, degrees(p.phi)) as latitude_brute,
        coalesce(p.longitude_publiee, p.longitude_l93) as longitude_brute,
        case
            when p.latitude_publiee is not null and p.longitude_publiee is not null then 'wgs84'
            when p.rayon is not null then 'lambert93'
        end as origine_brute
    from phi5 as p
),

plausibles as (
    select
        pts.*,
        pts.origine_brute is not null and (
            (pts.latitude_brute between 41.3 and 51.2 and pts.longitude_brute between -5.3 and 9.7)
            or (pts.latitude_brute between 15.8 and 16.6 and pts.longitude_brute between -61.9 and -60.9)
            or (pts.latitude_brute between 14.3 and 14.9 and pts.longitude_brute between -61.3 and -60.7)
            or (pts.latitude_brute between 2.1 and 5.8 and pts.longitude_brute between -54.7 and -51.5)
            or (pts.latitude_brute between -21.4 and -20.8 and pts.longitude_brute between 55.2 and 55.9)
            or (pts.latitude_brute between -13.1 and -12.6 and pts.longitude_brute between 45.0 and 45.3)
        ) as en_france
    from points as pts
)

select
    pla.millesime,
    pla.source_row,
    pla.code_commune,
    pla.typequ,
    pla.nom,
    pla.nb_equipements,
    pla.capacite,
    pla.qualite_xy,
    pla.structure_exercice,
    case when pla.en_france then round(pla.latitude_brute, 6) end as latitude,
    case when pla.en_france then round(pla.longitude_brute, 6) end as longitude,
    case when pla.en_france then pla.origine_brute end as origine_point,
    case
        when pla.origine_brute is null then 'absent'
        when not pla.en_france then 'hors_france'
    end as anomalie_point
from plausibles as pla
