-- Physicians by département, specialty group, mode, age band and sex (DREES, RPPS), one row per
-- year, typed: "code-label" strings split (`023-Creuse` -> 23, `02A -Corse-du-Sud` -> 2A,
-- `000-Ensemble` -> NULL for the total), age bands parsed into bounds, `ND` made NULL.
-- grain: one row per annee x code_departement x specialites_agregees x exercice x tranche_age x sexe (code_departement NULL: the all-France total)
-- columns:
--   annee: year (physicians active on 1 January)
--   code_departement: département code (NULL for the all-France total)
--   code_specialites: code of the specialty group (00 all, 01 médecine générale...)
--   specialites_agregees: specialty group label as published
--   exercice: mode of practice label as published (0-Ensemble: all)
--   tranche_age: age band label as published
--   type_classe: tranche (an age band) or total (00-Ensemble)
--   age_min: lower bound of the band (years)
--   age_max: upper bound (NULL for the open band)
--   sexe: sex label as published (0-Ensemble: all)
--   effectif: headcount (NULL where the file shows ND)
with parsed as (
    select
        cast(dre.annee as integer) as annee,
        regexp_extract(dre.departement, '^\s*(\d{2,3}|0?2[AB])\s*-', 1) as code_brut,
        regexp_extract(dre.specialites_agregees, '^\s*(\d+)\s*-', 1) as code_specialites,
        dre.specialites_agregees,
        dre.specialites,
        dre.exercice,
        dre.tranche_age,
        lower(regexp_replace(dre.tranche_age, '^\s*\d+\s*-\s*', '')) as classe,
        dre.sexe,
        try_cast(dre.effectif as bigint) as effectif
    from raw.drees__demographie as dre
)

select
    par.annee,
    case
        when par.code_brut in ('000', '00', '') or par.code_brut is null then null
        when length(par.code_brut) = 3 and par.code_brut not like '97%' then right(par.code_brut, 2)
        else par.code_brut
    end as code_departement,
    par.code_specialites,
    par.specialites_agregees,
    par.exercice,
    par.tranche_age,
    case when par.classe like 'ensemble%' then 'total' else 'tranche' end as type_classe,
    case
        when par.classe like 'moins de%' then 0
        else try_cast(regexp_extract(par.classe, '(\d+)', 1) as integer)
    end as age_min,
    case
        when par.classe like 'moins de%'
            then try_cast(regexp_extract(par.classe, '(\d+)', 1) as integer) - 1
        when par.classe like '%et plus%' then null
        else try_cast(regexp_extract(par.classe, '\d+\D+(\d+)', 1) as integer)
    end as age_max,
    par.sexe,
    par.effectif
from parsed as par
where coalesce(par.specialites, '00-Ensemble') like '00%'
