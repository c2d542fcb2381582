-- The services whose number of facilities in the territory changed at the latest BPE edition,
-- largest losses first. Reads the variable profil_refs: for every territory asked (`cle`), the
-- territory (rang 0) and its references, a list of struct(cle, rang, role, niveau,
-- code_territoire); one run answers for all of them.
-- grain: one row per cle x libelle_regroupement
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select ref.cle, evo.libelle_regroupement, evo.gamme, evo.nb_equipements,
    evo.variation_nb_equipements, evo.millesime_precedent, evo.rupture_serie
from marts.services__evolution as evo
inner join profil_refs as ref
    on evo.niveau = ref.niveau and evo.code_territoire = ref.code_territoire
where ref.rang = 0
    and evo.millesime = (select max(e.millesime) from marts.services__evolution as e)
    and evo.variation_nb_equipements <> 0
order by ref.cle, evo.variation_nb_equipements, evo.libelle_regroupement
