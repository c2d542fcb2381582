-- The neighbours of the static site's territories (`observatory site`): territories of the same
-- level sharing a border, read only when the published edition holds marts.territoires__voisins.
-- Variable: niveaux (the levels of the site's pages).
-- grain: one row per niveau x code_territoire x code_voisin
select vsn.niveau, vsn.code_territoire, vsn.code_voisin
from marts.territoires__voisins as vsn
where list_contains(getvariable('niveaux'), vsn.niveau)
order by vsn.niveau, vsn.code_territoire, vsn.code_voisin
