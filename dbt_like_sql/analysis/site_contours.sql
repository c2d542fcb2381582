-- The outlines of the territories the static site's index maps (`observatory site`): metropolitan
-- France and Corsica, and the overseas départements (97x) drawn as insets in their own projection.
-- Variable: niveaux (the levels mapped).
-- grain: one row per niveau x code_territoire
select ctr.niveau, ctr.code_territoire, ctr.geometrie
from marts.territoires__contours as ctr
inner join marts.territoires as ter
    on ctr.niveau = ter.niveau and ctr.code_territoire = ter.code_territoire
where list_contains(getvariable('niveaux'), ctr.niveau)
    and ctr.geometrie is not null
order by ctr.niveau, ctr.code_territoire
