-- The facility types of every BPE edition: the official list when ingested, else the seed
-- (seeds.bpe_typequ). `complete` says whether the list is exhaustive for that edition (official
-- file, or the seed's official 2021 and 2023 lists): only then is a type absent from it an
-- unknown type (quarantined); the seed's 2024 (third-party) and 2025 (partial) lists are not.
-- grain: one row per millesime x typequ
-- columns:
--   millesime: BPE edition
--   typequ: facility type code
--   libelle: label
--   sdom: sous-domaine (the code's first two characters)
--   dom: domaine (its first character)
--   libelle_sdom: label of the sous-domaine
--   libelle_dom: label of the domaine
--   origine: officielle (ingested file) or seed
--   complete: the list of that edition is exhaustive
with officielle as (
    select nom.millesime, nom.typequ, nom.libelle, nom.libelle_sdom, nom.libelle_dom
    from staging.stg_insee__bpe_nomenclature as nom
),

seed as (
    select
        cast(trim(edition.annee) as integer) as millesime,
        typ.typequ,
        typ.libelle,
        typ.libelle_sdom,
        typ.libelle_dom
    from seeds.bpe_typequ as typ
    cross join unnest(string_split(typ.editions, ',')) as edition (annee)
),

libelles_domaines as (
    select distinct on (left(seed.typequ, 2))
        left(seed.typequ, 2) as sdom, seed.libelle_sdom, seed.libelle_dom
    from seed
    order by left(seed.typequ, 2), seed.millesime desc
)

select
    off.millesime,
    off.typequ,
    off.libelle,
    left(off.typequ, 2) as sdom,
    left(off.typequ, 1) as dom,
    coalesce(off.libelle_sdom, lib.libelle_sdom) as libelle_sdom,
    coalesce(off.libelle_dom, lib.libelle_dom) as libelle_dom,
    'officielle' as origine,
    true as complete
from officielle as off
left join libelles_domaines as lib on left(off.typequ, 2) = lib.sdom
union all
select
    see.millesime,
    see.typequ,
    see.libelle,
    left(see.typequ, 2),
    left(see.typequ, 1),
    see.libelle_sdom,
    see.libelle_dom,
    'seed',
    see.millesime in (2021, 2023)
from seed as see
where see.millesime not in (select off.millesime from officielle as off)
