-- The shared sites are a ranking: per territory the ranks run 1, 2, 3 without a gap, the
-- population gained is positive and never grows with the rank, the candidate commune belongs to
-- the territory (marts.territoires__communes), and the population with the full gamme after is
-- the population before plus the gain, never more than the territory's.
-- asset: marts.implantations__mutualisation
with rangs as (
    select
        mut.*,
        row_number() over (
            partition by mut.niveau, mut.code_territoire, mut.millesime order by mut.rang
        ) as rang_attendu,
        lag(mut.population_gagnee) over (
            partition by mut.niveau, mut.code_territoire, mut.millesime order by mut.rang
        ) as gain_precedent
    from marts.implantations__mutualisation as mut
)

select ran.niveau, ran.code_territoire, ran.rang, 'rangs non contigus depuis 1' as probleme
from rangs as ran
where ran.rang <> ran.rang_attendu
union all
select ran.niveau, ran.code_territoire, ran.rang, 'gain négatif ou croissant avec le rang'
from rangs as ran
where ran.population_gagnee < 0 or ran.population_gagnee > ran.gain_precedent
union all
select ran.niveau, ran.code_territoire, ran.rang, 'commune hors du territoire'
from rangs as ran
anti join marts.territoires__communes as tc
    on ran.niveau = tc.niveau
    and ran.code_territoire = tc.code_territoire
    and ran.code_commune = tc.code_commune
union all
select ran.niveau, ran.code_territoire, ran.rang, 'populations avant, gagnée et après incohérentes'
from rangs as ran
where ran.population_apres <> ran.population_avant + ran.population_gagnee
    or ran.population_apres > ran.population_territoire
    or ran.nb_communes_gagnees < 1
