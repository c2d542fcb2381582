-- Which services each commune of the target COG has, per BPE edition: the facilities of every
-- type a service (regroupement) counts.
-- grain: one row per millesime x code_commune x code_regroupement (services present only)
-- columns:
--   millesime: BPE edition
--   code_commune: commune of the target COG
--   code_regroupement: service
--   gamme: gamme of the service
--   nb_equipements: facilities of the service in the commune
select
    equ.millesime,
    equ.code_commune,
    reg.code_regroupement,
    reg.gamme,
    sum(equ.nb_equipements) as nb_equipements
from intermediate.int_bpe__equipements as equ
inner join intermediate.int_bpe__regroupements as reg
    on equ.millesime = reg.millesime and equ.code_serie = reg.code_serie
group by equ.millesime, equ.code_commune, reg.code_regroupement, reg.gamme
