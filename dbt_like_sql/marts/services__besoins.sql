-- Services measured against the people who use them: per territory, BPE edition and service,
-- the facilities and places (CAPACITE: places in crèches, nursing homes...) per 1,000 people of
-- the service's target population (children of school age, the very old..., see
-- int_bpe__services_cibles), the "taux d'équipement"; and how far that population lives from
-- the nearest facility: the mean straight-line distance weighted by the target population and
-- the share of it beyond 10 and 20 km (commune distances of int_bpe__distances).
-- Census and BPE editions: each BPE edition (facilities on 1 January N) is compared with the
-- target populations of the latest census millésime at or before N (the earliest one when all
-- are later), named in millesime_recensement; without any census ingested, the facilities and
-- places are still counted (territories holding the service only), target populations and
-- ratios are NULL. Services (int_bpe__services_besoins): every service with distances (gammes
-- de proximité and intermédiaire, health types) and every other one with a target population
-- narrower than all ages (lycées; a type with such a population that no regroupement counts is
-- a service of its own, without distances), in every territory: a territory without the
-- service has a row with 0 facilities. Places are summed over the facilities whose capacity the BPE gives;
-- places_pour_1000 is NULL for a service none of whose facilities has one that edition.
-- grain: one row per niveau x code_territoire x millesime x code_regroupement
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: equipements_pour_1000, min_value: 0}
--   expect: column_values_to_be_between {column: places_pour_1000, min_value: 0}
--   expect: column_values_to_be_between {column: distance_km, min_value: 0, max_value: 1000}
--   expect: column_values_to_be_between {column: part_cible_plus_10_km, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_cible_plus_20_km, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_equipements_avec_capacite, min_value: 0, max_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: BPE edition
--   code_regroupement: service
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire, superieure, hors_gamme, or sante for health types outside the gammes
--   population_cible: age group of the target population (0-2, 3-5, 6-10, 3-10, 11-17, 0-17, 80+, tous..., see int_bpe__services_cibles)
--   millesime_recensement: census millésime of the target population (latest at or before the BPE edition)
--   population: target population of the territory (census weighted estimate)
--   nb_equipements: facilities of the service in the territory
--   equipements_pour_1000: facilities per 1,000 people of the target population
--   places: places (sum of CAPACITE) of the facilities with a capacity
--   places_pour_1000: places per 1,000 people of the target population, the taux d'équipement (NULL when the service has no capacity in the edition)
--   part_equipements_avec_capacite: share of the territory's facilities whose capacity is given (NULL without facility)
--   distance_km: straight-line km to the nearest facility, mean over the territory's communes weighted by their target population (a commune: its distance; NULL for services without distances)
--   part_cible_plus_10_km: share of the target population farther than 10 km (0 to 1; NULL without distances or without target population)
--   part_cible_plus_20_km: share of the target population farther than 20 km (0 to 1)
with recensements as (
    select distinct pcb.millesime from marts.population__cibles as pcb
),

appariement as (
    -- each BPE edition with its census millésime
    select
        edi.millesime,
        coalesce(max(rec.millesime) filter (where rec.millesime <= edi.millesime),
            min(rec.millesime)) as millesime_recensement
    from (select distinct reg.millesime from intermediate.int_bpe__services_besoins as reg) as edi
    left join recensements as rec on true
    group by edi.millesime
),

capacites_editions as (
    -- services some facility of which has a capacity, per edition
    select distinct equ.millesime, reg.code_regroupement
    from intermediate.int_bpe__equipements as equ
    inner join intermediate.int_bpe__services_besoins as reg
        on equ.millesime = reg.millesime and equ.code_serie = reg.code_serie
    where equ.capacite is not null
),

services as (
    select
        reg.millesime,
        reg.code_regroupement,
        max(reg.libelle_regroupement) as libelle_regroupement,
        max(reg.gamme) as gamme,
        cap.code_regroupement is not null as avec_capacite
    from intermediate.int_bpe__services_besoins as reg
    left join capacites_editions as cap
        on reg.millesime = cap.millesime and reg.code_regroupement = cap.code_regroupement
    group by reg.millesime, reg.code_regroupement, cap.code_regroupement
),

retenus as (
    select srv.*, cib.population_cible, app.millesime_recensement
    from services as srv
    inner join intermediate.int_bpe__services_cibles as cib
        on srv.millesime = cib.millesime and srv.code_regroupement = cib.code_regroupement
    inner join appariement as app on srv.millesime = app.millesime
    where srv.gamme in ('proximite', 'intermediaire', 'sante') or cib.population_cible <> 'tous'
),

population_communes as (
    -- target population of each commune for each service
    select
        ret.millesime,
        ret.code_regroupement,
        pcb.code_territoire as code_commune,
        pcb.population::double as population
    from retenus as ret
    inner join marts.population__cibles as pcb
        on pcb.niveau = 'commune'
        and ret.millesime_recensement = pcb.millesime
        and ret.population_cible = pcb.population_cible
),

offre_communes as (
    select
        equ.millesime,
        reg.code_regroupement,
        equ.code_commune,
        sum(equ.nb_equipements) as nb_equipements,
        coalesce(sum(equ.capacite), 0) as places,
        coalesce(sum(equ.nb_equipements) filter (where equ.capacite is not null), 0)
            as nb_equipements_avec_capacite
    from intermediate.int_bpe__equipements as equ
    inner join intermediate.int_bpe__services_besoins as reg
        on equ.millesime = reg.millesime and equ.code_serie = reg.code_serie
    inner join retenus as ret
        on reg.millesime = ret.millesime and reg.code_regroupement = ret.code_regroupement
    group by equ.millesime, reg.code_regroupement, equ.code_commune
),

communes as (
    -- every commune with a target population or a facility, per edition and service
    select
        coalesce(pop.millesime, off.millesime) as millesime,
        coalesce(pop.code_regroupement, off.code_regroupement) as code_regroupement,
        coalesce(pop.code_commune, off.code_commune) as code_commune,
        coalesce(pop.population, 0) as population,
        coalesce(off.nb_equipements, 0) as nb_equipements,
        coalesce(off.places, 0) as places,
        coalesce(off.nb_equipements_avec_capacite, 0) as nb_equipements_avec_capacite
    from population_communes as pop
    full outer join offre_communes as off
        on pop.millesime = off.millesime
        and pop.code_regroupement = off.code_regroupement
        and pop.code_commune = off.code_commune
),

distances as (
    select com.*, dis.distance_km
    from communes as com
    left join intermediate.int_bpe__distances as dis
        on com.millesime = dis.millesime
        and com.code_regroupement = dis.code_regroupement
        and com.code_commune = dis.code_commune
),

agregats as (
    select
        tc.niveau,
        tc.code_territoire,
        dis.millesime,
        dis.code_regroupement,
        sum(dis.population) as population,
        sum(dis.nb_equipements) as nb_equipements,
        sum(dis.places) as places,
        sum(dis.nb_equipements_avec_capacite) as nb_equipements_avec_capacite,
        -- weighted by the target population; a territory without any (a commune with no child)
        -- keeps the plain mean of its communes' distances
        coalesce(
            sum(dis.distance_km * dis.population) / nullif(sum(dis.population)
                filter (where dis.distance_km is not null), 0),
            avg(dis.distance_km)
        ) as distance_km,
        coalesce(sum(dis.population) filter (where dis.distance_km > 10), 0)
            / nullif(sum(dis.population) filter (where dis.distance_km is not null), 0)
            as part_plus_10_km,
        coalesce(sum(dis.population) filter (where dis.distance_km > 20), 0)
            / nullif(sum(dis.population) filter (where dis.distance_km is not null), 0)
            as part_plus_20_km
    from marts.territoires__communes as tc
    inner join distances as dis on tc.code_commune = dis.code_commune
    group by tc.niveau, tc.code_territoire, dis.millesime, dis.code_regroupement
)

select
    agr.niveau,
    agr.code_territoire,
    agr.millesime,
    agr.code_regroupement,
    ret.libelle_regroupement,
    ret.gamme,
    ret.population_cible,
    ret.millesime_recensement,
    case when ret.millesime_recensement is not null then round(agr.population, 2) end as population,
    cast(agr.nb_equipements as bigint) as nb_equipements,
    round(1000.0 * agr.nb_equipements / nullif(agr.population, 0), 4) as equipements_pour_1000,
    case when ret.avec_capacite then cast(agr.places as bigint) end as places,
    case when ret.avec_capacite
        then round(1000.0 * agr.places / nullif(agr.population, 0), 4)
    end as places_pour_1000,
    case when ret.avec_capacite
        then round(agr.nb_equipements_avec_capacite / nullif(agr.nb_equipements, 0), 6)
    end as part_equipements_avec_capacite,
    round(agr.distance_km, 3) as distance_km,
    round(agr.part_plus_10_km, 6) as part_cible_plus_10_km,
    round(agr.part_plus_20_km, 6) as part_cible_plus_20_km
from agregats as agr
inner join retenus as ret
    on agr.millesime = ret.millesime and agr.code_regroupement = ret.code_regroupement
