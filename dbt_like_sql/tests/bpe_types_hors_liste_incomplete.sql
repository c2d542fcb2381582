-- Facility types absent from an INCOMPLETE list of their edition (the seed's 2024 and 2025
-- lists) are kept, not quarantined: this warning lists them, so ingesting INSEE's official
-- list for that edition can settle them.
-- asset: intermediate.int_bpe__placement
-- severity: warn
select plc.millesime, plc.typequ, count(*) as equipements
from intermediate.int_bpe__placement as plc
where plc.type_connu = false and plc.raison_quarantaine is null
group by plc.millesime, plc.typequ
