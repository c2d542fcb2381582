-- Relative consumption of general-practice care by age band, used to standardise demand (the
-- population a GP serves weighs more when it is older). Mean annual GP consultations and visits
-- per person, relative to the all-ages mean: ILLUSTRATIVE values in the spirit of the DREES APL
-- standardisation (which uses CNAM consumption by 5-year band and sex, not published at this
-- grain). Replace them with the CNAM figures when available; every standardised figure of the
-- observatory follows this table.
-- grain: one row per tranche_age
-- columns:
--   tranche_age: age band, as in the census file
--   age_min: lower bound (years)
--   age_max: upper bound (years, NULL for the open band)
--   poids_recours: relative GP consumption of the band (all-ages mean about 1)
select
    poids.tranche_age,
    poids.age_min,
    poids.age_max,
    cast(poids.poids_recours as decimal(6, 3)) as poids_recours
from (
    values
    ('0-14', 0, 14, 0.90),
    ('15-29', 15, 29, 0.70),
    ('30-44', 30, 44, 0.80),
    ('45-59', 45, 59, 0.95),
    ('60-74', 60, 74, 1.25),
    ('75+', 75, null, 1.85)
) as poids (tranche_age, age_min, age_max, poids_recours)
