-- Every territory of every level, named, with its parent codes where they apply, in the target
-- COG. The reference list dashboards join on: (niveau, code_territoire).
-- grain: one row per niveau x code_territoire
-- validation suite (Great Expectations; see README, Validation):
--   expect: column_values_to_match_regex {name: code_commune_format, column: code_territoire, regex: '^(\d{5}|2[AB]\d{3})$', where: {niveau: commune}}
--   expect: column_values_to_match_regex {name: code_departement_format, column: code_territoire, regex: '^(\d{2}|2[AB]|97\d)$', where: {niveau: departement}}
--   expect: column_values_to_match_regex {name: code_region_format, column: code_territoire, regex: '^\d{2}$', where: {niveau: region}}
--   expect: column_values_to_match_regex {name: code_epci_format, column: code_territoire, regex: '^\d{9}$', where: {niveau: epci}}
--   expect: column_values_to_be_between {column: nb_communes, min_value: 1, severity: warn}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   libelle: name (for a bassin de vie, the name of its pôle commune; NULL when the file naming that level is not ingested)
--   code_departement: département of the commune, of the EPCI's seat, of the bassin de vie's pôle, or the département itself (NULL above)
--   code_region: région of the territory (NULL for France and custom levels)
--   code_epci: EPCI of the commune (communes only)
--   code_bv2022: bassin de vie of the commune (communes only)
--   nb_communes: communes of the target COG in the territory
with parametres as (
    select cast(prm.valeur as integer) as millesime_cog
    from meta.parametres as prm
    where prm.nom = 'cog_millesime'
),

membres as (
    select tc.niveau, tc.code_territoire, count(*) as nb_communes
    from marts.territoires__communes as tc
    group by tc.niveau, tc.code_territoire
),

communes as (
    select
        cib.code_commune,
        cib.libelle,
        cib.code_departement,
        cib.code_region,
        max(tc.code_territoire) filter (where tc.niveau = 'epci') as code_epci,
        max(tc.code_territoire) filter (where tc.niveau = 'bv2022') as code_bv2022
    from intermediate.int_cog__communes_cible as cib
    left join marts.territoires__communes as tc on cib.code_commune = tc.code_commune
    group by cib.code_commune, cib.libelle, cib.code_departement, cib.code_region
),

epci as (
    select distinct epc.code_epci, epc.libelle_epci, epc.code_departement_siege
    from staging.stg_dgcl__epci_composition as epc
    inner join parametres as prm on epc.millesime = prm.millesime_cog
),

departements as (
    select dep.code_departement, dep.libelle
    from staging.stg_insee__cog_departements as dep
    inner join parametres as prm on dep.millesime = prm.millesime_cog
),

regions as (
    select reg.code_region, reg.libelle
    from staging.stg_insee__cog_regions as reg
    inner join parametres as prm on reg.millesime = prm.millesime_cog
),

territoires as (
    select
        'commune' as niveau,
        com.code_commune as code_territoire,
        com.libelle,
        com.code_departement,
        com.code_region,
        com.code_epci,
        com.code_bv2022
    from communes as com
    union all
    select distinct
        'epci', epc.code_epci, epc.libelle_epci, epc.code_departement_siege, siege.code_region,
        null, null
    from epci as epc
    left join (
        select distinct com.code_departement, com.code_region from communes as com
    ) as siege on epc.code_departement_siege = siege.code_departement
    union all
    select distinct
        'bv2022', com.code_bv2022, pole.libelle, pole.code_departement, pole.code_region,
        null, null
    from communes as com
    left join communes as pole on com.code_bv2022 = pole.code_commune
    where com.code_bv2022 is not null
    union all
    select distinct 'departement', com.code_departement, dep.libelle, com.code_departement,
        com.code_region, null, null
    from communes as com
    left join departements as dep on com.code_departement = dep.code_departement
    union all
    select distinct 'region', com.code_region, reg.libelle, null, com.code_region, null, null
    from communes as com
    left join regions as reg on com.code_region = reg.code_region
    union all
    select 'france', 'FR', 'France', null, null, null, null
    union all
    select distinct per.niveau, per.code_territoire, per.libelle, null, null, null, null
    from staging.stg_utilisateur__territoires_personnalises as per
)

select
    ter.niveau,
    ter.code_territoire,
    ter.libelle,
    ter.code_departement,
    ter.code_region,
    ter.code_epci,
    ter.code_bv2022,
    coalesce(mem.nb_communes, 0) as nb_communes
from territoires as ter
left join membres as mem
    on ter.niveau = mem.niveau and ter.code_territoire = mem.code_territoire
