-- Every row of the grille communale de densité placed on a commune of the target COG, or not.
-- A grid of year Y is in the COG of Y; codes merged since are followed through the target COG's
-- movements (int_cog__passage_communes). Rows that cannot be placed keep a NULL code_commune and
-- their reason (they form the quarantine), so rows in = rows placed + rows quarantined.
-- grain: one row per millesime x source_row
-- columns:
--   millesime: year of the grid
--   source_row: row of the commune in its sheet
--   code_source: commune code as published
--   code_commune: commune of the target COG (NULL when not placed)
--   methode: identique, arrondissement municipal or mouvements
--   raison_quarantaine: why the row could not be placed (NULL when placed)
--   classe_densite: density class of the row (1 to 7)
--   population_grille: population of the row (NULL when the file has none)
select
    grd.millesime,
    grd.source_row,
    grd.code_commune as code_source,
    pas.code_commune,
    pas.methode,
    case
        when grd.code_commune is null then 'no commune code'
        when grd.classe_densite is null then 'no density class'
        when pas.code_source is null
            then 'code unknown to the target COG and to its movements since 1 January '
            || grd.millesime
        else pas.raison_non_placee
    end as raison_quarantaine,
    grd.classe_densite,
    grd.population_grille
from staging.stg_insee__grille_densite as grd
left join intermediate.int_cog__passage_communes as pas
    on grd.code_commune = pas.code_source
    and coalesce(pas.annee_geographie, grd.millesime) = grd.millesime
    and grd.classe_densite is not null
