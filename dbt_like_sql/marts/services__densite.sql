-- Facilities per territory and BPE edition, by facility type and rolled up by sous-domaine,
-- domaine and gamme: count, density per 10,000 inhabitants (population in force on 1 January
-- of the edition), communes equipped and the share of the population living in one. Only
-- aggregates with at least one facility in the territory have a row (no row: none).
-- grain: one row per niveau x code_territoire x millesime x type_agregat x code_agregat
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_match_regex {name: typequ_format, column: code_agregat, regex: '^[A-G]\d{3}$', where: {type_agregat: typequ}}
--   expect: column_values_to_be_between {column: nb_equipements, min_value: 0}
--   expect: column_values_to_be_between {column: pour_10000_hab, min_value: 0}
--   expect: column_values_to_be_between {column: part_population_commune_equipee, min_value: 0, max_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: BPE edition
--   type_agregat: typequ (facility type), sdom (sous-domaine), dom (domaine) or gamme
--   code_agregat: the type, sous-domaine, domaine code, or the gamme (proximite, intermediaire, superieure, hors_gamme)
--   libelle_agregat: its label in the edition's nomenclature
--   code_serie: for a facility type, its code in the latest numbering (follow it across editions)
--   nb_equipements: facilities
--   population_municipale: population of the territory (populations de référence of millesime_population)
--   millesime_population: millésime of the populations de référence used
--   pour_10000_hab: facilities per 10,000 inhabitants
--   nb_communes_equipees: communes of the territory with at least one
--   part_population_commune_equipee: share of the population living in an equipped commune (0 to 1)
with comptes as (
    select equ.millesime, equ.code_commune, equ.typequ, max(equ.code_serie) as code_serie,
        sum(equ.nb_equipements) as nb_equipements
    from intermediate.int_bpe__equipements as equ
    group by equ.millesime, equ.code_commune, equ.typequ
),

gammes_types as (
    select distinct reg.millesime, reg.code_serie, reg.gamme
    from intermediate.int_bpe__regroupements as reg
    where reg.gamme <> 'sante'
),

agregats as (
    select cpt.millesime, cpt.code_commune, 'typequ' as type_agregat, cpt.typequ as code_agregat,
        cpt.code_serie, cpt.nb_equipements
    from comptes as cpt
    union all
    select cpt.millesime, cpt.code_commune, 'sdom', left(cpt.typequ, 2), null, cpt.nb_equipements
    from comptes as cpt
    union all
    select cpt.millesime, cpt.code_commune, 'dom', left(cpt.typequ, 1), null, cpt.nb_equipements
    from comptes as cpt
    union all
    select cpt.millesime, cpt.code_commune, 'gamme', gam.gamme, null, cpt.nb_equipements
    from comptes as cpt
    inner join gammes_types as gam
        on cpt.millesime = gam.millesime and cpt.code_serie = gam.code_serie
),

par_commune as (
    select agr.millesime, agr.code_commune, agr.type_agregat, agr.code_agregat,
        max(agr.code_serie) as code_serie, sum(agr.nb_equipements) as nb_equipements
    from agregats as agr
    group by agr.millesime, agr.code_commune, agr.type_agregat, agr.code_agregat
),

par_territoire as (
    select
        tc.niveau,
        tc.code_territoire,
        pco.millesime,
        pco.type_agregat,
        pco.code_agregat,
        max(pco.code_serie) as code_serie,
        sum(pco.nb_equipements) as nb_equipements,
        -- a commune is in a territory once (tests/territoires_communes_une_fois_par_niveau.sql)
        -- and once per aggregate in par_commune: no need for a distinct count
        count(*) as nb_communes_equipees,
        sum(pop.population_municipale) as population_equipee
    from marts.territoires__communes as tc
    inner join par_commune as pco on tc.code_commune = pco.code_commune
    left join intermediate.int_bpe__population_communes as pop
        on pco.millesime = pop.millesime and pco.code_commune = pop.code_commune
    group by tc.niveau, tc.code_territoire, pco.millesime, pco.type_agregat, pco.code_agregat
),

population_territoires as (
    select tc.niveau, tc.code_territoire, pop.millesime, max(pop.millesime_population)
        as millesime_population, sum(pop.population_municipale) as population_municipale
    from marts.territoires__communes as tc
    inner join intermediate.int_bpe__population_communes as pop on tc.code_commune = pop.code_commune
    group by tc.niveau, tc.code_territoire, pop.millesime
),

libelles as (
    select nom.millesime, 'typequ' as type_agregat, nom.typequ as code_agregat, nom.libelle
    from intermediate.int_bpe__nomenclature as nom
    union all
    select distinct on (nom.millesime, nom.sdom) nom.millesime, 'sdom', nom.sdom, nom.libelle_sdom
    from intermediate.int_bpe__nomenclature as nom
    union all
    select distinct on (nom.millesime, nom.dom) nom.millesime, 'dom', nom.dom, nom.libelle_dom
    from intermediate.int_bpe__nomenclature as nom
    union all
    select edi.millesime, 'gamme', gam.code, gam.libelle
    from (select distinct e.millesime from intermediate.int_bpe__equipements as e) as edi
    cross join (
        values ('proximite', 'Gamme de proximité'), ('intermediaire', 'Gamme intermédiaire'),
        ('superieure', 'Gamme supérieure'), ('hors_gamme', 'Hors gamme')
    ) as gam (code, libelle)
)

select
    ter.niveau,
    ter.code_territoire,
    ter.millesime,
    ter.type_agregat,
    ter.code_agregat,
    lib.libelle as libelle_agregat,
    ter.code_serie,
    cast(ter.nb_equipements as bigint) as nb_equipements,
    cast(pop.population_municipale as bigint) as population_municipale,
    pop.millesime_population,
    round(10000.0 * ter.nb_equipements / nullif(pop.population_municipale, 0), 4) as pour_10000_hab,
    ter.nb_communes_equipees,
    round(ter.population_equipee / nullif(pop.population_municipale, 0), 6)
        as part_population_commune_equipee
from par_territoire as ter
left join population_territoires as pop
    on ter.niveau = pop.niveau
    and ter.code_territoire = pop.code_territoire
    and ter.millesime = pop.millesime
left join libelles as lib
    on ter.millesime = lib.millesime
    and ter.type_agregat = lib.type_agregat
    and ter.code_agregat = lib.code_agregat
