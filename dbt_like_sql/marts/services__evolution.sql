-- Each service (regroupement) per territory at every BPE edition, and its change since the
-- previous edition: count, density per 10,000 inhabitants, and whether the two editions can be
-- compared. A series breaks when a type the service counts was created, split, merged or only
-- weakly linked to the previous edition's codes (seeds.bpe_typequ_passage); 2021 -> 2023 is also
-- flagged, as INSEE advises against comparing counts across the change of sources and field
-- (there is no 2022 edition). The 2024 renumbering alone does not break a series.
-- A series is a territory's service at every edition where the service exists, zeros included
-- (a loss to 0 or a gain from 0 is a change); a service the territory never had at any edition
-- has no row, as in services__densite (no row: none). Most commune x service pairs are such
-- empty series: writing them would multiply the table by about ten and say nothing.
-- grain: one row per niveau x code_territoire x code_regroupement x millesime
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: nb_equipements, min_value: 0}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   code_regroupement: service
--   libelle_regroupement: service label
--   gamme: gamme of the service (sante for health types outside the gammes)
--   millesime: BPE edition
--   nb_equipements: facilities of the service in the territory
--   pour_10000_hab: facilities per 10,000 inhabitants
--   millesime_precedent: previous edition ingested (NULL for the first)
--   variation_nb_equipements: change in facilities since the previous edition
--   variation_pour_10000_hab: change in density since the previous edition
--   rupture_serie: the two editions are not comparable for this service
--   motif_rupture: why (types created, split or merged; change of sources 2021 -> 2023)
with services as (
    select reg.millesime, reg.code_regroupement, max(reg.libelle_regroupement)
        as libelle_regroupement, max(reg.gamme) as gamme,
        bool_or(coalesce(ser.rupture_avant, false)) as rupture_types
    from intermediate.int_bpe__regroupements as reg
    left join intermediate.int_bpe__series as ser
        on reg.millesime = ser.millesime and reg.code_serie = ser.code_serie
    group by reg.millesime, reg.code_regroupement
),

numeros_services as (
    select srv.*, dense_rank() over (order by srv.code_regroupement)::integer as id_regroupement
    from services as srv
),

territoires as (
    -- territories numbered, so the series below are sorted on integers
    select ter.niveau, ter.code_territoire,
        row_number() over (order by ter.niveau, ter.code_territoire)::integer as id_territoire
    from (select distinct tc.niveau, tc.code_territoire from marts.territoires__communes as tc) as ter
),

communes_territoires as (
    select ter.id_territoire, tc.code_commune
    from marts.territoires__communes as tc
    inner join territoires as ter
        on tc.niveau = ter.niveau and tc.code_territoire = ter.code_territoire
),

populations as (
    select ct.id_territoire, pop.millesime, sum(pop.population_municipale) as population
    from communes_territoires as ct
    inner join intermediate.int_bpe__population_communes as pop on ct.code_commune = pop.code_commune
    group by ct.id_territoire, pop.millesime
),

comptes as (
    select ct.id_territoire, pre.millesime, pre.code_regroupement,
        sum(pre.nb_equipements) as nb_equipements
    from communes_territoires as ct
    inner join intermediate.int_bpe__presence_communes as pre on ct.code_commune = pre.code_commune
    group by ct.id_territoire, pre.millesime, pre.code_regroupement
),

series_presentes as (
    -- the services each territory had at one edition at least
    select distinct cpt.id_territoire, cpt.code_regroupement
    from comptes as cpt
    where cpt.nb_equipements > 0
),

grille as (
    -- those series at every edition of the service, 0 where the territory had no facility
    select pop.id_territoire, srv.id_regroupement, srv.millesime, pop.population,
        coalesce(cpt.nb_equipements, 0) as nb_equipements
    from series_presentes as pre
    inner join numeros_services as srv on pre.code_regroupement = srv.code_regroupement
    inner join populations as pop
        on pre.id_territoire = pop.id_territoire and srv.millesime = pop.millesime
    left join comptes as cpt
        on pop.id_territoire = cpt.id_territoire
        and srv.millesime = cpt.millesime
        and srv.code_regroupement = cpt.code_regroupement
),

suites as (
    select
        gri.*,
        round(10000.0 * gri.nb_equipements / nullif(gri.population, 0), 4) as pour_10000_hab,
        lag(gri.millesime) over suite as millesime_precedent,
        lag(gri.nb_equipements) over suite as nb_precedent,
        lag(round(10000.0 * gri.nb_equipements / nullif(gri.population, 0), 4)) over suite
            as densite_precedente
    from grille as gri
    window suite as (partition by gri.id_territoire, gri.id_regroupement order by gri.millesime)
),

series as (
    select ter.niveau, ter.code_territoire, srv.code_regroupement, srv.libelle_regroupement,
        srv.gamme, srv.rupture_types, sui.* exclude (id_territoire, id_regroupement)
    from suites as sui
    inner join territoires as ter on sui.id_territoire = ter.id_territoire
    inner join numeros_services as srv
        on sui.id_regroupement = srv.id_regroupement and sui.millesime = srv.millesime
)

select
    ser.niveau,
    ser.code_territoire,
    ser.code_regroupement,
    ser.libelle_regroupement,
    ser.gamme,
    ser.millesime,
    cast(ser.nb_equipements as bigint) as nb_equipements,
    ser.pour_10000_hab,
    ser.millesime_precedent,
    cast(ser.nb_equipements - ser.nb_precedent as bigint) as variation_nb_equipements,
    round(ser.pour_10000_hab - ser.densite_precedente, 4) as variation_pour_10000_hab,
    ser.millesime_precedent is not null
    and (ser.rupture_types or (ser.millesime_precedent < 2023 and ser.millesime >= 2023))
        as rupture_serie,
    case
        when ser.millesime_precedent is null then null
        when ser.rupture_types then 'types created, split or merged since the previous edition'
        when ser.millesime_precedent < 2023 and ser.millesime >= 2023
            then 'change of sources and field between BPE 2021 and BPE 2023 (INSEE)'
    end as motif_rupture
from series as ser
