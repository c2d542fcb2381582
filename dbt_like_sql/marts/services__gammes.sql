-- Coverage of the gammes d'équipements (proximité, intermédiaire, supérieure) per territory and
-- BPE edition. A commune "has" a service (regroupement) when it has at least one facility of
-- any type the service counts; a gamme is complete when the commune has all its services.
-- For a commune: services present / total and the list of those it lacks; for a larger
-- territory: services present somewhere in it, the share of its population living in a commune
-- with the whole gamme, and the five services missing for the largest share of its population.
-- grain: one row per niveau x code_territoire x millesime x gamme
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_in_set {column: gamme, value_set: [proximite, intermediaire, superieure]}
--   expect: column_values_to_be_between {column: part_population_gamme_complete, min_value: 0, max_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: BPE edition
--   gamme: proximite, intermediaire or superieure
--   millesime_gammes: edition of the gammes workbook (or seed) defining the services
--   nb_regroupements: services (regroupements) in the gamme
--   nb_regroupements_presents: services present (in the commune; somewhere in a larger territory)
--   part_population_gamme_complete: share of the population living in a commune with every service of the gamme (0 to 1; for a commune 0 or 1)
--   regroupements_manquants: for a commune every missing service; for a larger territory the five missing for the largest share of its population, with that share
--   population_municipale: population of the territory used for the shares
with regroupements as (
    -- rang: the service's position in its gamme, by label (a bit of the masks below; a gamme
    -- has some 25 to 50 services, fewer than the 128 bits of a mask)
    select dis.*,
        (row_number() over (
            partition by dis.millesime, dis.gamme
            order by dis.libelle_regroupement, dis.code_regroupement
        ) - 1)::integer as rang
    from (
        select distinct reg.millesime, reg.code_regroupement, reg.libelle_regroupement,
            reg.gamme, reg.millesime_gammes
        from intermediate.int_bpe__regroupements as reg
        where reg.gamme in ('proximite', 'intermediaire', 'superieure')
    ) as dis
),

editions_gammes as (
    select reg.millesime, reg.gamme, max(reg.millesime_gammes) as millesime_gammes,
        count(*) as nb_regroupements
    from regroupements as reg
    group by reg.millesime, reg.gamme
),

presences as (
    -- the communes (with a population) holding each service of a gamme
    select reg.millesime, reg.gamme, reg.code_regroupement, reg.rang, pop.code_commune,
        pop.population_municipale
    from regroupements as reg
    inner join intermediate.int_bpe__presence_communes as pre
        on reg.millesime = pre.millesime and reg.code_regroupement = pre.code_regroupement
    inner join intermediate.int_bpe__population_communes as pop
        on pre.millesime = pop.millesime and pre.code_commune = pop.code_commune
),

presences_communes as (
    -- per commune and gamme: the services it holds, as a mask with one bit per rang
    select prs.millesime, prs.gamme, prs.code_commune, count(*) as nb_presents,
        bit_or(1::uhugeint << prs.rang::uhugeint) as masque
    from presences as prs
    group by prs.millesime, prs.gamme, prs.code_commune
),

communes as (
    select
        pop.millesime,
        edi.gamme,
        pop.code_commune,
        pop.population_municipale,
        coalesce(cpt.nb_presents, 0) = edi.nb_regroupements as complete
    from intermediate.int_bpe__population_communes as pop
    inner join editions_gammes as edi on pop.millesime = edi.millesime
    left join presences_communes as cpt
        on pop.millesime = cpt.millesime
        and edi.gamme = cpt.gamme
        and pop.code_commune = cpt.code_commune
),

territoires as (
    select tc.niveau, tc.code_territoire, pop.millesime,
        sum(pop.population_municipale) as population, count(*) as nb_communes
    from marts.territoires__communes as tc
    inner join intermediate.int_bpe__population_communes as pop
        on tc.code_commune = pop.code_commune
    group by tc.niveau, tc.code_territoire, pop.millesime
),

avec as (
    -- per territory and service present in it: the communes holding it and their population
    select tc.niveau, tc.code_territoire, prs.millesime, prs.code_regroupement,
        sum(prs.population_municipale) as population_avec, count(*) as nb_communes_avec
    from marts.territoires__communes as tc
    inner join presences as prs on tc.code_commune = prs.code_commune
    group by tc.niveau, tc.code_territoire, prs.millesime, prs.code_regroupement
),

presents as (
    select ava.niveau, ava.code_territoire, ava.millesime, reg.gamme,
        count(*) as nb_regroupements_presents
    from avec as ava
    inner join regroupements as reg
        on ava.millesime = reg.millesime and ava.code_regroupement = reg.code_regroupement
    group by ava.niveau, ava.code_territoire, ava.millesime, reg.gamme
),

services_gammes as (
    select reg.millesime, reg.gamme,
        list({'rang': reg.rang, 'libelle': reg.libelle_regroupement} order by reg.rang)
            as services
    from regroupements as reg
    group by reg.millesime, reg.gamme
),

manquants_communes as (
    -- a commune: every service of the gamme it lacks, by label (its bit is not in the mask;
    -- lists, not a commune x service grid)
    select 'commune' as niveau, com.code_commune as code_territoire, com.millesime, com.gamme,
        nullif(array_to_string(list_transform(
            list_filter(
                srv.services,
                lambda s: (coalesce(prs.masque, 0::uhugeint) >> s.rang::uhugeint) & 1::uhugeint = 0
            ),
            lambda s: s.libelle
        ), ', '), '') as regroupements_manquants
    from communes as com
    inner join services_gammes as srv on com.millesime = srv.millesime and com.gamme = srv.gamme
    left join presences_communes as prs
        on com.millesime = prs.millesime
        and com.gamme = prs.gamme
        and com.code_commune = prs.code_commune
),

manquants_territoires as (
    -- a larger territory: the five services missing for the largest share of its population
    select trg.niveau, trg.code_territoire, trg.millesime, trg.gamme,
        string_agg(
            trg.libelle_regroupement || ' (' || round(100.0 * trg.population_sans
            / nullif(trg.population, 0), 1) || ' %)', ', '
            order by trg.population_sans desc, trg.libelle_regroupement
        ) as regroupements_manquants
    from (
        select ter.niveau, ter.code_territoire, ter.millesime, reg.gamme,
            reg.libelle_regroupement, ter.population,
            ter.population - coalesce(ava.population_avec, 0) as population_sans
        from territoires as ter
        inner join regroupements as reg on ter.millesime = reg.millesime
        left join avec as ava
            on ter.niveau = ava.niveau
            and ter.code_territoire = ava.code_territoire
            and ter.millesime = ava.millesime
            and reg.code_regroupement = ava.code_regroupement
        where ter.niveau <> 'commune'
            and ter.nb_communes > coalesce(ava.nb_communes_avec, 0)
            and ter.population - coalesce(ava.population_avec, 0) > 0
        qualify row_number() over (
            partition by ter.niveau, ter.code_territoire, ter.millesime, reg.gamme
            order by population_sans desc, reg.libelle_regroupement
        ) <= 5
    ) as trg
    group by trg.niveau, trg.code_territoire, trg.millesime, trg.gamme
),

manquants as (
    select * from manquants_communes
    union all
    select * from manquants_territoires
),

couverture as (
    select
        tc.niveau,
        tc.code_territoire,
        com.millesime,
        com.gamme,
        sum(com.population_municipale) as population_municipale,
        sum(com.population_municipale) filter (where com.complete) as population_complete
    from marts.territoires__communes as tc
    inner join communes as com on tc.code_commune = com.code_commune
    group by tc.niveau, tc.code_territoire, com.millesime, com.gamme
)

select
    cou.niveau,
    cou.code_territoire,
    cou.millesime,
    cou.gamme,
    edi.millesime_gammes,
    edi.nb_regroupements,
    coalesce(pre.nb_regroupements_presents, 0) as nb_regroupements_presents,
    round(coalesce(cou.population_complete, 0) / nullif(cou.population_municipale, 0), 6)
        as part_population_gamme_complete,
    man.regroupements_manquants,
    cast(cou.population_municipale as bigint) as population_municipale
from couverture as cou
inner join editions_gammes as edi on cou.millesime = edi.millesime and cou.gamme = edi.gamme
left join presents as pre
    on cou.niveau = pre.niveau
    and cou.code_territoire = pre.code_territoire
    and cou.millesime = pre.millesime
    and cou.gamme = pre.gamme
left join manquants as man
    on cou.niveau = man.niveau
    and cou.code_territoire = man.code_territoire
    and cou.millesime = man.millesime
    and cou.gamme = man.gamme
