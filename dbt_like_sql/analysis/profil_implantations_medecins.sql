-- Where one more general practitioner would help the territory most ("Où agir ?"): the rows of
-- marts.implantations__medecins (the 3 best communes, each weighed alone, by the reduction of
-- the under-served deficit of the 2SFCA) with the commune named. Reads the variable profil_refs:
-- for every territory asked (`cle`), the territory (rang 0) and its references, a list of
-- struct(cle, rang, role, niveau, code_territoire); one run answers for all of them (only rang 0
-- is read). The mart covers the levels departement, epci, bv2022 and custom.
-- grain: one row per cle x rang
-- columns:
--   cle: the territory asked (its rank in the batch)
--   millesime: year of the Annuaire santé extraction
--   rang: rank of the candidate (1 = largest deficit reduction)
--   code_commune: candidate commune
--   libelle_commune: its name
--   reduction_deficit: reduction of the under-served deficit (consultations a year)
--   population_sortie_sous_densite: population whose commune's APL crosses 2.5 upwards
--   apl_mg_avant: territory's APL before
--   apl_mg_apres: the same with the GP added
--   gain_apl_mg: the difference
--   part_population_sous_dense_avant: share of the population in an under-served commune
--   part_population_sous_dense_apres: the same with the GP added
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select
    ref.cle,
    med.millesime,
    med.rang,
    med.code_commune,
    com.libelle as libelle_commune,
    med.reduction_deficit,
    med.population_sortie_sous_densite,
    med.apl_mg_avant,
    med.apl_mg_apres,
    med.gain_apl_mg,
    med.part_population_sous_dense_avant,
    med.part_population_sous_dense_apres
from profil_refs as ref
inner join marts.implantations__medecins as med
    on ref.niveau = med.niveau and ref.code_territoire = med.code_territoire
left join marts.territoires as com
    on com.niveau = 'commune' and med.code_commune = com.code_territoire
where ref.rang = 0
order by ref.cle, med.rang
