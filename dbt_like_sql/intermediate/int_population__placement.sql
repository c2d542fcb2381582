-- Every row of the populations de référence placed on a commune of the target COG, or not.
-- A file of millésime M is coded in the COG of M + 2 (populations 2023: COG 2025). Rows that
-- cannot be placed keep a NULL code_commune and their reason (they form the quarantine), so
-- rows in = rows placed + rows quarantined.
-- grain: one row per millesime x source_row
-- columns:
--   millesime: census reference year of the populations de référence
--   source_row: line of the row in its file
--   code_source: commune code as published
--   annee_geographie: COG year of the file's codes (millesime + 2)
--   code_commune: commune of the target COG (NULL when not placed)
--   methode: identique, arrondissement municipal or mouvements
--   raison_quarantaine: why the row could not be placed (NULL when placed)
--   scission_posterieure: the commune lost territory to a scission after the file's geography
--   population_municipale: PMUN as published
--   population_comptee_a_part: PCAP as published
--   population_totale: PTOT as published
select
    pop.millesime,
    pop.source_row,
    pop.code_commune as code_source,
    pop.millesime + 2 as annee_geographie,
    pas.code_commune,
    pas.methode,
    case
        when pop.code_commune is null then 'no commune code'
        when pas.code_source is null
            then 'code unknown to the target COG and to its movements since 1 January '
            || (pop.millesime + 2)
        else pas.raison_non_placee
    end as raison_quarantaine,
    exists (
        select 1 from intermediate.int_cog__scissions as sci
        where sci.code_commune_origine = pas.code_commune
            and sci.date_effet > make_date(pop.millesime + 2, 1, 1)
    ) as scission_posterieure,
    pop.population_municipale,
    pop.population_comptee_a_part,
    pop.population_totale
from staging.stg_insee__populations_reference as pop
left join intermediate.int_cog__passage_communes as pas
    on pop.code_commune = pas.code_source
    and coalesce(pas.annee_geographie, pop.millesime + 2) = pop.millesime + 2
