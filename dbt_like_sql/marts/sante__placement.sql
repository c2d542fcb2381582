-- How much of the Annuaire santé could be placed on a commune, per profession: people and
-- activities in, placed and quarantined. A person counts as placed when at least one of their
-- sites is; the observatory's headcounts cover placed people only.
-- grain: one row per millesime x profession
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_be_between {column: part_personnes_placees, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {name: part_personnes_placees_suffisante, column: part_personnes_placees, min_value: 0.9, severity: warn, description: at least 90 % of the people of a profession are placed on a commune}
-- columns:
--   millesime: year of the extraction
--   profession: profession group
--   personnes: people of the profession in the file
--   personnes_placees: people with at least one placed site
--   part_personnes_placees: share of people placed (0 to 1)
--   activites: activity rows of the profession
--   activites_par_code_postal: activities placed through their postcode
--   activites_quarantaine: activities quarantined (see quarantine.ans__annuaire_sante)
with personnes as (
    select act.millesime, act.identifiant,
        case when bool_or(act.profession = 'medecin_generaliste') then 'medecin_generaliste'
            else min(act.profession) end as profession,
        bool_or(act.code_commune is not null) as placee
    from intermediate.int_sante__activites as act
    group by act.millesime, act.identifiant
),

activites as (
    select act.millesime, act.profession, count(*) as activites,
        count(*) filter (where act.methode_placement = 'code postal') as par_code_postal,
        count(*) filter (where act.code_commune is null) as quarantaine
    from intermediate.int_sante__activites as act
    group by act.millesime, act.profession
)

select
    per.millesime,
    per.profession,
    count(*) as personnes,
    count(*) filter (where per.placee) as personnes_placees,
    round(count(*) filter (where per.placee) / count(*), 6) as part_personnes_placees,
    max(act.activites) as activites,
    max(act.par_code_postal) as activites_par_code_postal,
    max(act.quarantaine) as activites_quarantaine
from personnes as per
left join activites as act on per.millesime = act.millesime and per.profession = act.profession
group by per.millesime, per.profession
