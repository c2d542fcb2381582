-- Accessibility to general practitioners per territory, in the spirit of the DREES APL: a
-- two-step floating catchment with distance decay, in consultations per year per
-- age-standardised inhabitant.
--   Supply S_j: GPs of commune j (Annuaire santé, libéral or mixed, or salaried in a centre de
--   santé; people split 1/n over their communes), one headcount counted as one full-time
--   equivalent giving 5,400 consultations a year (no activity data is open; the DREES converts
--   fees into FTE).
--   Demand P_i: age-standardised population of commune i (weights by age of GP consumption).
--   Decay w(d) on the STRAIGHT-LINE distance between town halls: 1 up to 10 km, 2/3 up to
--   15 km, 1/3 up to 20 km, 0 beyond (the DREES uses 10, 15 and 20 minutes of car travel).
--   Step 1: R_j = 5,400 S_j / sum_i w(d_ij) P_i. Step 2: APL_i = sum_j w(d_ij) R_j.
--   Variant excluding GPs aged 65 and over: S_j times (1 - share of GPs aged 65+ in j's
--   département, ameli libéraux of the latest year, else DREES).
-- A territory's APL is the mean of its communes' weighted by standardised population (as the
-- DREES aggregates); a commune is under-served below 2.5 consultations (DREES threshold).
-- The commune values are intermediate.int_sante__apl_communes (pairs of communes within 20 km
-- from intermediate.int_cog__distances_communes, via intermediate.int_sante__apl_paires).
-- grain: one row per niveau x code_territoire x millesime
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: apl_mg, min_value: 0}
--   expect: column_values_to_be_between {column: offre_mg_etp, min_value: 0}
--   expect: column_values_to_be_between {column: part_population_sous_dense, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_population_sous_dense_hors_65_ans, min_value: 0, max_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: year of the Annuaire santé extraction
--   apl_mg: consultations accessible per year per standardised inhabitant
--   apl_mg_hors_65_ans: the same without the expected share of GPs aged 65 and over
--   offre_mg_etp: GPs counted in the supply (full-time equivalents = headcount)
--   population_standardisee: age-standardised population (weights of the mean)
--   part_population_sous_dense: share of the population municipale living in a commune with an APL below 2.5 (0 to 1)
--   part_population_sous_dense_hors_65_ans: the same for the variant without GPs aged 65 and over
select
    tc.niveau,
    tc.code_territoire,
    apl.millesime,
    round(coalesce(sum(apl.apl * apl.demande) / nullif(sum(apl.demande), 0), avg(apl.apl)), 4)
        as apl_mg,
    round(coalesce(sum(apl.apl_hors_65 * apl.demande) / nullif(sum(apl.demande), 0),
        avg(apl.apl_hors_65)), 4) as apl_mg_hors_65_ans,
    round(sum(apl.offre), 3) as offre_mg_etp,
    round(sum(apl.demande), 3) as population_standardisee,
    round(coalesce(sum(apl.population_municipale) filter (where apl.apl < 2.5), 0)
        / nullif(sum(apl.population_municipale), 0), 6) as part_population_sous_dense,
    round(coalesce(sum(apl.population_municipale) filter (where apl.apl_hors_65 < 2.5), 0)
        / nullif(sum(apl.population_municipale), 0), 6) as part_population_sous_dense_hors_65_ans
from marts.territoires__communes as tc
inner join intermediate.int_sante__apl_communes as apl on tc.code_commune = apl.code_commune
group by tc.niveau, tc.code_territoire, apl.millesime
