-- How far people are from each service (regroupements of the gammes de proximité and
-- intermédiaire, and every health type), per territory and BPE edition. Distances are
-- STRAIGHT-LINE (great-circle) km from each commune's reference point (town hall) to the nearest
-- facility (its own point, else its commune's), 0 when the commune has one; road distances and
-- travel times are longer. For a commune: its distance and the commune holding the nearest
-- facility; for a larger territory: the population-weighted mean and median distance and the
-- share of the population beyond 10 km and 20 km.
-- grain: one row per niveau x code_territoire x millesime x code_regroupement
-- validation suite (Great Expectations; see README, Validation):
--   keys: niveau, code_territoire, millesime, code_regroupement
--   expect: column_values_to_be_between {column: distance_km, min_value: 0, max_value: 1000, description: "straight-line km to the nearest facility (metropolitan France's diagonal is about 1100 km)"}
--   expect: column_values_to_be_between {column: part_population_plus_10_km, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_population_plus_20_km, min_value: 0, max_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: BPE edition
--   code_regroupement: service
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire, or sante for health types outside these gammes
--   distance_km: straight-line km to the nearest facility (for a territory, population-weighted mean over its communes)
--   distance_mediane_km: population-weighted median over the territory's communes (a commune: its distance)
--   part_population_plus_10_km: share of the population farther than 10 km (0 to 1)
--   part_population_plus_20_km: share of the population farther than 20 km (0 to 1)
--   code_commune_equipement: commune holding the nearest facility (communes only)
--   population_municipale: population of the communes counted (those with a reference point)
with services as (
    select distinct reg.millesime, reg.code_regroupement, reg.libelle_regroupement, reg.gamme
    from intermediate.int_bpe__regroupements as reg
    where reg.gamme in ('proximite', 'intermediaire', 'sante')
),

communes as (
    select
        dis.millesime,
        dis.code_regroupement,
        dis.code_commune,
        dis.distance_km,
        dis.code_commune_equipement,
        coalesce(pop.population_municipale, 0) as population_municipale
    from intermediate.int_bpe__distances as dis
    left join intermediate.int_bpe__population_communes as pop
        on dis.millesime = pop.millesime and dis.code_commune = pop.code_commune
),

territoires as (
    select
        tc.niveau,
        tc.code_territoire,
        com.millesime,
        com.code_regroupement,
        com.code_commune,
        com.distance_km,
        com.code_commune_equipement,
        com.population_municipale,
        sum(com.population_municipale) over (
            partition by tc.niveau, tc.code_territoire, com.millesime, com.code_regroupement
            order by com.distance_km, com.code_commune
            rows between unbounded preceding and current row
        ) as population_cumulee,
        sum(com.population_municipale) over (
            partition by tc.niveau, tc.code_territoire, com.millesime, com.code_regroupement
        ) as population_totale
    from marts.territoires__communes as tc
    inner join communes as com on tc.code_commune = com.code_commune
)

select
    ter.niveau,
    ter.code_territoire,
    ter.millesime,
    ter.code_regroupement,
    max(srv.libelle_regroupement) as libelle_regroupement,
    max(srv.gamme) as gamme,
    round(
        case
            when ter.niveau = 'commune' then max(ter.distance_km)
            else sum(ter.distance_km * ter.population_municipale)
                / nullif(sum(ter.population_municipale), 0)
        end, 3
    ) as distance_km,
    coalesce(
        min(ter.distance_km) filter (where ter.population_cumulee * 2 >= ter.population_totale),
        max(ter.distance_km)
    ) as distance_mediane_km,
    round(coalesce(sum(ter.population_municipale) filter (where ter.distance_km > 10), 0)
        / nullif(sum(ter.population_municipale), 0), 6) as part_population_plus_10_km,
    round(coalesce(sum(ter.population_municipale) filter (where ter.distance_km > 20), 0)
        / nullif(sum(ter.population_municipale), 0), 6) as part_population_plus_20_km,
    case when ter.niveau = 'commune' then max(ter.code_commune_equipement) end
        as code_commune_equipement,
    cast(sum(ter.population_municipale) as bigint) as population_municipale
from territoires as ter
inner join services as srv
    on ter.millesime = srv.millesime and ter.code_regroupement = srv.code_regroupement
group by ter.niveau, ter.code_territoire, ter.millesime, ter.code_regroupement
