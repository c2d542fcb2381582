-- Practitioners by département and age band from both age sources, in one shape: ameli
-- (libéraux active on 31 December, all sexes) and DREES (all active physicians on 1 January, all
-- sexes and modes). Professions are mapped to the observatory's groups; DREES specialists are all
-- physicians minus general practice. Only départements (the all-France rows are left out: France
-- is the sum of its départements).
-- grain: one row per source x annee x code_departement x profession x type_classe x age_min (age_min NULL: the total and unknown-age rows)
-- columns:
--   source: ameli or drees
--   annee: year of the headcount
--   code_departement: département
--   profession: medecin_generaliste, medecin_specialiste, infirmier, masseur_kinesitherapeute, chirurgien_dentiste or sage_femme
--   type_classe: tranche (age band), total (all ages) or inconnu (unknown age)
--   age_min: lower bound of the band
--   age_max: upper bound (NULL for the open band)
--   effectif: headcount
--   densite_pour_100000: density per 100,000 inhabitants as published (ameli only)
with ameli as (
    select
        'ameli' as source,
        ame.annee,
        ame.code_departement,
        case ame.profession_sante
            when 'Ensemble des médecins généralistes' then 'medecin_generaliste'
            when 'Ensemble des médecins spécialistes (hors généralistes)' then 'medecin_specialiste'
            when 'Infirmiers' then 'infirmier'
            when 'Masseurs-kinésithérapeutes' then 'masseur_kinesitherapeute'
            when 'Ensemble des chirurgiens-dentistes' then 'chirurgien_dentiste'
            when 'Sages-femmes' then 'sage_femme'
        end as profession,
        ame.type_classe,
        ame.age_min,
        ame.age_max,
        ame.effectif,
        ame.densite_pour_100000
    from staging.stg_ameli__demographie as ame
    where lower(ame.libelle_sexe) = 'tout sexe' and ame.code_departement is not null
),

drees as (
    select dre.annee, dre.code_departement, dre.code_specialites, dre.type_classe, dre.age_min,
        dre.age_max, dre.effectif
    from staging.stg_drees__demographie as dre
    where dre.code_departement is not null
        and coalesce(dre.exercice, '0') like '0%'
        and coalesce(dre.sexe, '0') like '0%'
        and dre.code_specialites in ('00', '01')
),

drees_professions as (
    select 'drees' as source, gp.annee, gp.code_departement, 'medecin_generaliste' as profession,
        gp.type_classe, gp.age_min, gp.age_max, gp.effectif, null::double as densite_pour_100000
    from drees as gp
    where gp.code_specialites = '01'
    union all
    select 'drees', tous.annee, tous.code_departement, 'medecin_specialiste', tous.type_classe,
        tous.age_min, tous.age_max, tous.effectif - gp.effectif, null::double
    from drees as tous
    inner join drees as gp
        on tous.annee = gp.annee
        and tous.code_departement = gp.code_departement
        and tous.type_classe = gp.type_classe
        and tous.age_min is not distinct from gp.age_min
        and gp.code_specialites = '01'
    where tous.code_specialites = '00'
)

select * from ameli where profession is not null
union all
select * from drees_professions
