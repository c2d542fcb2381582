-- How far people are from each service (regroupements of the gammes de proximité and
-- intermédiaire, and every health type), per territory and BPE edition. Distances are
-- STRAIGHT-LINE (great-circle) km from each commune's reference point (town hall) to the nearest
-- facility (its own point, else its commune's), 0 when the commune has one; road distances and
-- travel times are longer. For a commune: its distance and the commune holding the nearest
-- facility; for a larger territory: the population-weighted mean and median distance and the
-- share of the population beyond 10 km and 20 km.
-- grain: one row per niveau x code_territoire x millesime x code_regroupement
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
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
    select
        reg.millesime,
        reg.code_regroupement,
        max(reg.libelle_regroupement) as libelle_regroupement,
        max(reg.gamme) as gamme,
        row_number() over (order by reg.millesime, reg.code_regroupement)::integer as id_service
    from intermediate.int_bpe__regroupements as reg
    where reg.gamme in ('proximite', 'intermediaire', 'sante')
    group by reg.millesime, reg.code_regroupement
),

communes as (
    select
        srv.id_service,
        dis.code_commune,
        dis.distance_km,
        dis.code_commune_equipement,
        -- a double (exact for any population): DuckDB sums integers into 128-bit integers,
        -- which made the window and the aggregate below 1.4 times slower nationally
        coalesce(pop.population_municipale, 0)::double as population_municipale
    from intermediate.int_bpe__distances as dis
    inner join services as srv
        on dis.millesime = srv.millesime and dis.code_regroupement = srv.code_regroupement
    left join intermediate.int_bpe__population_communes as pop
        on dis.millesime = pop.millesime and dis.code_commune = pop.code_commune
),

territoires as (
    -- territories larger than a commune, numbered so the sort below runs on integers
    select
        tc.niveau,
        tc.code_territoire,
        tc.code_commune,
        dense_rank() over (order by tc.niveau, tc.code_territoire)::integer as id_territoire
    from marts.territoires__communes as tc
    where tc.niveau <> 'commune'
),

cumuls as (
    select
        ter.id_territoire,
        com.id_service,
        com.distance_km,
        com.population_municipale,
        -- population at least as close as this commune (ties in any order: the median below
        -- is the distance where the running total crosses half, the same whatever their order)
        sum(com.population_municipale) over (
            partition by ter.id_territoire, com.id_service
            order by com.distance_km
            rows between unbounded preceding and current row
        ) as population_cumulee,
        sum(com.population_municipale) over (
            partition by ter.id_territoire, com.id_service
        ) as population_totale
    from territoires as ter
    inner join communes as com on ter.code_commune = com.code_commune
),

agregats as (
    select
        cum.id_territoire,
        cum.id_service,
        round(
            sum(cum.distance_km * cum.population_municipale)
            / nullif(sum(cum.population_municipale), 0), 3
        ) as distance_km,
        coalesce(
            min(cum.distance_km) filter (where cum.population_cumulee * 2 >= cum.population_totale),
            max(cum.distance_km)
        ) as distance_mediane_km,
        round(coalesce(sum(cum.population_municipale) filter (where cum.distance_km > 10), 0)
            / nullif(sum(cum.population_municipale), 0), 6) as part_population_plus_10_km,
        round(coalesce(sum(cum.population_municipale) filter (where cum.distance_km > 20), 0)
            / nullif(sum(cum.population_municipale), 0), 6) as part_population_plus_20_km,
        cast(sum(cum.population_municipale) as bigint) as population_municipale
    from cumuls as cum
    group by cum.id_territoire, cum.id_service
)

select
    tc.niveau,
    tc.code_territoire,
    srv.millesime,
    srv.code_regroupement,
    srv.libelle_regroupement,
    srv.gamme,
    round(com.distance_km, 3) as distance_km,
    com.distance_km as distance_mediane_km,
    round(case when com.distance_km > 10 then 1 else 0 end * com.population_municipale
        / nullif(com.population_municipale, 0), 6) as part_population_plus_10_km,
    round(case when com.distance_km > 20 then 1 else 0 end * com.population_municipale
        / nullif(com.population_municipale, 0), 6) as part_population_plus_20_km,
    com.code_commune_equipement,
    cast(com.population_municipale as bigint) as population_municipale
from marts.territoires__communes as tc
inner join communes as com on tc.code_commune = com.code_commune
inner join services as srv on com.id_service = srv.id_service
where tc.niveau = 'commune'
union all
select
    ter.niveau,
    ter.code_territoire,
    srv.millesime,
    srv.code_regroupement,
    srv.libelle_regroupement,
    srv.gamme,
    agr.distance_km,
    agr.distance_mediane_km,
    agr.part_population_plus_10_km,
    agr.part_population_plus_20_km,
    null::varchar as code_commune_equipement,
    agr.population_municipale
from agregats as agr
inner join (select distinct t.id_territoire, t.niveau, t.code_territoire from territoires as t) as ter
    on agr.id_territoire = ter.id_territoire
inner join services as srv on agr.id_service = srv.id_service
