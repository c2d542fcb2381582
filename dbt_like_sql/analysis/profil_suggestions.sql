-- The five territories whose name (or code) is closest to an unknown code, ranked where a national
-- list of 35,000 communes lives: Jaro-Winkler on lower-case names without accents, a name
-- containing the query ranked first. Variables: code, niveau (NULL: any level), ordre.
-- grain: one row per niveau x code_territoire
with requete as (
    select lower(strip_accents(trim(getvariable('code')))) as texte
),

candidats as (
    select ter.niveau, ter.code_territoire, ter.libelle,
        greatest(
            jaro_winkler_similarity(lower(strip_accents(coalesce(ter.libelle, ''))), req.texte),
            jaro_winkler_similarity(lower(ter.code_territoire), req.texte),
            case when length(req.texte) >= 3
                and contains(lower(strip_accents(coalesce(ter.libelle, ''))), req.texte)
                then 1.0 else 0.0 end
        ) as score
    from marts.territoires as ter
    cross join requete as req
    where getvariable('niveau') is null or ter.niveau = getvariable('niveau')
)

select can.niveau, can.code_territoire, can.libelle
from candidats as can
where can.score >= 0.75
order by can.score desc, coalesce(list_position(getvariable('ordre'), can.niveau), 100), can.code_territoire
limit 5
