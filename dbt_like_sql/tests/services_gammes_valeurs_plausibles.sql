-- Gamme coverage is well formed: services present never exceed the gamme's, shares are in [0, 1].
-- asset: marts.services__gammes
select gam.niveau, gam.code_territoire, gam.millesime, gam.gamme
from marts.services__gammes as gam
where
    gam.nb_regroupements_presents > gam.nb_regroupements
    or gam.part_population_gamme_complete not between 0 and 1
