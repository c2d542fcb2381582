-- Services measured against the people who use them, per reference: for each service whose
-- target population is narrower than all ages (children of crèche or school age, the very old:
-- seeds.populations_cibles), at the latest BPE edition, the target population, the facilities
-- and places per 1,000 of it and how far it lives from the nearest facility
-- (marts.services__besoins). A reference without the row (no census) has NULLs. Reads the
-- variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for
-- all of them.
-- grain: one row per cle x code_regroupement
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

edition as (
    select max(bes.millesime) as millesime from marts.services__besoins as bes
),

services as (
    select distinct
        bes.code_regroupement,
        bes.libelle_regroupement,
        bes.gamme,
        bes.population_cible,
        bes.millesime_recensement
    from marts.services__besoins as bes
    inner join edition as edi on bes.millesime = edi.millesime
    where bes.population_cible <> 'tous' and bes.niveau = 'france'
)

select
    ref.cle,
    svc.code_regroupement,
    svc.libelle_regroupement,
    svc.gamme,
    svc.population_cible,
    svc.millesime_recensement,
    edi.millesime,
    list(bes.population order by ref.rang) as populations,
    list(bes.nb_equipements order by ref.rang) as equipements,
    list(bes.equipements_pour_1000 order by ref.rang) as equipements_pour_1000,
    list(bes.places_pour_1000 order by ref.rang) as places_pour_1000,
    list(bes.distance_km order by ref.rang) as distances,
    list(bes.part_cible_plus_20_km order by ref.rang) as parts_plus_20_km
from services as svc
cross join profil_refs as ref
cross join edition as edi
left join marts.services__besoins as bes
    on ref.niveau = bes.niveau
    and ref.code_territoire = bes.code_territoire
    and edi.millesime = bes.millesime
    and svc.code_regroupement = bes.code_regroupement
group by ref.cle, svc.code_regroupement, svc.libelle_regroupement, svc.gamme,
    svc.population_cible, svc.millesime_recensement, edi.millesime
order by ref.cle, svc.population_cible, svc.libelle_regroupement, svc.code_regroupement
