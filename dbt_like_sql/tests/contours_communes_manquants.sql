-- Communes of the target COG without an outline (absent from the latest outlines file, even
-- through the COG movements: a commune created by a scission since, a file not ingested for
-- its département...). Never dropped silently: each is listed here, and counted in
-- marts.territoires__contours.nb_communes_sans_contour.
-- asset: intermediate.int_cog__contours_communes
-- severity: warn
select cib.code_commune, cib.libelle, cib.code_departement
from intermediate.int_cog__communes_cible as cib
left join intermediate.int_cog__contours_communes as ctr on cib.code_commune = ctr.code_commune
where ctr.code_commune is null
