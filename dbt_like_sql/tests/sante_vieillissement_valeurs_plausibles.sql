-- Age structures are well formed: shares in [0, 1], the bands add up to the practitioners of
-- known age (observed figures), and expected departures never exceed the practitioners.
-- asset: marts.sante__vieillissement
select vie.niveau, vie.code_territoire, vie.profession, vie.annee, vie.source
from marts.sante__vieillissement as vie
where
    vie.part_55_ans_et_plus not between 0 and 1
    or vie.part_60_ans_et_plus not between 0 and 1
    or vie.part_65_ans_et_plus not between 0 and 1
    or vie.part_65_ans_et_plus > vie.part_60_ans_et_plus
    or vie.part_60_ans_et_plus > vie.part_55_ans_et_plus
    or vie.departs_5_ans_estimes > vie.effectif + 0.01
    or (
        not vie.estimation
        and vie.effectif_moins_40_ans is not null
        and abs(
            vie.effectif_moins_40_ans + vie.effectif_40_54_ans + vie.effectif_55_59_ans
            + vie.effectif_60_64_ans + vie.effectif_65_ans_et_plus
            - (vie.effectif - vie.effectif_age_inconnu)
        ) > 0.01
    )
