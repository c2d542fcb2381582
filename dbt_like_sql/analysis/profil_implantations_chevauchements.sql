-- Facilities of one service competing inside a bassin de vie ("effet bulle", "Où agir ?"): the
-- rows of marts.implantations__chevauchements of the territory, the fewest inhabitants served
-- en propre first, the implantations_chevauchements first only, with both communes named and
-- the territory's number of such rows. Reads the variable profil_refs: for every territory asked
-- (`cle`), the territory (rang 0) and its references, a list of struct(cle, rang, role, niveau,
-- code_territoire); one run answers for all of them (only rang 0 is read). The mart covers the
-- levels departement, epci, bv2022 and custom.
-- grain: one row per cle x code_regroupement x code_commune
-- columns:
--   cle: the territory asked (its rank in the batch)
--   ordre: rank of the row (1: fewest inhabitants served en propre)
--   nb_chevauchements: rows of the territory in the mart (the list may be cut)
--   millesime: BPE edition
--   code_regroupement: service
--   libelle_regroupement: service label
--   gamme: proximite, intermediaire or sante
--   code_commune: commune whose facilities serve few inhabitants en propre
--   libelle_commune: its name
--   nb_equipements: its facilities of the service
--   population_exclusive: inhabitants with no nearer facility of the service
--   seuil_population: threshold N under which the facility is listed
--   code_commune_concurrente: nearest other commune of the bassin de vie holding the service
--   libelle_commune_concurrente: its name
--   distance_concurrente_km: km between the two town halls
--   population_exclusive_concurrente: inhabitants served en propre by the other commune
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select
    ref.cle,
    row_number() over (
        partition by ref.cle
        order by che.population_exclusive, che.libelle_regroupement, che.code_commune
    ) as ordre,
    count(*) over (partition by ref.cle) as nb_chevauchements,
    che.millesime,
    che.code_regroupement,
    che.libelle_regroupement,
    che.gamme,
    che.code_commune,
    com.libelle as libelle_commune,
    che.nb_equipements,
    che.population_exclusive,
    che.seuil_population,
    che.code_commune_concurrente,
    con.libelle as libelle_commune_concurrente,
    che.distance_concurrente_km,
    che.population_exclusive_concurrente
from profil_refs as ref
inner join marts.implantations__chevauchements as che
    on ref.niveau = che.niveau and ref.code_territoire = che.code_territoire
left join marts.territoires as com
    on com.niveau = 'commune' and che.code_commune = com.code_territoire
left join marts.territoires as con
    on con.niveau = 'commune' and che.code_commune_concurrente = con.code_territoire
where ref.rang = 0
qualify ordre <= getvariable('implantations_chevauchements')
order by ref.cle, ordre
