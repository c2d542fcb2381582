-- INSEE's grille communale de densité à 7 niveaux, typed: one row per commune of the grid's own
-- geography (the COG of the millésime).
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: year of the grid (geography of 1 January of that year)
--   code_commune: commune code in the grid's geography
--   source_row: row of the commune in its sheet
--   classe_densite: density class, 1 (grands centres urbains) to 7 (rural à habitat très dispersé)
--   libelle_classe_densite: INSEE's label of the class as published (NULL when the file has none)
--   population_grille: population municipale the grid was computed on (NULL when the file has none)
select
    grd.millesime,
    grd.codgeo as code_commune,
    grd.source_row,
    try_cast(grd.dens as integer) as classe_densite,
    grd.libdens as libelle_classe_densite,
    try_cast(replace(grd.pmun, ' ', '') as bigint) as population_grille
from raw.insee__grille_densite as grd
