-- Activities of the Annuaire santé extraction, typed: one row per person x site x savoir-faire.
-- Names are not ingested. Codes are kept as published; `code_commune` is the site's commune in
-- the current COG (arrondissement codes in Paris, Lyon, Marseille).
-- grain: one row per millesime x source_row
-- columns:
--   millesime: year of the extraction
--   source_row: line of the activity in the file
--   identifiant: national identifier of the person (RPPS or ADELI)
--   code_profession: profession code (10 médecin, 21 pharmacien, 40 chirurgien-dentiste, 50 sage-femme, 60/69 infirmier, 70 masseur-kinésithérapeute...)
--   libelle_profession: profession label
--   code_categorie: C civil, M militaire, E étudiant
--   code_type_savoir_faire: S spécialité ordinale, CAPA capacité...
--   code_savoir_faire: savoir-faire (specialty) code
--   libelle_savoir_faire: savoir-faire label
--   mode_exercice: L libéral, S salarié, B bénévole
--   code_secteur_activite: sector of the site (SA05 centre de santé, SA01 hôpital public...)
--   identifiant_structure: technical identifier of the site
--   code_commune: commune of the site, as published
--   code_postal: postcode of the site
--   bureau_cedex: delivery office line ("01990 BOURG", or a CEDEX one: the postcode is then not a commune's)
select
    ann.millesime,
    ann.source_row,
    ann.identification_nationale as identifiant,
    ann.code_profession,
    ann.libelle_profession,
    ann.code_categorie,
    ann.code_type_savoir_faire,
    ann.code_savoir_faire,
    ann.libelle_savoir_faire,
    ann.code_mode_exercice as mode_exercice,
    ann.code_secteur_activite,
    ann.identifiant_structure,
    ann.code_commune,
    ann.code_postal,
    ann.bureau_cedex
from raw.ans__annuaire_sante as ann
