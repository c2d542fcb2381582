-- Where a shared site (a "maison de services") would bring the most inhabitants to the whole
-- gamme de proximité within 10 km ("Où agir ?"): the rows of marts.implantations__mutualisation
-- (the 3 best communes, each weighed alone) with the commune named. Reads the variable
-- profil_refs: for every territory asked (`cle`), the territory (rang 0) and its references, a
-- list of struct(cle, rang, role, niveau, code_territoire); one run answers for all of them (only
-- rang 0 is read). The mart covers the levels departement, epci, bv2022 and custom; a covered
-- territory without rows is one where everyone already has the full gamme within 10 km.
-- grain: one row per cle x rang
-- columns:
--   cle: the territory asked (its rank in the batch)
--   millesime: BPE edition
--   rang: 1 for the best site, then 2 and 3
--   code_commune: the commune hosting the shared site
--   libelle_commune: its name
--   nb_services_a_accueillir: services of the gamme the site would host
--   services_a_accueillir: their labels, comma-separated
--   population_gagnee: inhabitants newly with the full gamme within 10 km
--   nb_communes_gagnees: communes of those inhabitants
--   population_territoire: population of the territory
--   part_population_avant: share with the full gamme within 10 km today
--   part_population_apres: the same once the site opens
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select
    ref.cle,
    mut.millesime,
    mut.rang,
    mut.code_commune,
    com.libelle as libelle_commune,
    mut.nb_services_a_accueillir,
    mut.services_a_accueillir,
    mut.population_gagnee,
    mut.nb_communes_gagnees,
    mut.population_territoire,
    mut.part_population_avant,
    mut.part_population_apres
from profil_refs as ref
inner join marts.implantations__mutualisation as mut
    on ref.niveau = mut.niveau and ref.code_territoire = mut.code_territoire
left join marts.territoires as com
    on com.niveau = 'commune' and mut.code_commune = com.code_territoire
where ref.rang = 0
order by ref.cle, mut.rang
