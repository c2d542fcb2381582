-- The GP candidates of each territory are ranked 1, 2, 3 without a gap, and the deficit
-- reduction (the objective) is never negative and never grows with the rank.
-- asset: marts.implantations__medecins
with rangs as (
    select
        imp.niveau,
        imp.code_territoire,
        imp.millesime,
        imp.rang,
        imp.reduction_deficit,
        row_number() over (
            partition by imp.niveau, imp.code_territoire, imp.millesime order by imp.rang
        ) as attendu,
        lag(imp.reduction_deficit) over (
            partition by imp.niveau, imp.code_territoire, imp.millesime order by imp.rang
        ) as precedente
    from marts.implantations__medecins as imp
)

select ran.niveau, ran.code_territoire, ran.millesime, ran.rang, ran.reduction_deficit
from rangs as ran
where
    ran.rang <> ran.attendu
    or ran.reduction_deficit < 0
    or ran.reduction_deficit > ran.precedente
