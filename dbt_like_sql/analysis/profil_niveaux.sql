-- Every level of the published territories: an unknown --niveau is answered with the closest of
-- them.
-- grain: one row per niveau
select distinct ter.niveau from marts.territoires as ter order by ter.niveau
