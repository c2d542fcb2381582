-- Accessibility to general practitioners of every commune, in the spirit of the DREES APL: a
-- two-step floating catchment with distance decay, in consultations per year per
-- age-standardised inhabitant (marts.sante__accessibilite_mg aggregates it to the territories;
-- marts.implantations__medecins re-evaluates it with one more GP).
--   Supply S_j: GPs of commune j (Annuaire santé, libéral or mixed, or salaried in a centre de
--   santé; people split 1/n over their communes), one headcount counted as one full-time
--   equivalent giving 5,400 consultations a year (no activity data is open; the DREES converts
--   fees into FTE).
--   Demand P_i: age-standardised population of commune i (weights by age of GP consumption).
--   Decay w(d_ij) and pairs within 20 km: intermediate.int_sante__apl_paires.
--   Step 1: R_j = 5,400 S_j / D_j with D_j = sum_i w(d_ij) P_i. Step 2: APL_i = sum_j w(d_ij) R_j.
--   Variant excluding GPs aged 65 and over: S_j times (1 - share of GPs aged 65+ in j's
--   département, ameli libéraux of the latest year, else DREES).
-- D_j is kept for every commune, with or without GPs: it is the denominator one more GP in j
-- would divide its 5,400 consultations by.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: year of the Annuaire santé extraction
--   code_commune: commune of the target COG (with a reference point)
--   offre: GPs of the commune counted in the supply S_j (full-time equivalents = headcount)
--   offre_hors_65: the same times (1 - the département's share of GPs aged 65 and over)
--   demande: age-standardised population P_i (population in force in the extraction year)
--   population_municipale: population municipale in force in the extraction year
--   demande_ponderee: D_j = sum of w(d_ij) P_i over the communes i within 20 km (step-1 denominator of the commune as a supply site)
--   apl: APL_i, consultations accessible per year per standardised inhabitant
--   apl_hors_65: the same with the supply offre_hors_65
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

ratios as (
    -- step 1, for every commune j as a supply site: D_j, then R_j where j has GPs
    select sit.millesime, sit.code_commune,
        sum(par.poids * dem.demande) as demande_ponderee,
        case when max(sit.offre) > 0
            then 5400 * max(sit.offre) / nullif(sum(par.poids * dem.demande), 0) end as ratio,
        case when max(sit.offre) > 0
            then 5400 * max(sit.offre_hors_65) / nullif(sum(par.poids * dem.demande), 0) end
            as ratio_hors_65
    from communes as sit
    inner join intermediate.int_sante__apl_paires as par on sit.code_commune = par.code_commune
    inner join communes as dem
        on sit.millesime = dem.millesime and par.code_commune_voisine = dem.code_commune
    group by sit.millesime, sit.code_commune
),

apl as (
    -- step 2: APL_i = sum over the supply sites j within 20 km of w(d_ij) R_j
    select rat.millesime, par.code_commune_voisine as code_commune,
        sum(par.poids * rat.ratio) as apl,
        sum(par.poids * rat.ratio_hors_65) as apl_hors_65
    from ratios as rat
    inner join intermediate.int_sante__apl_paires as par on rat.code_commune = par.code_commune
    where rat.ratio is not null
    group by rat.millesime, par.code_commune_voisine
)

select
    com.millesime,
    com.code_commune,
    com.offre,
    com.offre_hors_65,
    com.demande,
    com.population_municipale,
    coalesce(rat.demande_ponderee, 0) as demande_ponderee,
    coalesce(apl.apl, 0) as apl,
    coalesce(apl.apl_hors_65, 0) as apl_hors_65
from communes as com
left join ratios as rat on com.millesime = rat.millesime and com.code_commune = rat.code_commune
left join apl on com.millesime = apl.millesime and com.code_commune = apl.code_commune
