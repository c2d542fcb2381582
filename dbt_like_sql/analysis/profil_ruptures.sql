-- How many of the territory's services break their series at each BPE edition, and why. Reads the
-- variable profil_refs: the territory (rang 0) and its references, a list of struct(rang, role,
-- niveau, code_territoire).
-- grain: one row per millesime x motif_rupture
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
)

select evo.millesime, evo.motif_rupture, count(*) as nb_services
from marts.services__evolution as evo
inner join profil_refs as ref
    on evo.niveau = ref.niveau and evo.code_territoire = ref.code_territoire
where ref.rang = 0 and evo.rupture_serie
group by evo.millesime, evo.motif_rupture
order by evo.millesime, evo.motif_rupture
