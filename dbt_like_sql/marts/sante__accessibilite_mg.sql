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
-- Pairs of communes come from a grid of 0.3 degree cells (neighbouring cells only), never a
-- cross join of all communes.
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
with offre as (
    select pra.millesime, pra.code_commune, sum(pra.poids) as offre
    from intermediate.int_sante__praticiens_communes as pra
    where pra.profession = 'medecin_generaliste'
        and (pra.mode in ('liberal', 'mixte') or pra.centre_de_sante)
    group by pra.millesime, pra.code_commune
),

parts_65 as (
    select vie.code_territoire as code_departement,
        arg_max(
            vie.part_65_ans_et_plus,
            case vie.source when 'ameli' then 10000 else 0 end + vie.annee
        )
            as part_65
    from marts.sante__vieillissement as vie
    where vie.niveau = 'departement' and vie.profession = 'medecin_generaliste'
        and vie.part_65_ans_et_plus is not null
    group by vie.code_territoire
),

communes as (
    select
        ext.millesime,
        pts.code_commune,
        pts.latitude,
        pts.longitude,
        coalesce(off.offre, 0) as offre,
        coalesce(off.offre, 0) * (1 - coalesce(p65.part_65, 0)) as offre_hors_65,
        coalesce(vig.population_standardisee, 0) as demande,
        coalesce(vig.population_municipale, 0) as population_municipale
    from (select distinct p.millesime from intermediate.int_sante__praticiens_communes as p) as ext
    cross join intermediate.int_cog__points_communes as pts
    inner join intermediate.int_cog__communes_cible as cib on pts.code_commune = cib.code_commune
    left join offre as off on ext.millesime = off.millesime and pts.code_commune = off.code_commune
    left join parts_65 as p65 on cib.code_departement = p65.code_departement
    left join intermediate.int_population__en_vigueur as vig
        on ext.millesime = vig.annee and pts.code_commune = vig.code_commune
    where pts.latitude is not null
),

voisinage as (
    select * from (values (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
        as v (d_lat, d_lon)
),

paires as (
    -- 0.3 degree cells: the 3 x 3 block covers at least 20.8 km in every direction up to 51.3 N
    select dem.millesime, dem.code_commune as commune_demande, off.code_commune as commune_offre,
        distance_km(dem.latitude, dem.longitude, off.latitude, off.longitude) as distance_km
    from communes as dem
    cross join voisinage as voi
    inner join communes as off
        on dem.millesime = off.millesime
        and floor(off.latitude / 0.3) = floor(dem.latitude / 0.3) + voi.d_lat
        and floor(off.longitude / 0.3) = floor(dem.longitude / 0.3) + voi.d_lon
),

ponderees as (
    select par.*,
        case
            when par.distance_km <= 10 then 1.0
            when par.distance_km <= 15 then 2.0 / 3
            when par.distance_km <= 20 then 1.0 / 3
            else 0.0
        end as poids
    from paires as par
),

ratios as (
    select pon.millesime, pon.commune_offre,
        5400 * max(off.offre) / nullif(sum(pon.poids * dem.demande), 0) as ratio,
        5400 * max(off.offre_hors_65) / nullif(sum(pon.poids * dem.demande), 0) as ratio_hors_65
    from ponderees as pon
    inner join communes as off
        on pon.millesime = off.millesime and pon.commune_offre = off.code_commune
    inner join communes as dem
        on pon.millesime = dem.millesime and pon.commune_demande = dem.code_commune
    where off.offre > 0 and pon.poids > 0
    group by pon.millesime, pon.commune_offre
),

apl as (
    select com.millesime, com.code_commune, max(com.offre) as offre,
        max(com.demande) as demande, max(com.population_municipale) as population_municipale,
        coalesce(sum(pon.poids * rat.ratio), 0) as apl,
        coalesce(sum(pon.poids * rat.ratio_hors_65), 0) as apl_hors_65
    from communes as com
    left join ponderees as pon
        on com.millesime = pon.millesime and com.code_commune = pon.commune_demande
    left join ratios as rat
        on pon.millesime = rat.millesime and pon.commune_offre = rat.commune_offre
    group by com.millesime, com.code_commune
)

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
inner join apl on tc.code_commune = apl.code_commune
group by tc.niveau, tc.code_territoire, apl.millesime
