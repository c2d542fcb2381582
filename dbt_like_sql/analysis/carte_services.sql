-- The services mapped in each territory's maps: the services named in carte_services (general
-- practitioner, pharmacy), then the carte_manquants services of the gamme de proximité missing
-- for the largest share of the territory's population (living in a commune without one, the
-- ranking of marts.services__gammes), at the latest BPE edition. Reads the variables carte_refs
-- (every territory asked: a list of struct(cle, niveau, code); one run answers for all of them),
-- carte_services (list of code_regroupement) and carte_manquants.
-- grain: one row per cle x code_regroupement
with carte_refs as (
    select unnest(getvariable('carte_refs'), recursive := true)
),

edition as (
    select max(acc.millesime) as millesime from marts.services__acces as acc
),

communes as (
    select ref.cle, tc.code_commune
    from carte_refs as ref
    inner join marts.territoires__communes as tc
        on ref.niveau = tc.niveau and ref.code = tc.code_territoire
),

par_service as (
    select
        com.cle,
        acc.code_regroupement,
        acc.libelle_regroupement,
        acc.gamme,
        sum(acc.population_municipale) filter (where acc.distance_km > 0)
        / nullif(sum(acc.population_municipale), 0) as part_sans
    from marts.services__acces as acc
    inner join edition as edi on acc.millesime = edi.millesime
    inner join communes as com on acc.code_territoire = com.code_commune
    where acc.niveau = 'commune'
    group by com.cle, acc.code_regroupement, acc.libelle_regroupement, acc.gamme
),

manquants as (
    select
        svc.cle,
        svc.code_regroupement,
        svc.libelle_regroupement,
        svc.part_sans,
        row_number() over (
            partition by svc.cle
            order by svc.part_sans desc, svc.libelle_regroupement, svc.code_regroupement
        ) as rang
    from par_service as svc
    where svc.gamme = 'proximite'
        and svc.part_sans > 0
        and not list_contains(getvariable('carte_services'), svc.code_regroupement)
)

select
    svc.cle,
    svc.code_regroupement,
    svc.libelle_regroupement,
    svc.part_sans,
    false as manquant,
    list_position(getvariable('carte_services'), svc.code_regroupement) as ordre
from par_service as svc
where list_contains(getvariable('carte_services'), svc.code_regroupement)
union all
select
    man.cle,
    man.code_regroupement,
    man.libelle_regroupement,
    man.part_sans,
    true,
    100 + man.rang
from manquants as man
where man.rang <= getvariable('carte_manquants')
order by cle, ordre
