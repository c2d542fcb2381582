-- Where to open one more facility of the services the territory lacks most ("Où agir ?"): the
-- services whose best single new site (marts.implantations__services, nombre_implantations 1)
-- would bring the largest share of their public (population_demande: the service's target
-- population) within 10 km, then the largest cut of the mean distance, then by label; only
-- services with a positive gain, the implantations_services first. For each of them every row of
-- the mart (the best set of 1, 2 and 3 new facilities, each facility with its marginal gain),
-- the candidate commune named. Reads the variable profil_refs: for every territory asked (`cle`),
-- the territory (rang 0) and its references, a list of struct(cle, rang, role, niveau,
-- code_territoire); one run answers for all of them (only rang 0 is read). The mart covers the
-- levels departement, epci, bv2022 and custom: another level has no row.
-- grain: one row per cle x code_regroupement x nombre_implantations x rang
-- columns:
--   cle: the territory asked (its rank in the batch)
--   ordre: rank of the service in the territory's list (1: the service it lacks most)
--   code_regroupement: service
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire or sante
--   millesime: BPE edition of the mart (the latest)
--   nombre_implantations: size of the set of new facilities (1, 2 or 3)
--   rang: order of the facility in its set (1 gains most)
--   code_commune: the candidate commune
--   libelle_commune: its name
--   population_demande: the territory's public of the service
--   distance_moyenne_avant_km: mean km to the nearest facility before this facility
--   distance_moyenne_apres_km: the same once it opens
--   gain_distance_km: the difference (marginal gain)
--   population_nouvelle_10_km: public newly within 10 km thanks to this facility
--   population_nouvelle_20_km: public newly within 20 km thanks to this facility
--   methode: how the set was found (enumeration, glouton_prouve, milp_highs, glouton)
--   ecart_glouton_max: the most the greedy set can lose against the optimum (0: proven optimal)
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

territoires as (
    select
        ref.cle,
        ref.niveau,
        ref.code_territoire
    from profil_refs as ref
    where ref.rang = 0
),

choisis as (
    select
        ter.cle,
        imp.code_regroupement,
        row_number() over (
            partition by ter.cle
            order by
                imp.population_nouvelle_10_km / nullif(imp.population_demande, 0) desc nulls last,
                imp.gain_distance_km desc,
                imp.libelle_regroupement,
                imp.code_regroupement
        ) as ordre
    from territoires as ter
    inner join marts.implantations__services as imp
        on ter.niveau = imp.niveau and ter.code_territoire = imp.code_territoire
    where imp.nombre_implantations = 1 and imp.gain_distance_km > 0
    qualify ordre <= getvariable('implantations_services')
)

select
    cho.cle,
    cho.ordre,
    imp.code_regroupement,
    imp.libelle_regroupement,
    imp.gamme,
    imp.millesime,
    imp.nombre_implantations,
    imp.rang,
    imp.code_commune,
    com.libelle as libelle_commune,
    imp.population_demande,
    imp.distance_moyenne_avant_km,
    imp.distance_moyenne_apres_km,
    imp.gain_distance_km,
    imp.population_nouvelle_10_km,
    imp.population_nouvelle_20_km,
    imp.methode,
    imp.ecart_glouton_max
from choisis as cho
inner join territoires as ter on cho.cle = ter.cle
inner join marts.implantations__services as imp
    on ter.niveau = imp.niveau
    and ter.code_territoire = imp.code_territoire
    and cho.code_regroupement = imp.code_regroupement
left join marts.territoires as com
    on com.niveau = 'commune' and imp.code_commune = com.code_territoire
order by cho.cle, cho.ordre, imp.nombre_implantations, imp.rang
