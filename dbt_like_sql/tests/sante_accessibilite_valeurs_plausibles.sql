-- Accessibility is well formed: never negative, never higher without the GPs aged 65 and over
-- than with them, shares of population in [0, 1].
-- asset: marts.sante__accessibilite_mg
select acc.niveau, acc.code_territoire, acc.millesime, acc.apl_mg, acc.apl_mg_hors_65_ans
from marts.sante__accessibilite_mg as acc
where
    acc.apl_mg < 0
    or acc.apl_mg_hors_65_ans > acc.apl_mg + 0.0001
    or acc.part_population_sous_dense not between 0 and 1
    or acc.part_population_sous_dense_hors_65_ans < acc.part_population_sous_dense
