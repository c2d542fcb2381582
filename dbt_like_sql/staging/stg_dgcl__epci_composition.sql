-- Member communes of every EPCI à fiscalité propre, per millésime of the DGCL file.
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: DGCL edition (perimeters on 1 January of that year)
--   code_commune: member commune
--   code_epci: SIREN of the EPCI
--   libelle_epci: name of the EPCI
--   nature_epci: CA, CC, CU, METRO or MET69
--   code_departement_siege: département of the EPCI's seat
select
    epci.millesime,
    epci.insee as code_commune,
    epci.siren as code_epci,
    epci.raison_sociale as libelle_epci,
    epci.nature_juridique as nature_epci,
    epci.dept as code_departement_siege
from raw.dgcl__epci_composition as epci
