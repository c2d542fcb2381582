-- The services measured against their target population, and the facility types each counts:
-- every service (regroupement) of int_bpe__regroupements, plus every facility type with a
-- target population narrower than all ages (int_bpe__populations_cibles) that no service of
-- its edition counts and that has facilities that edition, as a service of its own coded by its series code (gamme hors_gamme). So
-- collèges, crèches or nursing homes are measured even when only the seed's gamme de
-- proximité is there (no gammes workbook ingested), and the 2021 écoles (C101, C104: split in
-- 2023, no series code) keep their own services.
-- grain: one row per millesime x code_regroupement x code_serie
-- columns:
--   millesime: BPE edition
--   code_regroupement: service (regroupement, or the type's series code)
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire, superieure, hors_gamme, or sante for health types outside the gammes
--   code_serie: a facility type (series code) counted by the service
--   origine: regroupement (int_bpe__regroupements) or type_cible (a type with a target population no service counts)
with regroupements as (
    select distinct
        reg.millesime,
        reg.code_regroupement,
        reg.libelle_regroupement,
        reg.gamme,
        reg.code_serie
    from intermediate.int_bpe__regroupements as reg
),

types_cibles as (
    -- types with a narrower target population holding facilities that edition
    select pci.millesime, pci.code_serie, min(pci.typequ) as typequ
    from intermediate.int_bpe__populations_cibles as pci
    where pci.population_cible <> (
        select coalesce(max(trim(see.population_cible)), 'tous')
        from seeds.populations_cibles as see
        where trim(see.typequ) = '*'
    )
        and exists (
            select 1 from intermediate.int_bpe__equipements as equ
            where equ.millesime = pci.millesime and equ.code_serie = pci.code_serie
        )
    group by pci.millesime, pci.code_serie
),

orphelins as (
    select tcb.millesime, tcb.code_serie, tcb.typequ
    from types_cibles as tcb
    anti join regroupements as reg
        on tcb.millesime = reg.millesime and tcb.code_serie = reg.code_serie
)

select
    reg.millesime,
    reg.code_regroupement,
    reg.libelle_regroupement,
    reg.gamme,
    reg.code_serie,
    'regroupement' as origine
from regroupements as reg
union all
select
    orp.millesime,
    orp.code_serie,
    coalesce(lower(nom.libelle), orp.code_serie),
    'hors_gamme',
    orp.code_serie,
    'type_cible'
from orphelins as orp
left join intermediate.int_bpe__nomenclature as nom
    on orp.millesime = nom.millesime and orp.typequ = nom.typequ
