-- Distance to the nearest facility of each service of the gammes de proximité and intermédiaire
-- (and health) at the latest BPE edition, per reference; for the territory its median, the share
-- beyond 10 and 20 km and where the nearest facility is. Reads the variable profil_refs: for every
-- territory asked (`cle`), the territory (rang 0) and its references, a list of struct(cle, rang,
-- role, niveau, code_territoire); one run answers for all of them.
-- grain: one row per cle x code_regroupement
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

edition as (
    select max(acc.millesime) as millesime from marts.services__acces as acc
),

services as (
    select distinct acc.code_regroupement, acc.libelle_regroupement, acc.gamme
    from marts.services__acces as acc
    inner join edition as edi on acc.millesime = edi.millesime
    where acc.niveau = 'france'
)

select
    ref.cle,
    srv.code_regroupement,
    srv.libelle_regroupement,
    srv.gamme,
    list(acc.distance_km order by ref.rang) as distances,
    max(acc.distance_mediane_km) filter (where ref.rang = 0) as distance_mediane_km,
    max(acc.part_population_plus_10_km) filter (where ref.rang = 0) as part_plus_10_km,
    max(acc.part_population_plus_20_km) filter (where ref.rang = 0) as part_plus_20_km,
    max(acc.code_commune_equipement) filter (where ref.rang = 0) as code_commune_equipement,
    max(com.libelle) filter (where ref.rang = 0) as libelle_commune_equipement
from services as srv
cross join profil_refs as ref
cross join edition as edi
left join marts.services__acces as acc
    on ref.niveau = acc.niveau
    and ref.code_territoire = acc.code_territoire
    and edi.millesime = acc.millesime
    and srv.code_regroupement = acc.code_regroupement
left join marts.territoires as com
    on com.niveau = 'commune' and acc.code_commune_equipement = com.code_territoire
group by ref.cle, srv.code_regroupement, srv.libelle_regroupement, srv.gamme
order by ref.cle, list_position(['proximite', 'intermediaire', 'sante'], srv.gamme),
    max(acc.distance_km) filter (where ref.rang = 0) desc nulls last, srv.libelle_regroupement
