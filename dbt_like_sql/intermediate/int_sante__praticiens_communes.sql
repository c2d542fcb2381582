-- Practitioners counted as people, not rows: each person (national identifier) once per
-- profession, split over the distinct communes of their placed sites, 1/n in each, so totals
-- add up to the number of people. A person's mode of practice is libéral when all their
-- activities are, salarié when all are, mixte otherwise. A doctor with any general-practice
-- savoir-faire is a médecin généraliste.
-- grain: one row per millesime x identifiant x code_commune
-- columns:
--   millesime: year of the extraction
--   identifiant: national identifier of the person
--   profession: profession group
--   specialite: specialty of a médecin spécialiste
--   mode: liberal, salarie or mixte
--   code_commune: commune of a placed site
--   poids: share of the person counted in the commune (1 / number of communes)
--   centre_de_sante: the person practises as a salarié in a centre de santé (SA05) there
with personnes as (
    select
        act.millesime,
        act.identifiant,
        case
            when bool_or(act.profession = 'medecin_generaliste') then 'medecin_generaliste'
            else min(act.profession)
        end as profession,
        min(act.specialite) as specialite,
        case
            when bool_and(act.mode_exercice = 'L') then 'liberal'
            when bool_and(act.mode_exercice = 'S') then 'salarie'
            else 'mixte'
        end as mode
    from intermediate.int_sante__activites as act
    group by act.millesime, act.identifiant
),

sites as (
    select act.millesime, act.identifiant, act.code_commune,
        bool_or(act.mode_exercice = 'S' and act.code_secteur_activite = 'SA05') as centre_de_sante
    from intermediate.int_sante__activites as act
    where act.code_commune is not null
    group by act.millesime, act.identifiant, act.code_commune
)

select
    sit.millesime,
    sit.identifiant,
    per.profession,
    per.specialite,
    per.mode,
    sit.code_commune,
    1.0 / count(*) over (partition by sit.millesime, sit.identifiant) as poids,
    sit.centre_de_sante
from sites as sit
inner join personnes as per on sit.millesime = per.millesime and sit.identifiant = per.identifiant
