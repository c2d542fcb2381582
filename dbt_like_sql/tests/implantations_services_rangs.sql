-- Each set of new facilities of marts.implantations__services is listed in full and in order:
-- ranks run 1..n without a hole, a set of k facilities has at most k ranks, the marginal gain
-- is positive and does not increase with the rank (the savings are submodular), the mean
-- distance after a rank is the one before the next, and the commune is inside its territory.
-- asset: marts.implantations__services
with ordonnes as (
    select
        imp.*,
        row_number() over (
            partition by imp.niveau, imp.code_territoire, imp.millesime, imp.code_regroupement,
                imp.nombre_implantations
            order by imp.rang
        ) as attendu,
        lag(imp.gain_distance_km) over (
            partition by imp.niveau, imp.code_territoire, imp.millesime, imp.code_regroupement,
                imp.nombre_implantations
            order by imp.rang
        ) as gain_precedent,
        lag(imp.distance_moyenne_apres_km) over (
            partition by imp.niveau, imp.code_territoire, imp.millesime, imp.code_regroupement,
                imp.nombre_implantations
            order by imp.rang
        ) as apres_precedent
    from marts.implantations__services as imp
)

select ord.niveau, ord.code_territoire, ord.code_regroupement, ord.nombre_implantations,
    ord.rang, 'rang manquant, en trop ou gain croissant' as probleme
from ordonnes as ord
where ord.rang <> ord.attendu
    or ord.rang > ord.nombre_implantations
    or ord.gain_distance_km < 0
    or ord.gain_distance_km > ord.gain_precedent + 0.001
    or abs(ord.distance_moyenne_avant_km - ord.apres_precedent) > 0.001
union all
select imp.niveau, imp.code_territoire, imp.code_regroupement, imp.nombre_implantations,
    imp.rang, 'commune hors du territoire' as probleme
from marts.implantations__services as imp
anti join marts.territoires__communes as tc
    on imp.niveau = tc.niveau
    and imp.code_territoire = tc.code_territoire
    and imp.code_commune = tc.code_commune
