-- Facilities of each gamme per 10,000 inhabitants at every BPE edition, per reference. Reads the
-- variable profil_refs: for every territory asked (`cle`), the territory (rang 0) and its
-- references, a list of struct(cle, rang, role, niveau, code_territoire); one run answers for all
-- of them.
-- grain: one row per cle x millesime x gamme
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

grille as (
    select distinct gam.millesime, gam.gamme
    from marts.services__gammes as gam
)

select
    ref.cle,
    gri.millesime,
    gri.gamme,
    list(
        case when gam.niveau is not null then coalesce(den.pour_10000_hab, 0) end
        order by ref.rang
    ) as valeurs
from grille as gri
cross join profil_refs as ref
left join marts.services__gammes as gam
    on ref.niveau = gam.niveau
    and ref.code_territoire = gam.code_territoire
    and gri.millesime = gam.millesime
    and gri.gamme = gam.gamme
left join marts.services__densite as den
    on ref.niveau = den.niveau
    and ref.code_territoire = den.code_territoire
    and gri.millesime = den.millesime
    and den.type_agregat = 'gamme'
    and gri.gamme = den.code_agregat
group by ref.cle, gri.millesime, gri.gamme
order by ref.cle, list_position(['proximite', 'intermediaire', 'superieure'], gri.gamme),
    gri.millesime
