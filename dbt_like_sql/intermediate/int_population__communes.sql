-- Population of every commune of the target COG per millésime of the populations de référence,
-- with the census age structure of the nearest census year (the same year when available, else
-- the closest earlier one, else the closest later one) and the age-standardised population.
-- Standardised population = PMUN x (sum over bands of the band's share x its weight) / (the
-- same weighted mean over every commune with an age structure that millésime), so it sums to
-- the population municipale over those communes; a commune without an age structure counts at
-- the mean (factor 1). Exact decimals throughout, so a rebuild gives the same figures.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: millésime of the populations de référence
--   code_commune: commune of the target COG
--   population_municipale: PMUN summed over the source rows placed on the commune
--   population_comptee_a_part: PCAP
--   population_totale: PTOT
--   millesime_recensement_ages: census year of the age structure (NULL when none)
--   population_recensement: census population of that year (age-structure base)
--   population_75_ans_et_plus: census population aged 75 and over
--   facteur_recours: weighted age factor of the commune (1 when no age structure)
--   population_standardisee: age-standardised population
--   lignes_source: source rows summed (more than one after a merger or for arrondissements)
--   scission_posterieure: part of the rows predate a scission of the commune (see int_cog__scissions)
with populations as (
    select
        plc.millesime,
        plc.code_commune,
        cast(sum(plc.population_municipale) as bigint) as population_municipale,
        cast(sum(plc.population_comptee_a_part) as bigint) as population_comptee_a_part,
        cast(sum(plc.population_totale) as bigint) as population_totale,
        count(*) as lignes_source,
        bool_or(plc.scission_posterieure) as scission_posterieure
    from intermediate.int_population__placement as plc
    where plc.code_commune is not null
    group by plc.millesime, plc.code_commune
),

ages as (
    select
        plc.millesime as millesime_recensement,
        plc.code_commune,
        sum(plc.population) as population,
        sum(plc.population_0_14) as population_0_14,
        sum(plc.population_15_29) as population_15_29,
        sum(plc.population_30_44) as population_30_44,
        sum(plc.population_45_59) as population_45_59,
        sum(plc.population_60_74) as population_60_74,
        sum(plc.population_75_plus) as population_75_plus
    from intermediate.int_population_ages__placement as plc
    where plc.code_commune is not null
    group by plc.millesime, plc.code_commune
),

poids as (
    select
        max(pds.poids_recours) filter (where pds.tranche_age = '0-14') as w_0_14,
        max(pds.poids_recours) filter (where pds.tranche_age = '15-29') as w_15_29,
        max(pds.poids_recours) filter (where pds.tranche_age = '30-44') as w_30_44,
        max(pds.poids_recours) filter (where pds.tranche_age = '45-59') as w_45_59,
        max(pds.poids_recours) filter (where pds.tranche_age = '60-74') as w_60_74,
        max(pds.poids_recours) filter (where pds.tranche_age = '75+') as w_75_plus
    from intermediate.int_population__poids_age as pds
),

annees_recensement as (
    select distinct pop.millesime, age.millesime_recensement
    from populations as pop
    cross join (select distinct ags.millesime_recensement from ages as ags) as age
),

recensement_choisi as (
    select
        ann.millesime,
        arg_min(
            ann.millesime_recensement,
            abs(ann.millesime - ann.millesime_recensement) * 2
            + case when ann.millesime_recensement > ann.millesime then 1 else 0 end
        ) as millesime_recensement
    from annees_recensement as ann
    group by ann.millesime
),

facteurs as (
    select
        pop.millesime,
        pop.code_commune,
        pop.population_municipale,
        pop.population_comptee_a_part,
        pop.population_totale,
        pop.lignes_source,
        pop.scission_posterieure,
        age.millesime_recensement,
        age.population as population_recensement,
        age.population_75_plus,
        cast((
            age.population_0_14 * prm.w_0_14
            + age.population_15_29 * prm.w_15_29
            + age.population_30_44 * prm.w_30_44
            + age.population_45_59 * prm.w_45_59
            + age.population_60_74 * prm.w_60_74
            + age.population_75_plus * prm.w_75_plus
        ) / nullif(age.population, 0) as decimal(18, 9)) as facteur_brut
    from populations as pop
    cross join poids as prm
    left join recensement_choisi as rec on pop.millesime = rec.millesime
    left join ages as age
        on rec.millesime_recensement = age.millesime_recensement
        and pop.code_commune = age.code_commune
),

moyennes as (
    select
        fac.millesime,
        sum(fac.population_municipale * fac.facteur_brut)
        / nullif(sum(fac.population_municipale) filter (where fac.facteur_brut is not null), 0)
            as facteur_moyen
    from facteurs as fac
    group by fac.millesime
)

select
    fac.millesime,
    fac.code_commune,
    fac.population_municipale,
    fac.population_comptee_a_part,
    fac.population_totale,
    fac.millesime_recensement as millesime_recensement_ages,
    fac.population_recensement,
    fac.population_75_plus as population_75_ans_et_plus,
    cast(coalesce(fac.facteur_brut / moy.facteur_moyen, 1) as decimal(18, 9)) as facteur_recours,
    cast(
        fac.population_municipale * coalesce(fac.facteur_brut / moy.facteur_moyen, 1)
        as decimal(18, 3)
    ) as population_standardisee,
    fac.lignes_source,
    fac.scission_posterieure
from facteurs as fac
inner join moyennes as moy on fac.millesime = moy.millesime
