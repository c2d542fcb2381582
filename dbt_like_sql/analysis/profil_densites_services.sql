-- Facilities per 10,000 inhabitants at the latest BPE edition, per gamme and per domaine, for the
-- territory and each reference; a territory with a population but no row has none (0), one without
-- a population is unknown (NULL). Reads the variable profil_refs: for every territory asked
-- (`cle`), the territory (rang 0) and its references, a list of struct(cle, rang, role, niveau,
-- code_territoire); one run answers for all of them.
-- grain: one row per cle x type_agregat x code_agregat
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

edition as (
    select max(gam.millesime) as millesime from marts.services__gammes as gam
),

agregats as (
    select distinct den.type_agregat, den.code_agregat, den.libelle_agregat
    from marts.services__densite as den
    inner join edition as edi on den.millesime = edi.millesime
    where (den.type_agregat = 'gamme' and den.code_agregat <> 'hors_gamme')
        or den.type_agregat = 'dom'
),

presents as (
    -- a territory with a population that edition: no row in services__densite means none
    select distinct gam.niveau, gam.code_territoire
    from marts.services__gammes as gam
    inner join edition as edi on gam.millesime = edi.millesime
)

select
    ref.cle,
    agr.type_agregat,
    agr.code_agregat,
    upper(left(agr.libelle_agregat, 1)) || lower(substr(agr.libelle_agregat, 2)) as libelle,
    list(
        case when pre.niveau is not null then coalesce(den.pour_10000_hab, 0) end
        order by ref.rang
    ) as valeurs
from agregats as agr
cross join profil_refs as ref
cross join edition as edi
left join presents as pre
    on ref.niveau = pre.niveau and ref.code_territoire = pre.code_territoire
left join marts.services__densite as den
    on ref.niveau = den.niveau
    and ref.code_territoire = den.code_territoire
    and edi.millesime = den.millesime
    and agr.type_agregat = den.type_agregat
    and agr.code_agregat = den.code_agregat
group by ref.cle, agr.type_agregat, agr.code_agregat, agr.libelle_agregat
order by ref.cle, agr.type_agregat = 'dom', list_position(['proximite', 'intermediaire',
    'superieure'], agr.code_agregat), agr.code_agregat
