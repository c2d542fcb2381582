-- The age bands of each profession for one (source, year): the latest year, DREES (all physicians)
-- before ameli (libéraux only) when both have it. The bands are the territory's, or its
-- département's when the mart has no ageing figures at the territory's level (communes); the share
-- aged 60+ per reference. Variables: professions (the display order). Reads the variable
-- profil_refs: for every territory asked (`cle`), the territory (rang 0) and its references, a
-- list of struct(cle, rang, role, niveau, code_territoire); one run answers for all of them.
-- grain: one row per cle x profession
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

niveaux_vieillissement as (
    select distinct vie.niveau from marts.sante__vieillissement as vie
),

rang_tranches as (
    select ref.cle, case when niv.niveau is not null then 0 else 1 end as rang
    from profil_refs as ref
    left join niveaux_vieillissement as niv on ref.niveau = niv.niveau
    where ref.rang = 0
),

choix as (
    select ref.cle, vie.profession, vie.source, vie.annee, rtr.rang
    from marts.sante__vieillissement as vie
    inner join profil_refs as ref
        on vie.niveau = ref.niveau and vie.code_territoire = ref.code_territoire
    inner join rang_tranches as rtr on ref.cle = rtr.cle and ref.rang = rtr.rang
    qualify row_number() over (
        partition by ref.cle, vie.profession order by vie.annee desc, vie.source = 'drees' desc
    ) = 1
)

select
    cho.cle,
    cho.profession,
    cho.source,
    cho.annee,
    cho.rang as rang_tranches,
    coalesce(bool_or(vie.estimation) filter (where ref.rang = cho.rang), false) as estimation,
    max(vie.effectif) filter (where ref.rang = cho.rang) as effectif,
    [
        coalesce(max(vie.effectif_moins_40_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_40_54_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_55_59_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_60_64_ans) filter (where ref.rang = cho.rang), 0),
        coalesce(max(vie.effectif_65_ans_et_plus) filter (where ref.rang = cho.rang), 0)
    ] as tranches,
    coalesce(max(vie.effectif_age_inconnu) filter (where ref.rang = cho.rang), 0) as inconnu,
    list(vie.part_60_ans_et_plus order by ref.rang) as parts_60,
    max(vie.part_65_ans_et_plus) filter (where ref.rang = cho.rang) as part_65,
    max(vie.departs_5_ans_estimes) filter (where ref.rang = cho.rang) as departs_5_ans
from choix as cho
inner join profil_refs as ref on cho.cle = ref.cle
left join marts.sante__vieillissement as vie
    on ref.niveau = vie.niveau
    and ref.code_territoire = vie.code_territoire
    and cho.profession = vie.profession
    and cho.source = vie.source
    and cho.annee = vie.annee
group by cho.cle, cho.profession, cho.source, cho.annee, cho.rang
order by cho.cle, coalesce(list_position(getvariable('professions'), cho.profession), 100),
    cho.profession
