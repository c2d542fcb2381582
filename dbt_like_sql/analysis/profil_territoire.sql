-- The territory with the code given (any case) at every level that has it, the built-in levels
-- first: the profile takes the first row and names the other levels. Variables: code, niveau
-- (NULL: any level), ordre (the built-in levels, in order).
-- grain: one row per niveau x code_territoire
select ter.niveau, ter.code_territoire, ter.libelle, ter.code_departement, ter.code_region,
    ter.nb_communes
from marts.territoires as ter
where upper(ter.code_territoire) = upper(trim(getvariable('code')))
    and (getvariable('niveau') is null or ter.niveau = getvariable('niveau'))
order by coalesce(list_position(getvariable('ordre'), ter.niveau), 100), ter.niveau
