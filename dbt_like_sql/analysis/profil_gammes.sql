-- Coverage of each gamme at the latest BPE edition: services present, share of the population
-- living in a commune with the whole gamme, per reference, and the services missing in the
-- territory. Reads the variable profil_refs: for every territory asked (`cle`), the territory
-- (rang 0) and its references, a list of struct(cle, rang, role, niveau, code_territoire); one run
-- answers for all of them.
-- grain: one row per cle x gamme
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

edition as (
    select max(gam.millesime) as millesime from marts.services__gammes as gam
),

gammes as (
    select distinct gam.gamme, gam.nb_regroupements
    from marts.services__gammes as gam
    inner join edition as edi on gam.millesime = edi.millesime
)

select
    ref.cle,
    gms.gamme,
    gms.nb_regroupements,
    list(gam.nb_regroupements_presents order by ref.rang) as presents,
    list(gam.part_population_gamme_complete order by ref.rang) as parts_complete,
    max(gam.regroupements_manquants) filter (where ref.rang = 0) as manquants
from gammes as gms
cross join profil_refs as ref
cross join edition as edi
left join marts.services__gammes as gam
    on ref.niveau = gam.niveau
    and ref.code_territoire = gam.code_territoire
    and edi.millesime = gam.millesime
    and gms.gamme = gam.gamme
group by ref.cle, gms.gamme, gms.nb_regroupements
order by ref.cle, list_position(['proximite', 'intermediaire', 'superieure'], gms.gamme)
