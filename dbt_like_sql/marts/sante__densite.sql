-- Health professionals per territory (Annuaire santé): people, not activity rows, each split over
-- the communes of their sites (1/n), by profession and mode of practice (and all modes together),
-- with the density per 10,000 inhabitants (population in force on 1 January of the extraction).
-- grain: one row per niveau x code_territoire x millesime x profession x mode
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: effectif, min_value: 0}
--   expect: column_values_to_be_between {column: pour_10000_hab, min_value: 0}
--   expect: column_values_to_be_in_set {column: mode, value_set: [liberal, salarie, mixte, ensemble]}
--   expect: column_values_to_be_in_set {column: profession, value_set: [medecin_generaliste, medecin_specialiste, infirmier, masseur_kinesitherapeute, chirurgien_dentiste, sage_femme, pharmacien]}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: year of the Annuaire santé extraction
--   profession: medecin_generaliste, medecin_specialiste, infirmier, masseur_kinesitherapeute, chirurgien_dentiste, sage_femme or pharmacien
--   mode: liberal, salarie, mixte, or ensemble (all modes)
--   effectif: practitioners (people; fractional where a person practises in several communes)
--   population_municipale: population of the territory
--   millesime_population: millésime of the populations de référence used
--   pour_10000_hab: practitioners per 10,000 inhabitants
with effectifs as (
    select tc.niveau, tc.code_territoire, pra.millesime, pra.profession, pra.mode,
        sum(pra.poids) as effectif
    from marts.territoires__communes as tc
    inner join intermediate.int_sante__praticiens_communes as pra
        on tc.code_commune = pra.code_commune
    group by grouping sets (
        (tc.niveau, tc.code_territoire, pra.millesime, pra.profession, pra.mode),
        (tc.niveau, tc.code_territoire, pra.millesime, pra.profession)
    )
),

populations as (
    select tc.niveau, tc.code_territoire, vig.annee, max(vig.millesime_population)
        as millesime_population, sum(vig.population_municipale) as population_municipale
    from marts.territoires__communes as tc
    inner join intermediate.int_population__en_vigueur as vig on tc.code_commune = vig.code_commune
    where vig.annee in (select distinct p.millesime from intermediate.int_sante__praticiens_communes as p)
    group by tc.niveau, tc.code_territoire, vig.annee
)

select
    eff.niveau,
    eff.code_territoire,
    eff.millesime,
    eff.profession,
    coalesce(eff.mode, 'ensemble') as mode,
    eff.effectif as effectif,  -- not rounded, so the 1/n shares of a person add up to one
    cast(pop.population_municipale as bigint) as population_municipale,
    pop.millesime_population,
    round(10000.0 * eff.effectif / nullif(pop.population_municipale, 0), 4) as pour_10000_hab
from effectifs as eff
left join populations as pop
    on eff.niveau = pop.niveau
    and eff.code_territoire = pop.code_territoire
    and eff.millesime = pop.annee
