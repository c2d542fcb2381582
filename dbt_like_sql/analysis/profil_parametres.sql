-- The source mode and the target COG of the build that published the file: a profile says when its
-- figures are the synthetic sample's.
-- grain: one row (the whole file)
select
    max(prm.valeur) filter (where prm.nom = 'source') as source,
    max(prm.valeur) filter (where prm.nom = 'cog_millesime') as cog_millesime
from meta.parametres as prm
