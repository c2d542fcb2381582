-- Follows every facility type to its code in the latest numbering (the "series" code), so that
-- a service can be followed across editions despite the 2024 renumbering (médecin généraliste
-- D201 -> D265, infirmier D232 -> D244 -> D281...). Only identical or renumbered codes with
-- sound evidence continue a series (seeds.bpe_typequ_passage; weak inferences are not followed).
-- `rupture_avant` marks a type whose series breaks when entering this edition: it was created,
-- split, merged, or only weakly linked to the previous edition's codes.
-- grain: one row per millesime x typequ
-- columns:
--   millesime: BPE edition
--   typequ: facility type code in that edition
--   code_serie: the code the type carries in the latest numbering it can be followed to
--   rupture_avant: the series is not comparable with the previous edition
with recursive passages as (
    select
        cast(split_part(pas.periode, '->', 1) as integer) as millesime_avant,
        cast(split_part(pas.periode, '->', 2) as integer) as millesime_apres,
        nullif(pas.typequ_avant, '') as typequ_avant,
        nullif(pas.typequ_apres, '') as typequ_apres,
        pas.nature,
        pas.nature in ('identique', 'renumerote')
        and pas.preuve <> 'inference_libelle_faible' as fiable
    from seeds.bpe_typequ_passage as pas
),

suivants as (
    -- The next step of each code: to the next edition when documented, else (2023 codes absent
    -- from the 2024 list) straight to 2025. A code without a step keeps its code.
    select pas.*
    from passages as pas
    where pas.fiable
    qualify rank() over (
        partition by pas.millesime_avant, pas.typequ_avant order by pas.millesime_apres
    ) = 1
),

types as (
    select distinct nom.millesime, nom.typequ from intermediate.int_bpe__nomenclature as nom
    union
    select distinct bpe.millesime, bpe.typequ from staging.stg_insee__bpe as bpe
    where bpe.typequ is not null
),

chaines (millesime, typequ, millesime_courant, code_courant, etapes) as (
    select typ.millesime, typ.typequ, typ.millesime, typ.typequ, 0 from types as typ
    union all
    select cha.millesime, cha.typequ, sui.millesime_apres, sui.typequ_apres, cha.etapes + 1
    from chaines as cha
    inner join suivants as sui
        on cha.code_courant = sui.typequ_avant and cha.millesime_courant = sui.millesime_avant
    where cha.etapes < 10 and sui.typequ_apres is not null
),

series as (
    select cha.millesime, cha.typequ, arg_max(cha.code_courant, cha.etapes) as code_serie
    from chaines as cha
    group by cha.millesime, cha.typequ
),

ruptures as (
    -- entering an edition: created, split or merged into, or only weakly linked
    select distinct pas.millesime_apres as millesime, pas.typequ_apres as typequ
    from passages as pas
    where pas.typequ_apres is not null and not pas.fiable
)

select
    ser.millesime,
    ser.typequ,
    ser.code_serie,
    rup.typequ is not null as rupture_avant
from series as ser
left join ruptures as rup on ser.millesime = rup.millesime and ser.typequ = rup.typequ
