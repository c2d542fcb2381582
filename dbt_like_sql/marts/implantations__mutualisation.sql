-- Where a shared site (a "maison de services") would bring the most people to the whole gamme de
-- proximité: for the latest BPE edition and each territory (every level of
-- marts.territoires__communes but commune, region and france), the best 3 communes of the
-- territory that, hosting at one site every service of the gamme de proximité they lack, would
-- bring the most inhabitants of the territory to the full gamme within 10 km (straight line
-- between town halls). A commune has the full gamme within 10 km when the nearest facility of
-- every service of the gamme is at most 10 km away (int_bpe__distances). Once the site opens in
-- commune c, c holds the full gamme, so a commune i has it within 10 km exactly when it had it
-- before or d(i, c) <= 10 km (int_cog__distances_communes): the gain of c is the population of
-- the territory's communes within 10 km of c that lacked the full gamme within 10 km. Each
-- candidate is weighed alone (rang 2 is the second best single site, not a site added to the
-- first); ties go to the site hosting fewer services, then to the smallest code. Candidates are
-- the territory's communes lacking at least one service; only sites with a positive gain are
-- listed. A commune without the full gamme within 10 km lacks a service itself, so it is a
-- candidate bringing at least its own population: a territory without rows is one where everyone
-- (with inhabitants) already has the full gamme within 10 km.
-- grain: one row per niveau x code_territoire x millesime x rang
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_in_set {column: rang, value_set: [1, 2, 3]}
--   expect: column_values_to_be_between {column: population_gagnee, min_value: 1}
--   expect: column_values_to_be_between {column: nb_services_a_accueillir, min_value: 1}
--   expect: column_values_to_be_between {column: part_population_avant, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_population_apres, min_value: 0, max_value: 1}
--   expect: column_values_to_match_regex {column: code_commune, regex: '^(\d{5}|2[AB]\d{3})$'}
-- columns:
--   niveau: departement, epci, bv2022, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: BPE edition (the latest: the site is chosen against the current facilities)
--   rang: 1 for the best site, then 2 and 3 (each weighed alone)
--   code_commune: the candidate commune of the territory hosting the shared site
--   nb_services_a_accueillir: services of the gamme de proximité the commune lacks, which the site would host
--   services_a_accueillir: their labels, comma-separated in alphabetical order (accents and case aside)
--   population_gagnee: population of the territory's communes that would newly have the full gamme within 10 km
--   nb_communes_gagnees: number of those communes
--   population_territoire: population of the territory's communes (with a reference point)
--   population_avant: population of the territory with the full gamme within 10 km today
--   population_apres: the same once the site opens (population_avant + population_gagnee)
--   part_population_avant: population_avant / population_territoire (0 to 1)
--   part_population_apres: population_apres / population_territoire (0 to 1)
with edition as (
    select max(dis.millesime) as millesime
    from intermediate.int_bpe__distances as dis
),

services as (
    select reg.code_regroupement, max(reg.libelle_regroupement) as libelle_regroupement
    from intermediate.int_bpe__regroupements as reg
    inner join edition as edi on reg.millesime = edi.millesime
    where reg.gamme = 'proximite'
    group by reg.code_regroupement
),

communes as (
    -- every commune with a reference point: its population and whether each service of the gamme
    -- is within 10 km (a service with no facility anywhere has no row: never within reach)
    select
        pts.code_commune,
        coalesce(pop.population_municipale, 0)::bigint as population,
        coalesce(ntn.nb_a_10_km, 0) = (select count(*) from services) as complete
    from intermediate.int_cog__points_communes as pts
    cross join edition as edi
    left join intermediate.int_bpe__population_communes as pop
        on edi.millesime = pop.millesime and pts.code_commune = pop.code_commune
    left join (
        select dis.code_commune, count(*) as nb_a_10_km
        from intermediate.int_bpe__distances as dis
        inner join edition as edi on dis.millesime = edi.millesime
        inner join services as srv on dis.code_regroupement = srv.code_regroupement
        where dis.distance_km <= 10
        group by dis.code_commune
    ) as ntn on pts.code_commune = ntn.code_commune
    where pts.latitude is not null
),

manquants as (
    -- per commune lacking at least one service of the gamme: the services a site there would host
    select
        com.code_commune,
        count(*) as nb_services_a_accueillir,
        string_agg(
            srv.libelle_regroupement, ', '
            order by strip_accents(lower(srv.libelle_regroupement)), srv.libelle_regroupement
        ) as services_a_accueillir
    from communes as com
    cross join services as srv
    cross join edition as edi
    anti join intermediate.int_bpe__presence_communes as pre
        on edi.millesime = pre.millesime
        and com.code_commune = pre.code_commune
        and srv.code_regroupement = pre.code_regroupement
    group by com.code_commune
),

territoires as (
    select tc.niveau, tc.code_territoire, tc.code_commune
    from marts.territoires__communes as tc
    where tc.niveau not in ('commune', 'region', 'france')
),

gains as (
    -- per territory and candidate: the territory's communes without the full gamme within 10 km
    -- of the candidate (itself included, at 0 km)
    select
        can.niveau,
        can.code_territoire,
        can.code_commune,
        sum(com.population)::bigint as population_gagnee,
        count(*) as nb_communes_gagnees
    from territoires as can
    inner join manquants as man on can.code_commune = man.code_commune
    inner join intermediate.int_cog__distances_communes as dis
        on can.code_commune = dis.code_commune and dis.distance_km <= 10
    inner join territoires as mem
        on can.niveau = mem.niveau
        and can.code_territoire = mem.code_territoire
        and dis.code_commune_voisine = mem.code_commune
    inner join communes as com on mem.code_commune = com.code_commune
    where not com.complete
    group by can.niveau, can.code_territoire, can.code_commune
),

couverture as (
    select
        ter.niveau,
        ter.code_territoire,
        sum(com.population)::bigint as population_territoire,
        coalesce(sum(com.population) filter (where com.complete), 0)::bigint as population_avant
    from territoires as ter
    inner join communes as com on ter.code_commune = com.code_commune
    group by ter.niveau, ter.code_territoire
),

classement as (
    select
        gai.*,
        man.nb_services_a_accueillir,
        man.services_a_accueillir,
        row_number() over (
            partition by gai.niveau, gai.code_territoire
            order by gai.population_gagnee desc, man.nb_services_a_accueillir, gai.code_commune
        ) as rang
    from gains as gai
    inner join manquants as man on gai.code_commune = man.code_commune
    where gai.population_gagnee > 0
    qualify rang <= 3
)

select
    cla.niveau,
    cla.code_territoire,
    edi.millesime,
    cla.rang::integer as rang,
    cla.code_commune,
    cla.nb_services_a_accueillir,
    cla.services_a_accueillir,
    cla.population_gagnee,
    cla.nb_communes_gagnees,
    cou.population_territoire,
    cou.population_avant,
    cou.population_avant + cla.population_gagnee as population_apres,
    round(cou.population_avant / nullif(cou.population_territoire, 0), 6) as part_population_avant,
    round(
        (cou.population_avant + cla.population_gagnee) / nullif(cou.population_territoire, 0), 6
    ) as part_population_apres
from classement as cla
cross join edition as edi
inner join couverture as cou
    on cla.niveau = cou.niveau and cla.code_territoire = cou.code_territoire
