-- Where facilities of one service compete inside a bassin de vie (the "effet bulle"): for the
-- latest BPE edition and every service of the gammes de proximité and intermédiaire and every
-- health type (the services of int_bpe__distances), the communes holding the service whose
-- population desservie en propre is below the threshold N of the seed
-- seeds.implantations_seuils_chevauchement (per gamme, or per service when the seed names it)
-- while another commune of the same bassin de vie 2022 holds the service too. A commune's
-- population desservie en propre is the population of the communes whose nearest facility of the
-- service is in it (int_bpe__distances.code_commune_equipement; a commune holding the service is
-- its own nearest): the people who have no nearer choice. Beside it: the nearest other commune
-- of the bassin de vie holding the service (straight-line km between town halls, from
-- int_cog__distances_communes, so at most 50 km) and its own population desservie en propre.
-- Such a pair is a candidate for pooling the two facilities, not a verdict: capacity, opening
-- hours and quality are not known. One row per territory containing the commune (every level of
-- marts.territoires__communes but commune, region and france), so a territory filters its own.
-- grain: one row per niveau x code_territoire x millesime x code_regroupement x code_commune
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_in_set {column: gamme, value_set: [proximite, intermediaire, sante]}
--   expect: column_values_to_be_between {column: population_exclusive, min_value: 0}
--   expect: column_values_to_be_between {column: population_exclusive_concurrente, min_value: 0}
--   expect: column_values_to_be_between {column: seuil_population, min_value: 1}
--   expect: column_values_to_be_between {column: nb_equipements, min_value: 1}
--   expect: column_values_to_be_between {column: distance_concurrente_km, min_value: 0, max_value: 50, description: "the distance source holds pairs of town halls at most 50 km apart"}
--   expect: column_values_to_not_be_null {column: code_commune_concurrente}
-- columns:
--   niveau: departement, epci, bv2022, or a custom level name (the territory containing code_commune)
--   code_territoire: code of the territory in its level
--   millesime: BPE edition (the latest: only the current facilities are examined)
--   gamme: proximite, intermediaire, or sante for a health type outside these gammes
--   code_regroupement: service
--   libelle_regroupement: service label
--   code_commune: commune holding the service whose population desservie en propre is below the threshold
--   code_bv2022: its bassin de vie 2022 (the one it shares with code_commune_concurrente)
--   nb_equipements: facilities of the service in code_commune
--   population_municipale: population of code_commune (edition's population in force)
--   population_exclusive: population of the communes whose nearest facility of the service is in code_commune (code_commune included)
--   seuil_population: threshold N applied to the service (the seed's service row, else its gamme's row)
--   code_commune_concurrente: nearest other commune of the same bassin de vie holding the service (ties: smallest code)
--   distance_concurrente_km: straight-line km between the two town halls
--   nb_equipements_concurrente: facilities of the service in code_commune_concurrente
--   population_exclusive_concurrente: population desservie en propre of code_commune_concurrente
with edition as (
    select max(dis.millesime) as millesime
    from intermediate.int_bpe__distances as dis
),

seuils as (
    select
        trim(see.gamme) as gamme,
        trim(see.code_regroupement) as code_regroupement,
        try_cast(trim(see.seuil_population) as integer) as seuil_population
    from seeds.implantations_seuils_chevauchement as see
),

services as (
    -- the services of int_bpe__distances, each with its threshold (its own row of the seed,
    -- else its gamme's)
    select
        srv.code_regroupement,
        srv.libelle_regroupement,
        srv.gamme,
        coalesce(spe.seuil_population, gam.seuil_population) as seuil_population
    from (
        select
            reg.code_regroupement,
            max(reg.libelle_regroupement) as libelle_regroupement,
            max(reg.gamme) as gamme
        from intermediate.int_bpe__regroupements as reg
        inner join edition as edi on reg.millesime = edi.millesime
        where reg.gamme in ('proximite', 'intermediaire', 'sante')
        group by reg.code_regroupement
    ) as srv
    left join seuils as spe on srv.code_regroupement = spe.code_regroupement
    left join seuils as gam on gam.code_regroupement = '*' and srv.gamme = gam.gamme
),

bassins as (
    select tc.code_commune, tc.code_territoire as code_bv2022
    from marts.territoires__communes as tc
    where tc.niveau = 'bv2022'
),

desserte as (
    -- population desservie en propre: the communes whose nearest facility is in the commune
    select
        dis.code_regroupement,
        dis.code_commune_equipement as code_commune,
        sum(coalesce(pop.population_municipale, 0))::bigint as population_exclusive
    from intermediate.int_bpe__distances as dis
    inner join edition as edi on dis.millesime = edi.millesime
    left join intermediate.int_bpe__population_communes as pop
        on dis.millesime = pop.millesime and dis.code_commune = pop.code_commune
    group by dis.code_regroupement, dis.code_commune_equipement
),

implantations as (
    -- the communes (in a bassin de vie) holding each service
    select
        pre.code_regroupement,
        pre.code_commune,
        bas.code_bv2022,
        pre.nb_equipements::bigint as nb_equipements,
        coalesce(des.population_exclusive, 0) as population_exclusive
    from intermediate.int_bpe__presence_communes as pre
    inner join edition as edi on pre.millesime = edi.millesime
    inner join services as srv on pre.code_regroupement = srv.code_regroupement
    inner join bassins as bas on pre.code_commune = bas.code_commune
    left join desserte as des
        on pre.code_regroupement = des.code_regroupement and pre.code_commune = des.code_commune
),

paires as (
    -- two distinct communes of one bassin de vie, from the distance source (at most 50 km)
    select dis.code_commune, dis.code_commune_voisine, dis.distance_km
    from intermediate.int_cog__distances_communes as dis
    inner join bassins as ori on dis.code_commune = ori.code_commune
    inner join bassins as voi on dis.code_commune_voisine = voi.code_commune
    where ori.code_bv2022 = voi.code_bv2022 and dis.code_commune <> dis.code_commune_voisine
),

petites as materialized (
    -- the facility communes below their threshold (few), joined to their bassin de vie's
    -- communes before any other facility: materialised so that no plan ever pairs all the
    -- facilities of a service with each other first
    select imp.*, srv.seuil_population
    from implantations as imp
    inner join services as srv on imp.code_regroupement = srv.code_regroupement
    where imp.population_exclusive < srv.seuil_population
),

voisines as materialized (
    select pet.*, par.code_commune_voisine, par.distance_km
    from petites as pet
    inner join paires as par on pet.code_commune = par.code_commune
),

bulles as (
    select
        voi.code_regroupement,
        voi.code_commune,
        voi.code_bv2022,
        voi.nb_equipements,
        voi.population_exclusive,
        voi.seuil_population,
        con.code_commune as code_commune_concurrente,
        voi.distance_km as distance_concurrente_km,
        con.nb_equipements as nb_equipements_concurrente,
        con.population_exclusive as population_exclusive_concurrente
    from voisines as voi
    inner join implantations as con
        on voi.code_regroupement = con.code_regroupement
        and voi.code_commune_voisine = con.code_commune
    qualify row_number() over (
        partition by voi.code_regroupement, voi.code_commune
        order by voi.distance_km, con.code_commune
    ) = 1
)

select
    tc.niveau,
    tc.code_territoire,
    edi.millesime,
    srv.gamme,
    bul.code_regroupement,
    srv.libelle_regroupement,
    bul.code_commune,
    bul.code_bv2022,
    bul.nb_equipements,
    coalesce(pop.population_municipale, 0)::bigint as population_municipale,
    bul.population_exclusive,
    bul.seuil_population,
    bul.code_commune_concurrente,
    bul.distance_concurrente_km,
    bul.nb_equipements_concurrente,
    bul.population_exclusive_concurrente
from bulles as bul
cross join edition as edi
inner join services as srv on bul.code_regroupement = srv.code_regroupement
inner join marts.territoires__communes as tc on bul.code_commune = tc.code_commune
left join intermediate.int_bpe__population_communes as pop
    on edi.millesime = pop.millesime and bul.code_commune = pop.code_commune
where tc.niveau not in ('commune', 'region', 'france')
