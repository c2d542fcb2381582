-- Health professionals per 10,000 inhabitants and their headcount at the latest extraction of the
-- Annuaire santé, per reference; a territory with a population and no practitioner has 0.
-- Variables: professions (the display order). Reads the variable profil_refs: for every territory
-- asked (`cle`), the territory (rang 0) and its references, a list of struct(cle, rang, role,
-- niveau, code_territoire); one run answers for all of them.
-- grain: one row per cle x profession
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

extraction as (
    select max(den.millesime) as millesime from marts.sante__densite as den
),

professions as (
    select distinct den.profession
    from marts.sante__densite as den
    inner join extraction as ext on den.millesime = ext.millesime
),

connus as (
    -- a territory with a population that year: no row means no practitioner
    select distinct den.niveau, den.code_territoire
    from marts.sante__densite as den
    inner join extraction as ext on den.millesime = ext.millesime
    union
    select pop.niveau, pop.code_territoire
    from marts.population as pop
)

select
    ref.cle,
    pro.profession,
    list(case when con.niveau is not null then coalesce(den.pour_10000_hab, 0) end
        order by ref.rang) as densites,
    list(case when con.niveau is not null then coalesce(den.effectif, 0) end
        order by ref.rang) as effectifs
from professions as pro
cross join profil_refs as ref
cross join extraction as ext
left join connus as con
    on ref.niveau = con.niveau and ref.code_territoire = con.code_territoire
left join marts.sante__densite as den
    on ref.niveau = den.niveau
    and ref.code_territoire = den.code_territoire
    and ext.millesime = den.millesime
    and pro.profession = den.profession
    and den.mode = 'ensemble'
group by ref.cle, pro.profession
order by ref.cle, coalesce(list_position(getvariable('professions'), pro.profession), 100),
    pro.profession
