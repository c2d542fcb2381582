-- Age structure of practitioners per territory, profession, year and source (ameli: libéraux;
-- DREES: all physicians), with the indicators of ageing: shares aged 55+, 60+, 65+ (over
-- practitioners of known age), the ratio of those under 40 to those 60 and over, and the expected
-- departures within five years under a stated assumption: practitioners stop at 67, ages are
-- spread evenly within a band, so within five years leave all those aged 65 and over and three
-- fifths of the 60-64 band (those already 62). Départements come from the sources; régions and
-- France are sums of their départements (target COG). EPCI, bassins de vie and custom levels are
-- ESTIMATES (estimation = true): each commune's practitioners (Annuaire santé, latest extraction;
-- libéral and mixed modes for ameli, all modes for DREES) are given their département's age
-- structure of that year, then summed.
-- grain: one row per niveau x code_territoire x profession x annee x source
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: effectif, min_value: 0}
--   expect: column_values_to_be_between {column: part_55_ans_et_plus, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_60_ans_et_plus, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_65_ans_et_plus, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: departs_5_ans_estimes, min_value: 0}
--   expect: column_values_to_be_in_set {column: source, value_set: [ameli, drees]}
-- columns:
--   niveau: departement, region, france, epci, bv2022, or a custom level name
--   code_territoire: code of the territory in its level
--   profession: profession group
--   annee: year of the headcount
--   source: ameli (libéraux, 31 December) or drees (all active physicians, 1 January)
--   effectif: practitioners (all ages; estimated for epci, bv2022 and custom levels)
--   effectif_age_inconnu: practitioners of unknown age
--   effectif_moins_40_ans: aged under 40
--   effectif_40_54_ans: aged 40 to 54
--   effectif_55_59_ans: aged 55 to 59
--   effectif_60_64_ans: aged 60 to 64
--   effectif_65_ans_et_plus: aged 65 and over
--   part_55_ans_et_plus: share aged 55 and over among those of known age (0 to 1)
--   part_60_ans_et_plus: share aged 60 and over among those of known age (0 to 1)
--   part_65_ans_et_plus: share aged 65 and over among those of known age (0 to 1)
--   ratio_moins_40_sur_60_et_plus: practitioners under 40 per practitioner aged 60 and over
--   departs_5_ans_estimes: expected departures within five years (all aged 65+ and 3/5 of the 60-64)
--   densite_pour_100000_source: density per 100,000 inhabitants as the source publishes it (ameli, départements)
--   estimation: the figures are estimated from the département's age structure
with bandes as (
    select
        age.source, age.annee, age.code_departement, age.profession,
        sum(age.effectif) filter (where age.type_classe = 'total') as effectif,
        sum(age.effectif) filter (where age.type_classe = 'inconnu') as inconnu,
        sum(age.effectif) filter (where age.type_classe = 'tranche' and age.age_min < 40) as moins_40,
        sum(age.effectif) filter (where age.type_classe = 'tranche' and age.age_min between 40 and 54)
            as de_40_54,
        sum(age.effectif) filter (where age.type_classe = 'tranche' and age.age_min between 55 and 59)
            as de_55_59,
        sum(age.effectif) filter (where age.type_classe = 'tranche' and age.age_min between 60 and 64)
            as de_60_64,
        sum(age.effectif) filter (where age.type_classe = 'tranche' and age.age_min >= 65) as plus_65,
        max(age.densite_pour_100000) filter (where age.type_classe = 'total') as densite_publiee
    from intermediate.int_sante__ages as age
    group by age.source, age.annee, age.code_departement, age.profession
),

departements as (
    select distinct cib.code_departement, cib.code_region
    from intermediate.int_cog__communes_cible as cib
),

observes as (
    select 'departement' as niveau, ban.code_departement as code_territoire, ban.* exclude (code_departement)
    from bandes as ban
    union all
    select 'region', dep.code_region, ban.source, ban.annee, ban.profession,
        sum(ban.effectif), sum(ban.inconnu), sum(ban.moins_40), sum(ban.de_40_54),
        sum(ban.de_55_59), sum(ban.de_60_64), sum(ban.plus_65), null::double
    from bandes as ban
    inner join departements as dep on ban.code_departement = dep.code_departement
    group by dep.code_region, ban.source, ban.annee, ban.profession
    union all
    select 'france', 'FR', ban.source, ban.annee, ban.profession,
        sum(ban.effectif), sum(ban.inconnu), sum(ban.moins_40), sum(ban.de_40_54),
        sum(ban.de_55_59), sum(ban.de_60_64), sum(ban.plus_65), null::double
    from bandes as ban
    group by ban.source, ban.annee, ban.profession
),

locaux as (
    -- practitioners per commune, latest extraction, as each source counts them
    select pra.code_commune, pra.profession, src.source, sum(pra.poids) as effectif
    from intermediate.int_sante__praticiens_communes as pra
    cross join (values ('ameli'), ('drees')) as src (source)
    where pra.millesime = (select max(p.millesime) from intermediate.int_sante__praticiens_communes as p)
        and (src.source = 'drees' or pra.mode in ('liberal', 'mixte'))
    group by pra.code_commune, pra.profession, src.source
),

estimes as (
    select
        tc.niveau,
        tc.code_territoire,
        ban.source,
        ban.annee,
        ban.profession,
        sum(loc.effectif) as effectif,
        sum(loc.effectif * ban.inconnu / nullif(ban.effectif, 0)) as inconnu,
        sum(loc.effectif * ban.moins_40 / nullif(ban.effectif, 0)) as moins_40,
        sum(loc.effectif * ban.de_40_54 / nullif(ban.effectif, 0)) as de_40_54,
        sum(loc.effectif * ban.de_55_59 / nullif(ban.effectif, 0)) as de_55_59,
        sum(loc.effectif * ban.de_60_64 / nullif(ban.effectif, 0)) as de_60_64,
        sum(loc.effectif * ban.plus_65 / nullif(ban.effectif, 0)) as plus_65,
        null::double as densite_publiee
    from marts.territoires__communes as tc
    inner join intermediate.int_cog__communes_cible as cib on tc.code_commune = cib.code_commune
    inner join locaux as loc on tc.code_commune = loc.code_commune
    inner join bandes as ban
        on cib.code_departement = ban.code_departement
        and loc.profession = ban.profession
        and loc.source = ban.source
    where tc.niveau not in ('commune', 'departement', 'region', 'france')
    group by tc.niveau, tc.code_territoire, ban.source, ban.annee, ban.profession
),

tous as (
    select obs.*, false as estimation from observes as obs
    union all
    select est.*, true from estimes as est
)

select
    tou.niveau,
    tou.code_territoire,
    tou.profession,
    tou.annee,
    tou.source,
    round(tou.effectif, 2) as effectif,
    round(coalesce(tou.inconnu, 0), 2) as effectif_age_inconnu,
    round(tou.moins_40, 2) as effectif_moins_40_ans,
    round(tou.de_40_54, 2) as effectif_40_54_ans,
    round(tou.de_55_59, 2) as effectif_55_59_ans,
    round(tou.de_60_64, 2) as effectif_60_64_ans,
    round(tou.plus_65, 2) as effectif_65_ans_et_plus,
    round((tou.de_55_59 + tou.de_60_64 + tou.plus_65)
        / nullif(tou.effectif - coalesce(tou.inconnu, 0), 0), 6) as part_55_ans_et_plus,
    round((tou.de_60_64 + tou.plus_65) / nullif(tou.effectif - coalesce(tou.inconnu, 0), 0), 6)
        as part_60_ans_et_plus,
    round(tou.plus_65 / nullif(tou.effectif - coalesce(tou.inconnu, 0), 0), 6)
        as part_65_ans_et_plus,
    round(tou.moins_40 / nullif(tou.de_60_64 + tou.plus_65, 0), 4)
        as ratio_moins_40_sur_60_et_plus,
    round(tou.plus_65 + 0.6 * tou.de_60_64, 2) as departs_5_ans_estimes,
    tou.densite_publiee as densite_pour_100000_source,
    tou.estimation
from tous as tou
where tou.effectif is not null
