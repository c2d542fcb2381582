-- Territories defined by the user (OBSERVATORY_CUSTOM_TERRITORIES), already checked against the
-- target COG: each row puts one commune in one territory of one custom level.
-- grain: one row per niveau x code_commune
-- columns:
--   niveau: name of the custom level (e.g. pays)
--   code_territoire: code of the territory in that level
--   libelle: name of the territory
--   code_commune: member commune (target COG)
select
    perso.niveau,
    perso.code_territoire,
    perso.libelle,
    perso.code_commune
from raw.utilisateur__territoires_personnalises as perso
