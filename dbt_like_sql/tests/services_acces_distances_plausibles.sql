-- Distances are straight-line km between points of the same territory set: never negative, and
-- below 1,000 km (the diagonal of metropolitan France is about 1,100 km, and each overseas
-- département has its own facilities); the share beyond 20 km never exceeds the share beyond 10.
-- asset: marts.services__acces
select acc.niveau, acc.code_territoire, acc.millesime, acc.code_regroupement, acc.distance_km
from marts.services__acces as acc
where
    acc.distance_km < 0
    or acc.distance_km >= 1000
    or acc.part_population_plus_10_km not between 0 and 1
    or acc.part_population_plus_20_km > acc.part_population_plus_10_km
