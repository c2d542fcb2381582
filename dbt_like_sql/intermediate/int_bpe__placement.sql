-- Every BPE facility placed on a commune of the target COG, or not. A BPE edition is coded in the
-- COG of its own year (arrondissement codes in Paris, Lyon, Marseille). A facility is
-- quarantined when its commune cannot be placed, or when its type is absent from a complete
-- nomenclature of its edition; a facility whose type is absent from an incomplete list (the
-- seed's 2024 and 2025 lists) is kept and counted by a warning check.
-- grain: one row per millesime x source_row
-- columns:
--   millesime: BPE edition
--   source_row: line of the facility in its file
--   code_source: DEPCOM as published
--   code_commune: commune of the target COG (NULL when quarantined)
--   typequ: facility type in the edition's nomenclature
--   type_connu: the type is in the edition's list (NULL when the edition has no list at all)
--   raison_quarantaine: why the facility is quarantined (NULL when placed)
--   nb_equipements: facilities the row stands for
--   capacite: its capacity (places, beds...) when the BPE gives one, else NULL
--   latitude: WGS84 latitude of the facility (NULL when unusable)
--   longitude: WGS84 longitude of the facility
--   anomalie_point: absent or hors_france when the facility's own point is unusable
--   structure_exercice: health professionals' practice structure
with listes as (
    select nom.millesime, bool_or(nom.complete) as complete
    from intermediate.int_bpe__nomenclature as nom
    group by nom.millesime
),

classes as (
    select
        bpe.*,
        pas.code_commune as code_cible,
        pas.code_source as code_reconnu,
        pas.raison_non_placee,
        case when lis.millesime is not null then nom.typequ is not null end as type_connu,
        coalesce(lis.complete, false) as liste_complete
    from staging.stg_insee__bpe as bpe
    left join intermediate.int_cog__passage_communes as pas
        on bpe.code_commune = pas.code_source
        and coalesce(pas.annee_geographie, bpe.millesime) = bpe.millesime
    left join listes as lis on bpe.millesime = lis.millesime
    left join intermediate.int_bpe__nomenclature as nom
        on bpe.millesime = nom.millesime and bpe.typequ = nom.typequ
),

raisons as (
    select
        cls.*,
        case
            when cls.code_commune is null then 'no commune code (DEPCOM empty, _Z or _U)'
            when cls.code_reconnu is null
                then 'commune code unknown to the target COG and to its movements since 1 January '
                || cls.millesime
            when cls.code_cible is null then cls.raison_non_placee
            when cls.typequ is null then 'no facility type'
            when cls.liste_complete and not cls.type_connu
                then 'TYPEQU ' || cls.typequ || ' is not in the ' || cls.millesime || ' nomenclature'
        end as raison_quarantaine
    from classes as cls
)

select
    rai.millesime,
    rai.source_row,
    rai.code_commune as code_source,
    case when rai.raison_quarantaine is null then rai.code_cible end as code_commune,
    rai.typequ,
    rai.type_connu,
    rai.raison_quarantaine,
    rai.nb_equipements,
    rai.capacite,
    rai.latitude,
    rai.longitude,
    rai.anomalie_point,
    rai.structure_exercice
from raisons as rai
