-- Every commune of the target COG belongs to exactly one EPCI à fiscalité propre, except the
-- four single-commune islands the law leaves outside any EPCI: Île-de-Bréhat (22016),
-- Île-de-Sein (29083), Ouessant (29155) and L'Île-d'Yeu (85113). Checked when the DGCL
-- composition of the target COG year is ingested.
-- asset: marts.territoires__communes
with epci_present as (
    select count(*) > 0 as present
    from marts.territoires__communes as tc
    where tc.niveau = 'epci'
),

comptes as (
    select cib.code_commune, count(tc.code_territoire) as nb_epci
    from intermediate.int_cog__communes_cible as cib
    left join marts.territoires__communes as tc
        on cib.code_commune = tc.code_commune and tc.niveau = 'epci'
    group by cib.code_commune
)

select cpt.code_commune, cpt.nb_epci
from comptes as cpt
cross join epci_present as epr
where
    epr.present
    and cpt.nb_epci <> 1
    and not (cpt.nb_epci = 0 and cpt.code_commune in ('22016', '29083', '29155', '85113'))
