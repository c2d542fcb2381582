-- Every territory of every published table is a known territory: a commune is a commune of the
-- target COG (after harmonisation, no code of an older geography survives), any other level is
-- in marts.territoires. Lists the table, the level and the unknown code.
-- asset: marts.territoires
with codes as (
    select distinct 'population' as table_name, pop.niveau, pop.code_territoire
    from marts.population as pop
    union
    select distinct 'services__densite', den.niveau, den.code_territoire
    from marts.services__densite as den
    union
    select distinct 'services__acces', acc.niveau, acc.code_territoire
    from marts.services__acces as acc
    union
    select distinct 'services__gammes', gam.niveau, gam.code_territoire
    from marts.services__gammes as gam
    union
    select distinct 'services__evolution', evo.niveau, evo.code_territoire
    from marts.services__evolution as evo
    union
    select distinct 'sante__densite', san.niveau, san.code_territoire
    from marts.sante__densite as san
    union
    select distinct 'sante__vieillissement', vie.niveau, vie.code_territoire
    from marts.sante__vieillissement as vie
    union
    select distinct 'sante__accessibilite_mg', apl.niveau, apl.code_territoire
    from marts.sante__accessibilite_mg as apl
    union
    select distinct 'territoires__communes', 'commune', tc.code_commune
    from marts.territoires__communes as tc
)

select cod.table_name, cod.niveau, cod.code_territoire
from codes as cod
left join intermediate.int_cog__communes_cible as cib
    on cod.niveau = 'commune' and cod.code_territoire = cib.code_commune
left join marts.territoires as ter
    on cod.niveau <> 'commune'
    and cod.niveau = ter.niveau
    and cod.code_territoire = ter.code_territoire
where (cod.niveau = 'commune' and cib.code_commune is null)
    or (cod.niveau <> 'commune' and ter.code_territoire is null)
