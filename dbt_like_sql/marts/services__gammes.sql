-- Coverage of the gammes d'équipements (proximité, intermédiaire, supérieure) per territory and
-- BPE edition. A commune "has" a service (regroupement) when it has at least one facility of
-- any type the service counts; a gamme is complete when the commune has all its services.
-- For a commune: services present / total and the list of those it lacks; for a larger
-- territory: services present somewhere in it, the share of its population living in a commune
-- with the whole gamme, and the five services missing for the largest share of its population.
-- grain: one row per niveau x code_territoire x millesime x gamme
-- validation suite (Great Expectations; see README, Validation):
--   keys: niveau, code_territoire, millesime, gamme
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
    select distinct reg.millesime, reg.code_regroupement, reg.libelle_regroupement, reg.gamme,
        reg.millesime_gammes
    from intermediate.int_bpe__regroupements as reg
    where reg.gamme in ('proximite', 'intermediaire', 'superieure')
),

matrice as (
    select
        reg.millesime,
        reg.gamme,
        reg.millesime_gammes,
        reg.code_regroupement,
        reg.libelle_regroupement,
        pop.code_commune,
        pop.population_municipale,
        pre.code_commune is not null as present
    from regroupements as reg
    inner join intermediate.int_bpe__population_communes as pop on reg.millesime = pop.millesime
    left join intermediate.int_bpe__presence_communes as pre
        on reg.millesime = pre.millesime
        and reg.code_regroupement = pre.code_regroupement
        and pop.code_commune = pre.code_commune
),

communes as (
    select
        mat.millesime,
        mat.gamme,
        mat.code_commune,
        max(mat.population_municipale) as population_municipale,
        count(*) = count(*) filter (where mat.present) as complete
    from matrice as mat
    group by mat.millesime, mat.gamme, mat.code_commune
),

territoire_regroupements as (
    select
        tc.niveau,
        tc.code_territoire,
        mat.millesime,
        mat.gamme,
        mat.code_regroupement,
        mat.libelle_regroupement,
        bool_or(mat.present) as present_quelque_part,
        sum(mat.population_municipale) filter (where not mat.present) as population_sans,
        sum(mat.population_municipale) as population
    from marts.territoires__communes as tc
    inner join matrice as mat on tc.code_commune = mat.code_commune
    group by all
),

manquants as (
    select
        trg.niveau,
        trg.code_territoire,
        trg.millesime,
        trg.gamme,
        case
            when trg.niveau = 'commune' then string_agg(trg.libelle_regroupement, ', '
                order by trg.libelle_regroupement) filter (where trg.population_sans is not null)
            else string_agg(
                trg.libelle_regroupement || ' (' || round(100.0 * trg.population_sans
                / nullif(trg.population, 0), 1) || ' %)', ', '
                order by trg.population_sans desc, trg.libelle_regroupement
            ) filter (where trg.rang <= 5 and trg.population_sans > 0)
        end as regroupements_manquants
    from (
        select t.*, row_number() over (
            partition by t.niveau, t.code_territoire, t.millesime, t.gamme
            order by t.population_sans desc nulls last, t.libelle_regroupement
        ) as rang
        from territoire_regroupements as t
    ) as trg
    group by trg.niveau, trg.code_territoire, trg.millesime, trg.gamme
),

editions_gammes as (
    select reg.millesime, reg.gamme, max(reg.millesime_gammes) as millesime_gammes,
        count(*) as nb_regroupements
    from regroupements as reg
    group by reg.millesime, reg.gamme
),

presents as (
    select trg.niveau, trg.code_territoire, trg.millesime, trg.gamme,
        count(*) filter (where trg.present_quelque_part) as nb_regroupements_presents
    from territoire_regroupements as trg
    group by trg.niveau, trg.code_territoire, trg.millesime, trg.gamme
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
    pre.nb_regroupements_presents,
    round(coalesce(cou.population_complete, 0) / nullif(cou.population_municipale, 0), 6)
        as part_population_gamme_complete,
    man.regroupements_manquants,
    cast(cou.population_municipale as bigint) as population_municipale
from couverture as cou
inner join editions_gammes as edi on cou.millesime = edi.millesime and cou.gamme = edi.gamme
inner join presents as pre
    on cou.niveau = pre.niveau
    and cou.code_territoire = pre.code_territoire
    and cou.millesime = pre.millesime
    and cou.gamme = pre.gamme
left join manquants as man
    on cou.niveau = man.niveau
    and cou.code_territoire = man.code_territoire
    and cou.millesime = man.millesime
    and cou.gamme = man.gamme
