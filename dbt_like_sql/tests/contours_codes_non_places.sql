-- Outlines of the latest millésime whose commune code cannot be placed on the target COG (a
-- code unknown to the COG and its movements, or whose movements end on several communes): they
-- are left out of intermediate.int_cog__contours_communes, so each is listed here rather than
-- dropped silently. Arrondissements municipaux are placed through their commune's own outline.
-- The collectivités d'outre-mer (975, 977, 978, 98x) are in Etalab's file but not in the COG's
-- communes: left out on purpose, not listed.
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
    and not regexp_matches(ctr.code_commune, '^(975|977|978|98)')
