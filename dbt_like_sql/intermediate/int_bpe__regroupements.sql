-- The services (regroupements) of each BPE edition and the facility types (series codes) each
-- one counts: every regroupement of INSEE's gammes workbook of the nearest edition (same year,
-- else the latest earlier one, else the earliest later one; the seed's gamme de proximité 2025
-- stands in when no workbook is ingested), plus every health type (sous-domaines D1 and D2,
-- pharmacie D307) that no regroupement counts, as a service of its own. Types are matched on their series code, so a 2023
-- médecin généraliste (D201) counts in the 2025 regroupement of D265.
-- grain: one row per millesime x code_regroupement x code_serie
-- columns:
--   millesime: BPE edition
--   code_regroupement: service code (regroupement of the workbook, or the health type's series code)
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire, superieure, hors_gamme, or sante for health types outside the gammes
--   millesime_gammes: edition of the gammes used (NULL for health types)
--   code_serie: a facility type (series code) counted by the service
with gammes_officielles as (
    select gam.millesime, gam.code_regroupement, gam.libelle_regroupement, gam.gamme, gam.typequ
    from staging.stg_insee__bpe_gammes as gam
),

gammes_seed as (
    select
        cast(see.millesime as integer) as millesime,
        coalesce(nullif(see.typequ_regroupement, ''), see.libelle_regroupement) as code_regroupement,
        see.libelle_regroupement,
        'proximite' as gamme,
        see.typequ
    from seeds.bpe_gammes as see
    where cast(see.millesime as integer) not in (select gof.millesime from gammes_officielles as gof)
),

gammes as (
    select * from gammes_officielles
    union all
    select * from gammes_seed
),

gammes_series as (
    select gam.*, coalesce(ser.code_serie, gam.typequ) as code_serie
    from gammes as gam
    left join intermediate.int_bpe__series as ser
        on gam.millesime = ser.millesime and gam.typequ = ser.typequ
),

editions as (
    select distinct equ.millesime from intermediate.int_bpe__equipements as equ
),

choix as (
    select
        edi.millesime,
        arg_min(
            ann.millesime,
            abs(edi.millesime - ann.millesime) * 2 + case when ann.millesime > edi.millesime then 1 else 0 end
        ) as millesime_gammes
    from editions as edi
    cross join (select distinct gam.millesime from gammes as gam) as ann
    group by edi.millesime
),

sante as (
    select distinct equ.millesime, equ.code_serie
    from intermediate.int_bpe__equipements as equ
    where left(equ.code_serie, 2) in ('D1', 'D2') or equ.code_serie = 'D307'
)

select
    cho.millesime,
    gse.code_regroupement,
    gse.libelle_regroupement,
    gse.gamme,
    cho.millesime_gammes,
    gse.code_serie
from choix as cho
inner join gammes_series as gse on cho.millesime_gammes = gse.millesime
union
select
    san.millesime,
    san.code_serie,
    coalesce(nom.libelle, san.code_serie),
    'sante',
    null,
    san.code_serie
from sante as san
left join intermediate.int_bpe__nomenclature as nom
    on san.millesime = nom.millesime and san.code_serie = nom.typequ
where not exists (
    select 1 from choix as cho
    inner join gammes_series as gse on cho.millesime_gammes = gse.millesime
    where cho.millesime = san.millesime and gse.code_serie = san.code_serie
)
