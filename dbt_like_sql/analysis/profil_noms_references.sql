-- The names of the territories a profile compares with: départements, régions and France.
-- grain: one row per niveau x code_territoire
select ter.niveau, ter.code_territoire, ter.libelle from marts.territoires as ter where ter.niveau in ('departement', 'region', 'france')
