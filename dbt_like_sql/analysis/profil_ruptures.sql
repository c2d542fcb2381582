-- How many of the territory's services break their series at each BPE edition, and why. Reads the
-- variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for all
-- of them.
-- grain: one row per cle x millesime x motif_rupture
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select ref.cle, evo.millesime, evo.motif_rupture, count(*) as nb_services
from marts.services__evolution as evo
inner join profil_refs as ref
    on evo.niveau = ref.niveau and evo.code_territoire = ref.code_territoire
where ref.rang = 0 and evo.rupture_serie
group by ref.cle, evo.millesime, evo.motif_rupture
order by ref.cle, evo.millesime, evo.motif_rupture
