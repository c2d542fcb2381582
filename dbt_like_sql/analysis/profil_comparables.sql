-- The comparable territories of each territory asked: its group ("EPCI ruraux à habitat
-- dispersé de 10 000 à 30 000 habitants"), its profile, and the group's members by decreasing
-- population (the profile can name them or link to them): the comparables_membres largest and
-- the territory itself (a group of 300 EPCI is named by its largest, not listed whole). Reads
-- the variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for
-- all of them (only rang 0 is read). Variables: comparables_membres (how many members at most,
-- besides the territory). A territory without a group (France, no density class or population) has no row.
-- grain: one row per cle x code_membre
-- columns:
--   cle: the territory asked (its rank in the batch)
--   code_groupe: the group (niveau|classe_densite|rang_tranche_taille)
--   libelle_groupe: the group in French
--   classe_densite: density class of the territory's median inhabitant (1 to 7)
--   libelle_classe_densite: INSEE's label of the class
--   libelle_tranche_taille: the size band in words
--   millesime_grille: year of the grille communale de densité
--   nb_territoires_groupe: territories in the group (itself included)
--   rang_membre: rank of the member by decreasing population (1: the largest)
--   code_membre: code of a member of the group (the territory itself included)
--   libelle_membre: its name
--   population_membre: its population municipale
--   est_le_territoire: the member is the territory asked
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select
    ref.cle,
    pro.code_groupe,
    pro.libelle_groupe,
    pro.classe_densite,
    pro.libelle_classe_densite,
    pro.libelle_tranche_taille,
    pro.millesime_grille,
    pro.nb_territoires_groupe,
    row_number() over (
        partition by ref.cle order by mbr.population_municipale desc nulls last,
            mbr.code_territoire
    ) as rang_membre,
    mbr.code_territoire as code_membre,
    mbr.libelle as libelle_membre,
    mbr.population_municipale as population_membre,
    mbr.code_territoire = pro.code_territoire as est_le_territoire
from profil_refs as ref
inner join marts.territoires__profils as pro
    on ref.niveau = pro.niveau and ref.code_territoire = pro.code_territoire
inner join marts.territoires__profils as mbr on pro.code_groupe = mbr.code_groupe
where ref.rang = 0
qualify rang_membre <= getvariable('comparables_membres') or est_le_territoire
order by ref.cle, rang_membre
