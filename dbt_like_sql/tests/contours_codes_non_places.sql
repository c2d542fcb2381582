-- Outlines of the latest millésime whose commune code cannot be placed on the target COG (a
-- code unknown to the COG and its movements, or whose movements end on several communes): they
-- are left out of intermediate.int_cog__contours_communes, so each is listed here rather than
-- dropped silently. Arrondissements municipaux are placed through their commune's own outline.
-- asset: intermediate.int_cog__contours_communes
-- severity: warn
with dernier as (
    select max(ctr.millesime) as millesime from staging.stg_etalab__contours_communes as ctr
)

select ctr.millesime, ctr.code_commune, ctr.libelle, pas.raison_non_placee
from staging.stg_etalab__contours_communes as ctr
inner join dernier as der on ctr.millesime = der.millesime
left join intermediate.int_cog__passage_communes as pas
    on ctr.code_commune = pas.code_source
    and coalesce(pas.annee_geographie, ctr.millesime) = ctr.millesime
where pas.code_commune is null
