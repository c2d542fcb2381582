-- The greedy choice stays close to the optimum: wherever both ran, the greedy set of k new
-- facilities saves at most 2 % less than the exact one (ecart_glouton). Above, the mart still
-- gives the optimal set, but the greedy that stands alone on the largest problems may be
-- missing more than that: a warning to read the bound (ecart_glouton_max) there.
-- asset: marts.implantations__services
-- severity: warn
select imp.niveau, imp.code_territoire, imp.code_regroupement, imp.nombre_implantations,
    imp.ecart_glouton
from marts.implantations__services as imp
where imp.rang = 1 and imp.ecart_glouton > 0.02
