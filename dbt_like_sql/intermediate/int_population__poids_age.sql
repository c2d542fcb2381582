-- Relative consumption of general-practice care by census age band, used to standardise demand
-- (the population a GP serves weighs more when it is older): every standardised figure of the
-- observatory follows this table. The weights are the seed seeds.poids_recours_mg_age, which says
-- for each band whether its weight is published, derived from published figures, or a working
-- value (today: working values, see docs/besoins_poids_apl.md); the check
-- poids_age_tranches_contigues keeps the bands a partition of ages.
-- grain: one row per tranche_age
-- columns:
--   tranche_age: age band, as in the census file
--   age_min: lower bound (years)
--   age_max: upper bound (years, NULL for the open band)
--   poids_recours: relative GP consumption of the band (all-ages mean about 1)
--   statut: publie, derive or illustratif (what the weight rests on)
--   source: publication the weight is read or derived from (NULL for a working value)
select
    see.tranche_age,
    cast(see.age_min as integer) as age_min,
    cast(nullif(see.age_max, '') as integer) as age_max,
    cast(see.poids_recours as decimal(6, 3)) as poids_recours,
    see.statut,
    nullif(see.source, '') as source
from seeds.poids_recours_mg_age as see
