-- Which communes make up each territory, at every level: the commune itself, its EPCI (DGCL
-- composition of the target COG year), its bassin de vie 2022 (INSEE table d'appartenance of
-- that year), département, région, France, and every custom level. A level whose source is not
-- ingested is simply absent.
-- grain: one row per niveau x code_territoire x code_commune
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_match_regex {column: code_commune, regex: '^(\d{5}|2[AB]\d{3})$'}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level (FR for France)
--   code_commune: member commune of the target COG
with parametres as (
    select cast(prm.valeur as integer) as millesime_cog
    from meta.parametres as prm
    where prm.nom = 'cog_millesime'
),

cible as (
    select cib.code_commune, cib.code_departement, cib.code_region
    from intermediate.int_cog__communes_cible as cib
),

epci as (
    select epc.code_commune, epc.code_epci
    from staging.stg_dgcl__epci_composition as epc
    inner join parametres as prm on epc.millesime = prm.millesime_cog
),

bassins as (
    select app.code_commune, app.code_bv2022
    from staging.stg_insee__appartenance_geo as app
    inner join parametres as prm on app.millesime = prm.millesime_cog
)

select 'commune' as niveau, cib.code_commune as code_territoire, cib.code_commune
from cible as cib
union all
select 'epci', epc.code_epci, cib.code_commune
from cible as cib
inner join epci as epc on cib.code_commune = epc.code_commune
union all
select 'bv2022', bas.code_bv2022, cib.code_commune
from cible as cib
inner join bassins as bas on cib.code_commune = bas.code_commune
union all
select 'departement', cib.code_departement, cib.code_commune
from cible as cib
union all
select 'region', cib.code_region, cib.code_commune
from cible as cib
union all
select 'france', 'FR', cib.code_commune
from cible as cib
union all
select per.niveau, per.code_territoire, per.code_commune
from staging.stg_utilisateur__territoires_personnalises as per
