-- Where to open one more facility of each service (regroupements of the gammes de proximité and
-- intermédiaire, and every health type), per territory, for the latest BPE edition: the best
-- 1, 2 and 3 communes of the territory, keeping the existing facilities (inside the territory
-- or not). Objective (a p-median with fixed existing facilities): minimise the mean distance
-- of the territory's demand to the nearest facility, i.e. maximise the demand x km saved.
-- Demand (CTE `demande`, the one place to change it): each commune's target population of the
-- service (marts.services__besoins: 0-2 year-olds for crèches, 80+ for nursing homes, everyone
-- otherwise), its population municipale when no census is matched. Distances are STRAIGHT-LINE
-- km between town halls (intermediate.int_cog__distances_communes: a new facility counts only
-- for the communes within its 50 km); the distance before is the one of marts.services__acces
-- (to the existing facility's own point). No capacity: a new facility serves all who are
-- nearer to it. Communes without a reference point are left out.
-- Solved by models/implantation.py (`implanter_services`, one call per territory; not in a bare
-- DuckDB CLI): k = 1 by enumeration; k = 2, 3 greedily, proven optimal when the greedy reaches
-- an upper bound of the optimum, otherwise exactly (the candidates that can beat the greedy
-- enumerated, or a mixed-integer programme solved by HiGHS) when at most 150 such candidates
-- remain, the greedy standing on larger ones. Each set is listed in the order of its marginal
-- gains (rang 1 gains most).
-- grain: one row per niveau x code_territoire x millesime x code_regroupement x nombre_implantations x rang
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: rang, min_value: 1, max_value: 3}
--   expect: column_values_to_be_between {column: nombre_implantations, min_value: 1, max_value: 3}
--   expect: column_values_to_be_between {column: gain_distance_km, min_value: 0}
--   expect: column_values_to_be_between {column: ecart_glouton, min_value: 0, max_value: 1}
--   expect: column_values_to_be_in_set {column: methode, value_set: [enumeration, glouton_prouve, milp_highs, glouton]}
-- columns:
--   niveau: departement, epci, bv2022, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: BPE edition (the latest)
--   code_regroupement: service
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire, or sante for health types outside these gammes
--   nombre_implantations: size of the set of new facilities (1, 2 or 3) this row belongs to
--   rang: order of the facility in its set, by marginal gain (1 gains most)
--   code_commune: commune of the territory where the facility would open
--   population_demande: demand of the territory (target population of the service)
--   distance_moyenne_avant_km: demand-weighted mean straight-line km to the nearest facility before this one (after the set's earlier ranks)
--   distance_moyenne_apres_km: the same once this facility is open
--   gain_distance_km: distance_moyenne_avant_km - distance_moyenne_apres_km (marginal gain of this facility)
--   population_nouvelle_10_km: demand brought within 10 km of the service by this facility
--   population_nouvelle_20_km: demand brought within 20 km of the service by this facility
--   methode: enumeration (k = 1, every candidate tried), glouton_prouve (greedy reaching an upper bound of the optimum: optimal), milp_highs (exact mixed-integer programme), glouton (greedy on a large problem)
--   ecart_glouton: how much less the greedy set of this size saves than the optimum (1 - greedy / optimum; 0 when it is optimal; NULL when the optimum was not computed)
--   ecart_glouton_max: the most the greedy can lose against the optimum, from the upper bound (0: proven optimal)
with millesime as (
    select max(dis.millesime) as millesime from intermediate.int_bpe__distances as dis
),

services as (
    select
        reg.millesime,
        reg.code_regroupement,
        max(reg.libelle_regroupement) as libelle_regroupement,
        max(reg.gamme) as gamme,
        (row_number() over (order by reg.code_regroupement) - 1)::integer as id_service
    from intermediate.int_bpe__regroupements as reg
    inner join millesime as mil on reg.millesime = mil.millesime
    where reg.gamme in ('proximite', 'intermediaire', 'sante')
    group by reg.millesime, reg.code_regroupement
),

demande as (
    -- the demand of each commune for each service, and its distance to the nearest facility
    select
        srv.id_service,
        dis.code_commune,
        dis.distance_km,
        coalesce(bes.population, pop.population_municipale, 0)::double as poids
    from intermediate.int_bpe__distances as dis
    inner join services as srv
        on dis.millesime = srv.millesime and dis.code_regroupement = srv.code_regroupement
    left join marts.services__besoins as bes
        on bes.niveau = 'commune'
        and dis.code_commune = bes.code_territoire
        and dis.millesime = bes.millesime
        and dis.code_regroupement = bes.code_regroupement
    left join intermediate.int_bpe__population_communes as pop
        on dis.millesime = pop.millesime and dis.code_commune = pop.code_commune
),

territoires as (
    -- the communes of each territory (with a reference point), numbered from 0
    select
        tc.niveau,
        tc.code_territoire,
        tc.code_commune,
        (row_number() over (
            partition by tc.niveau, tc.code_territoire order by tc.code_commune
        ) - 1)::integer as indice
    from marts.territoires__communes as tc
    inner join intermediate.int_cog__points_communes as pts on tc.code_commune = pts.code_commune
    where tc.niveau not in ('commune', 'region', 'france') and pts.latitude is not null
),

matrices as (
    -- demand and distance of every commune x service, flattened commune by commune
    select
        ter.niveau,
        ter.code_territoire,
        list(coalesce(dem.poids, 0) order by ter.indice, srv.id_service) as poids,
        list(dem.distance_km order by ter.indice, srv.id_service) as distances
    from territoires as ter
    cross join services as srv
    left join demande as dem
        on ter.code_commune = dem.code_commune and srv.id_service = dem.id_service
    group by ter.niveau, ter.code_territoire
),

rayons as (
    -- a new facility helps a commune only if it is nearer than the commune's present one: the
    -- farthest of its services bounds the pairs worth reading
    select dem.code_commune, max(dem.distance_km) as rayon_km
    from demande as dem
    group by dem.code_commune
),

paires as (
    -- the known distances between the territory's communes that can shorten a trip
    select
        dem.niveau,
        dem.code_territoire,
        list(dem.indice) as paire_demande,
        list(can.indice) as paire_candidat,
        list(dcc.distance_km) as paire_distance
    from intermediate.int_cog__distances_communes as dcc
    inner join rayons as ray
        on dcc.code_commune = ray.code_commune and dcc.distance_km < ray.rayon_km
    inner join territoires as dem on dcc.code_commune = dem.code_commune
    inner join territoires as can
        on dem.niveau = can.niveau
        and dem.code_territoire = can.code_territoire
        and dcc.code_commune_voisine = can.code_commune
    group by dem.niveau, dem.code_territoire
),

resultats as (
    select
        mat.niveau,
        mat.code_territoire,
        implanter_services(
            (select count(*) from services)::integer,
            mat.poids, mat.distances,
            pai.paire_demande, pai.paire_candidat, pai.paire_distance
        ) as res
    from matrices as mat
    inner join paires as pai
        on mat.niveau = pai.niveau and mat.code_territoire = pai.code_territoire
),

choix as (
    -- one row per facility of each set (the function returns one list per column)
    select
        res.niveau,
        res.code_territoire,
        unnest(res.res.id_service) as id_service,
        unnest(res.res.nombre_implantations) as nombre_implantations,
        unnest(res.res.rang) as rang,
        unnest(res.res.indice_commune) as indice_commune,
        unnest(res.res.distance_moyenne_avant_km) as distance_moyenne_avant_km,
        unnest(res.res.distance_moyenne_apres_km) as distance_moyenne_apres_km,
        unnest(res.res.nouveaux_10_km) as nouveaux_10_km,
        unnest(res.res.nouveaux_20_km) as nouveaux_20_km,
        unnest(res.res.methode) as methode,
        unnest(res.res.ecart_glouton) as ecart_glouton,
        unnest(res.res.ecart_glouton_max) as ecart_glouton_max
    from resultats as res
),

totaux as (
    select ter.niveau, ter.code_territoire, dem.id_service, sum(dem.poids) as population_demande
    from territoires as ter
    inner join demande as dem on ter.code_commune = dem.code_commune
    where dem.distance_km is not null
    group by ter.niveau, ter.code_territoire, dem.id_service
)

select
    cho.niveau,
    cho.code_territoire,
    srv.millesime,
    srv.code_regroupement,
    srv.libelle_regroupement,
    srv.gamme,
    cho.nombre_implantations,
    cho.rang,
    ter.code_commune,
    round(tot.population_demande, 1) as population_demande,
    round(cho.distance_moyenne_avant_km, 3) as distance_moyenne_avant_km,
    round(cho.distance_moyenne_apres_km, 3) as distance_moyenne_apres_km,
    round(cho.distance_moyenne_avant_km - cho.distance_moyenne_apres_km, 3)
        as gain_distance_km,
    round(cho.nouveaux_10_km, 1) as population_nouvelle_10_km,
    round(cho.nouveaux_20_km, 1) as population_nouvelle_20_km,
    cho.methode,
    round(cho.ecart_glouton, 6) as ecart_glouton,
    round(cho.ecart_glouton_max, 6) as ecart_glouton_max
from choix as cho
inner join services as srv on cho.id_service = srv.id_service
inner join territoires as ter
    on cho.niveau = ter.niveau
    and cho.code_territoire = ter.code_territoire
    and cho.indice_commune = ter.indice
inner join totaux as tot
    on cho.niveau = tot.niveau
    and cho.code_territoire = tot.code_territoire
    and cho.id_service = tot.id_service
