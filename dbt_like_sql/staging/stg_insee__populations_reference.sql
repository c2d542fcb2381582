-- Populations de référence per commune and millésime, as published: Paris, Lyon and Marseille
-- by arrondissement municipal, codes in the COG of the file (millésime + 2).
-- grain: one row per millesime x code_commune
-- columns:
--   millesime: census reference year (in force on 1 January of millesime + 3)
--   source_row: line of the row in its file
--   code_commune: commune (or arrondissement municipal) code in the file's own geography
--   libelle_commune: name as published
--   code_departement: département code as published
--   population_municipale: PMUN, the population used for densities
--   population_comptee_a_part: PCAP (students, institutions... counted in another commune)
--   population_totale: PTOT = PMUN + PCAP (double-counts across communes)
select
    pop.millesime,
    pop.source_row,
    pop.code_commune,
    pop.libelle_commune,
    pop.code_departement,
    cast(pop.pmun as bigint) as population_municipale,
    cast(pop.pcap as bigint) as population_comptee_a_part,
    cast(pop.ptot as bigint) as population_totale
from raw.insee__populations_reference as pop
