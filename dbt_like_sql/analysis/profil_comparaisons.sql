-- Every indicator of the territory against its comparable territories at the latest edition of
-- each family, for the profile's "territoires comparables" column beside the département and
-- France: the group's quartiles and median, the territory's percentile and position. The key
-- `code` is the indicator's code within its family, as the other profil_* queries name it (a
-- gamme or domaine code for services_densite with its type_agregat, a code_regroupement for
-- services_distance, a profession for sante_densite, apl_mg... for sante_accessibilite,
-- part_75_ans_et_plus for population). Reads the variable profil_refs: for every territory
-- asked (`cle`), the territory (rang 0) and its references, a list of struct(cle, rang, role,
-- niveau, code_territoire); one run answers for all of them (only rang 0 is read).
-- grain: one row per cle x indicateur
-- columns:
--   cle: the territory asked (its rank in the batch)
--   famille: services_densite, services_distance, sante_densite, sante_accessibilite or population
--   indicateur: code of the indicator (famille:code)
--   code: the indicator's code within its family (for services_densite: type_agregat:code_agregat)
--   millesime: edition of the source
--   valeur: the territory's value
--   premier_quartile: first quartile of the comparable territories
--   mediane: their median
--   troisieme_quartile: their third quartile
--   nb_territoires_groupe: comparable territories with a value (itself included)
--   percentile: percent_rank of the value among them (0 lowest, 1 highest)
--   sens: 1 a high value is favourable, -1 a low value is, 0 neither
--   position: defavorable, intermediaire or favorable (NULL: no verdict)
--   libelle_groupe: the comparable group in French
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

dernieres as (
    select cmp.famille, max(cmp.millesime) as millesime
    from marts.territoires__comparaisons as cmp
    group by cmp.famille
)

select
    ref.cle,
    cmp.famille,
    cmp.indicateur,
    substr(cmp.indicateur, length(cmp.famille) + 2) as code,
    cmp.millesime,
    cmp.valeur,
    cmp.premier_quartile,
    cmp.mediane,
    cmp.troisieme_quartile,
    cmp.nb_territoires_groupe,
    cmp.percentile,
    cmp.sens,
    cmp.position,
    cmp.libelle_groupe
from profil_refs as ref
inner join marts.territoires__comparaisons as cmp
    on ref.niveau = cmp.niveau and ref.code_territoire = cmp.code_territoire
inner join dernieres as der on cmp.famille = der.famille and cmp.millesime = der.millesime
where ref.rang = 0
order by ref.cle, cmp.indicateur
