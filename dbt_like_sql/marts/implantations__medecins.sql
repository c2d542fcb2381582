-- Where one more general practitioner would help most: for each territory (département, EPCI,
-- bassin de vie and every custom level) of the latest Annuaire santé extraction, the 3 communes
-- of the territory where one more GP (one full-time equivalent, 5,400 consultations a year)
-- would most reduce the territory's under-served deficit, each candidate evaluated ALONE (rang 2
-- is the second best single commune, not a second GP added to the first).
-- Exact re-evaluation of the 2SFCA (intermediate.int_sante__apl_communes): one more FTE in j
-- changes S_j into S_j + 1 and nothing else; the step-1 denominators D_k = sum_i w(d_ik) P_i
-- depend on demand only, so they do not change, and only R_j moves, by 5,400 / D_j. Step 2 then
-- gives APL_i' = APL_i + w(d_ij) 5,400 / D_j for the communes i within 20 km of j (w(d_ij) > 0)
-- and APL_i' = APL_i elsewhere.
-- Objective (rank order): the reduction of the territory's under-served deficit, the sum over
-- its communes of P_i (max(0, 2.5 - APL_i) - max(0, 2.5 - APL_i')), in consultations a year
-- (P_i = age-standardised population; 2.5 = the DREES threshold of an under-served commune);
-- ties broken by the gain of the territory's mean APL, then by commune code.
-- A commune with no demand within 20 km (D_j = 0) is not a candidate: the GP's ratio 5,400 / D_j
-- is undefined and nobody with a population would reach that GP.
-- grain: one row per niveau x code_territoire x millesime x rang
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: rang, min_value: 1, max_value: 3}
--   expect: column_values_to_be_between {column: reduction_deficit, min_value: 0}
--   expect: column_values_to_be_between {column: population_sortie_sous_densite, min_value: 0}
--   expect: column_values_to_be_between {column: gain_apl_mg, min_value: 0}
--   expect: column_values_to_be_between {column: demande_ponderee, min_value: 0, strict_min: true}
--   expect: column_values_to_be_between {column: part_population_sous_dense_avant, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_population_sous_dense_apres, min_value: 0, max_value: 1}
--   expect: column_values_to_match_regex {column: code_commune, regex: '^(\d{5}|2[AB]\d{3})$'}
-- columns:
--   niveau: departement, epci, bv2022, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: year of the Annuaire santé extraction (the latest)
--   rang: rank of the candidate in its territory (1 = largest deficit reduction)
--   code_commune: candidate commune of the territory where the GP would settle
--   reduction_deficit: reduction of the territory's under-served deficit, sum of P_i (max(0, 2.5 - APL_i) - max(0, 2.5 - APL_i')), consultations a year
--   population_sortie_sous_densite: population municipale of the territory's communes whose APL crosses 2.5 (below before, at or above after)
--   apl_mg_avant: territory's APL before (mean of its communes' weighted by standardised population, as sante__accessibilite_mg)
--   apl_mg_apres: the same with the GP added in the candidate commune
--   gain_apl_mg: apl_mg_apres - apl_mg_avant (unrounded difference, rounded to 6 decimals)
--   part_population_sous_dense_avant: share of the population municipale living in a commune with an APL below 2.5 (0 to 1)
--   part_population_sous_dense_apres: the same with the GP added
--   demande_ponderee: D_j of the candidate, sum of w(d_ij) P_i within 20 km: the GP adds 5,400 / D_j consultations per standardised inhabitant at weight 1
with derniere as (
    select max(apl.millesime) as millesime from intermediate.int_sante__apl_communes as apl
),

communes as (
    select apl.millesime, apl.code_commune, apl.demande, apl.population_municipale,
        apl.demande_ponderee, apl.apl
    from intermediate.int_sante__apl_communes as apl
    inner join derniere as der on apl.millesime = der.millesime
),

appartenances as (
    select tc.niveau, tc.code_territoire, tc.code_commune
    from marts.territoires__communes as tc
    where tc.niveau not in ('commune', 'region', 'france')
),

territoires as (
    -- each territory before the GP: the sums its mean APL and under-served share are made of
    select app.niveau, app.code_territoire,
        sum(com.demande) as demande,
        sum(com.apl * com.demande) as apl_x_demande,
        sum(com.apl) as somme_apl,
        count(*) as nb_communes,
        sum(com.population_municipale) as population,
        coalesce(sum(com.population_municipale) filter (where com.apl < 2.5), 0)
            as population_sous_dense
    from appartenances as app
    inner join communes as com on app.code_commune = com.code_commune
    group by app.niveau, app.code_territoire
),

effets as (
    -- one row per candidate j x commune i within 20 km of j: i's APL rises by w(d_ij) 5,400 / D_j
    select
        can.millesime,
        can.code_commune as code_candidat,
        can.demande_ponderee,
        ben.code_commune,
        ben.demande,
        ben.population_municipale,
        ben.apl,
        par.poids * 5400 / can.demande_ponderee as hausse
    from communes as can
    inner join intermediate.int_sante__apl_paires as par on can.code_commune = par.code_commune
    inner join communes as ben on par.code_commune_voisine = ben.code_commune
    where can.demande_ponderee > 0
),

candidats as (
    -- the effects summed over the communes of the candidate's own territory, at every level
    select
        tcan.niveau,
        tcan.code_territoire,
        eff.millesime,
        eff.code_candidat,
        max(eff.demande_ponderee) as demande_ponderee,
        sum(eff.demande * (greatest(0, 2.5 - eff.apl) - greatest(0, 2.5 - (eff.apl + eff.hausse))))
            as reduction_deficit,
        sum(eff.demande * eff.hausse) as hausse_x_demande,
        sum(eff.hausse) as somme_hausses,
        coalesce(
            sum(eff.population_municipale)
                filter (where eff.apl < 2.5 and eff.apl + eff.hausse >= 2.5),
            0
        ) as population_sortie
    from effets as eff
    inner join appartenances as tcan on eff.code_candidat = tcan.code_commune
    inner join appartenances as tben
        on tcan.niveau = tben.niveau
        and tcan.code_territoire = tben.code_territoire
        and eff.code_commune = tben.code_commune
    group by tcan.niveau, tcan.code_territoire, eff.millesime, eff.code_candidat
),

evalues as (
    -- the territory's mean APL as the accessibility mart computes it (weighted by standardised
    -- population, the plain mean when the territory has none), before and after
    select
        can.*,
        ter.population,
        ter.population_sous_dense,
        coalesce(ter.apl_x_demande / nullif(ter.demande, 0), ter.somme_apl / ter.nb_communes)
            as apl_avant,
        coalesce(
            (ter.apl_x_demande + can.hausse_x_demande) / nullif(ter.demande, 0),
            (ter.somme_apl + can.somme_hausses) / ter.nb_communes
        ) as apl_apres,
        coalesce(
            can.hausse_x_demande / nullif(ter.demande, 0), can.somme_hausses / ter.nb_communes
        ) as gain_apl
    from candidats as can
    inner join territoires as ter
        on can.niveau = ter.niveau and can.code_territoire = ter.code_territoire
),

classes as (
    select
        eva.*,
        row_number() over (
            partition by eva.niveau, eva.code_territoire
            order by round(eva.reduction_deficit, 3) desc, round(eva.gain_apl, 6) desc,
                eva.code_candidat
        ) as rang
    from evalues as eva
)

select
    cla.niveau,
    cla.code_territoire,
    cla.millesime,
    cla.rang,
    cla.code_candidat as code_commune,
    round(cla.reduction_deficit, 3) as reduction_deficit,
    cast(cla.population_sortie as bigint) as population_sortie_sous_densite,
    round(cla.apl_avant, 4) as apl_mg_avant,
    round(cla.apl_apres, 4) as apl_mg_apres,
    round(cla.gain_apl, 6) as gain_apl_mg,
    round(cla.population_sous_dense / nullif(cla.population, 0), 6)
        as part_population_sous_dense_avant,
    round((cla.population_sous_dense - cla.population_sortie) / nullif(cla.population, 0), 6)
        as part_population_sous_dense_apres,
    round(cla.demande_ponderee, 3) as demande_ponderee
from classes as cla
where cla.rang <= 3
