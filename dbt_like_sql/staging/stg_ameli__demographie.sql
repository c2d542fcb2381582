-- Libéral practitioners by profession, territory, age class and sex (data.ameli.fr), typed: age
-- classes parsed from their labels into bounds; rows 999 are totals of a région (or of France,
-- région 99), kept apart from the départements.
-- grain: one row per annee x profession_sante x code_region x code_departement x libelle_classe_age x libelle_sexe (code_departement NULL: rows 999, totals of a région or of France)
-- columns:
--   annee: year (practitioners active on 31 December)
--   profession_sante: profession label as published
--   code_region: région code (99: France)
--   code_departement: département code (NULL on the rows 999, totals of a région or of France)
--   libelle_classe_age: age class label as published
--   type_classe: tranche (an age band), total (Tout âge) or inconnu (âge inconnu)
--   age_min: lower bound of the band (years)
--   age_max: upper bound (NULL for the open band)
--   libelle_sexe: hommes, femmes, sexe inconnu, tout sexe
--   effectif: headcount
--   densite_pour_100000: density per 100,000 inhabitants as published
with typed as (
    select
        cast(left(ame.annee, 4) as integer) as annee,
        ame.profession_sante,
        ame.region as code_region,
        case
            when ame.departement = '999' then null
            when regexp_full_match(ame.departement, '\d') then '0' || ame.departement
            else ame.departement
        end as code_departement,
        ame.libelle_classe_age,
        lower(ame.libelle_classe_age) as classe,
        ame.libelle_sexe,
        cast(ame.effectif as bigint) as effectif,
        try_cast(ame.densite as double) as densite_pour_100000
    from raw.ameli__demographie as ame
)

select
    typ.annee,
    typ.profession_sante,
    typ.code_region,
    typ.code_departement,
    typ.libelle_classe_age,
    case
        when typ.classe like 'tout%' then 'total'
        when typ.classe like '%inconnu%' then 'inconnu'
        else 'tranche'
    end as type_classe,
    case
        when typ.classe like 'moins de%' then 0
        else try_cast(regexp_extract(typ.classe, '(\d+)', 1) as integer)
    end as age_min,
    case
        when typ.classe like 'moins de%'
            then try_cast(regexp_extract(typ.classe, '(\d+)', 1) as integer) - 1
        when typ.classe like '%et plus%' then null
        else try_cast(regexp_extract(typ.classe, '\d+\D+(\d+)', 1) as integer)
    end as age_max,
    typ.libelle_sexe,
    typ.effectif,
    typ.densite_pour_100000
from typed as typ
