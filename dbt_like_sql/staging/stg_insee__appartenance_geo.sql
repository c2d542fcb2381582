-- Supra-communal zonings of every commune, per millésime of INSEE's table d'appartenance.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: edition (geography on 1 January of that year)
--   code_commune: commune code
--   libelle: commune name
--   code_departement: département
--   code_region: région
--   code_epci: SIREN of the EPCI (NULL when the commune belongs to none)
--   code_bv2022: bassin de vie 2022 (code of its pôle commune)
--   code_zone_emploi: zone d'emploi 2020
--   code_unite_urbaine: unité urbaine 2020
--   code_aire_attraction: aire d'attraction des villes 2020
select
    app.millesime,
    app.codgeo as code_commune,
    app.libgeo as libelle,
    app.dep as code_departement,
    app.reg as code_region,
    nullif(app.epci, 'ZZZZZZZZZ') as code_epci,
    app.bv2022 as code_bv2022,
    app.ze2020 as code_zone_emploi,
    app.uu2020 as code_unite_urbaine,
    app.aav2020 as code_aire_attraction
from raw.insee__appartenance_geo as app
