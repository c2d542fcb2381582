-- Population of every territory at every level and millésime of the populations de référence,
-- in the geography of the target COG, with the demand side: share aged 75 and over (census of
-- the nearest year) and the age-standardised population (see int_population__communes for the
-- method and int_population__poids_age for the weights).
-- grain: one row per niveau x code_territoire x millesime
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: population_municipale, min_value: 0}
--   expect: column_values_to_be_between {name: population_positive, column: population_municipale, min_value: 1, where_not: {niveau: commune}, description: every territory above the commune has inhabitants (a few communes legally have none)}
--   expect: column_values_to_be_between {column: part_75_ans_et_plus, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: nb_communes, min_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: millésime of the populations de référence (census reference year)
--   population_municipale: PMUN, the population used for densities
--   population_totale: PTOT summed over communes (double-counts people counted apart in two communes, as the legal definition does)
--   part_75_ans_et_plus: share of the census population aged 75 and over (communes with an age structure only; between 0 and 1)
--   population_standardisee: age-standardised population (sums to the population municipale over France)
--   millesime_recensement_ages: census year of the age structure
--   nb_communes: communes of the territory with a population that millésime
select
    tc.niveau,
    tc.code_territoire,
    pop.millesime,
    cast(sum(pop.population_municipale) as bigint) as population_municipale,
    cast(sum(pop.population_totale) as bigint) as population_totale,
    round(
        sum(pop.population_75_ans_et_plus) / nullif(sum(pop.population_recensement), 0), 6
    ) as part_75_ans_et_plus,
    cast(sum(pop.population_standardisee) as double) as population_standardisee,
    max(pop.millesime_recensement_ages) as millesime_recensement_ages,
    count(*) as nb_communes
from marts.territoires__communes as tc
inner join intermediate.int_population__communes as pop on tc.code_commune = pop.code_commune
group by tc.niveau, tc.code_territoire, pop.millesime
