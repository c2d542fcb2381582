-- Target populations of every territory at every level and census year: the census population
-- of each fine age band (0-2, 3-5, 6-10, 11-17, 18-24, 25-39, 40-54, 55-64, 65-79, 80+), of
-- every target population of seeds.populations_cibles (0-17, 3-10, 65+..., each the sum of the
-- fine bands it covers), and of all ages (`tous`: the census population P..POP, not the sum of
-- the bands). The IRIS rows of the census are placed on the communes of the target COG
-- (int_population_ages__placement), then summed over the communes of each territory as
-- marts.population does. Values are the census's weighted estimates (decimals). The fine bands
-- add up to `tous` in every territory (tests/population_cibles_somme_recensement.sql).
-- The census year is not the BPE edition: the population in force on 1 January of edition N is
-- the census of N - 3 (see int_population__en_vigueur); join on the census year wanted.
-- grain: one row per niveau x code_territoire x millesime x population_cible
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: population, min_value: 0}
--   expect: column_values_to_be_between {column: part_population, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: nb_communes, min_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: census year (RP) of the age bands
--   population_cible: age group (0-2, 3-5, 6-10, 11-17, 18-24, 25-39, 40-54, 55-64, 65-79, 80+, the seed's groups such as 0-17, 3-10, 65+, and tous)
--   libelle_population_cible: its label (de 0 à 2 ans, 80 ans et plus, tous âges)
--   age_min: lower bound in years
--   age_max: upper bound in years (NULL for an open group: 80+, 65+, tous)
--   tranche_fine: one of the ten fine bands, which add up to the population
--   population: census population of the group in the territory (weighted estimate)
--   part_population: share of the territory's census population (between 0 and 1)
--   nb_communes: communes of the territory with census figures that year
with communes as (
    select
        plc.millesime,
        plc.code_commune,
        sum(plc.population) as population,
        sum(plc.population_0_2) as p_0_2,
        sum(plc.population_3_5) as p_3_5,
        sum(plc.population_6_10) as p_6_10,
        sum(plc.population_11_17) as p_11_17,
        sum(plc.population_18_24) as p_18_24,
        sum(plc.population_25_39) as p_25_39,
        sum(plc.population_40_54) as p_40_54,
        sum(plc.population_55_64) as p_55_64,
        sum(plc.population_65_79) as p_65_79,
        sum(plc.population_80_plus) as p_80_plus
    from intermediate.int_population_ages__placement as plc
    where plc.code_commune is not null
    group by plc.millesime, plc.code_commune
),

territoires as (
    select
        tc.niveau,
        tc.code_territoire,
        com.millesime,
        sum(com.population) as population,
        sum(com.p_0_2) as p_0_2,
        sum(com.p_3_5) as p_3_5,
        sum(com.p_6_10) as p_6_10,
        sum(com.p_11_17) as p_11_17,
        sum(com.p_18_24) as p_18_24,
        sum(com.p_25_39) as p_25_39,
        sum(com.p_40_54) as p_40_54,
        sum(com.p_55_64) as p_55_64,
        sum(com.p_65_79) as p_65_79,
        sum(com.p_80_plus) as p_80_plus,
        count(*) as nb_communes
    from marts.territoires__communes as tc
    inner join communes as com on tc.code_commune = com.code_commune
    group by tc.niveau, tc.code_territoire, com.millesime
),

bandes as (
    select
        ter.niveau,
        ter.code_territoire,
        ter.millesime,
        fin.age_min,
        fin.age_max,
        case fin.population_cible
            when '0-2' then ter.p_0_2
            when '3-5' then ter.p_3_5
            when '6-10' then ter.p_6_10
            when '11-17' then ter.p_11_17
            when '18-24' then ter.p_18_24
            when '25-39' then ter.p_25_39
            when '40-54' then ter.p_40_54
            when '55-64' then ter.p_55_64
            when '65-79' then ter.p_65_79
            when '80+' then ter.p_80_plus
        end as population_tranche
    from territoires as ter
    inner join intermediate.int_population__tranches_cibles as fin on fin.tranche_fine
),

groupes as (
    select
        ban.niveau,
        ban.code_territoire,
        ban.millesime,
        trc.population_cible,
        sum(ban.population_tranche) as population
    from bandes as ban
    inner join intermediate.int_population__tranches_cibles as trc
        on trc.population_cible <> 'tous'
        and ban.age_min >= trc.age_min
        and coalesce(ban.age_max, 1000) <= coalesce(trc.age_max, 1000)
    group by ban.niveau, ban.code_territoire, ban.millesime, trc.population_cible
    union all
    select ter.niveau, ter.code_territoire, ter.millesime, 'tous', ter.population
    from territoires as ter
)

select
    grp.niveau,
    grp.code_territoire,
    grp.millesime,
    grp.population_cible,
    trc.libelle as libelle_population_cible,
    trc.age_min,
    trc.age_max,
    trc.tranche_fine,
    cast(grp.population as double) as population,
    round(cast(grp.population / nullif(ter.population, 0) as double), 6) as part_population,
    ter.nb_communes
from groupes as grp
inner join territoires as ter
    on grp.niveau = ter.niveau
    and grp.code_territoire = ter.code_territoire
    and grp.millesime = ter.millesime
inner join intermediate.int_population__tranches_cibles as trc
    on grp.population_cible = trc.population_cible
