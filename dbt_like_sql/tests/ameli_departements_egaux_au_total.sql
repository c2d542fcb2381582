-- data.ameli's France row (département 999, région 99) equals the sum of its départements, per
-- year, profession, age class and sex: France computed from départements is the file's own total.
-- asset: staging.stg_ameli__demographie
-- severity: warn
with departements as (
    select ame.annee, ame.profession_sante, ame.libelle_classe_age, ame.libelle_sexe,
        sum(ame.effectif) as effectif
    from staging.stg_ameli__demographie as ame
    where ame.code_departement is not null
    group by ame.annee, ame.profession_sante, ame.libelle_classe_age, ame.libelle_sexe
)

select tot.annee, tot.profession_sante, tot.libelle_classe_age, tot.libelle_sexe,
    tot.effectif as total_publie, dep.effectif as somme_departements
from staging.stg_ameli__demographie as tot
inner join departements as dep
    on tot.annee = dep.annee
    and tot.profession_sante = dep.profession_sante
    and tot.libelle_classe_age = dep.libelle_classe_age
    and tot.libelle_sexe = dep.libelle_sexe
where tot.code_departement is null and tot.code_region = '99' and tot.effectif <> dep.effectif
