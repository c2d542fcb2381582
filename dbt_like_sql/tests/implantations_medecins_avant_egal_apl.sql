-- The "before" side of the GP candidates is the published accessibility: the territory's mean
-- APL and under-served share equal marts.sante__accessibilite_mg's for the same millesime, and
-- the GP never lowers them (mean APL after >= before, share after <= before).
-- asset: marts.implantations__medecins
select imp.niveau, imp.code_territoire, imp.millesime, imp.rang, imp.apl_mg_avant, acc.apl_mg
from marts.implantations__medecins as imp
left join marts.sante__accessibilite_mg as acc
    on imp.niveau = acc.niveau
    and imp.code_territoire = acc.code_territoire
    and imp.millesime = acc.millesime
where
    acc.apl_mg is null
    or abs(imp.apl_mg_avant - acc.apl_mg) > 0.0001
    or abs(imp.part_population_sous_dense_avant - acc.part_population_sous_dense) > 0.000001
    or imp.apl_mg_apres < imp.apl_mg_avant
    or imp.part_population_sous_dense_apres > imp.part_population_sous_dense_avant
