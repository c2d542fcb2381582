-- A row of seeds.implantations_seuils_chevauchement naming a service (not `*`) matches a service
-- of the latest edition; otherwise the gamme's threshold applies to it silently (a typo, or a
-- regroupement code the gammes workbook spells otherwise).
-- asset: marts.implantations__chevauchements
-- severity: warn
select trim(see.gamme) as gamme, trim(see.code_regroupement) as code_regroupement,
    'service inconnu de la dernière édition' as probleme
from seeds.implantations_seuils_chevauchement as see
where trim(see.code_regroupement) <> '*'
    and trim(see.code_regroupement) not in (
        select reg.code_regroupement
        from intermediate.int_bpe__regroupements as reg
        where reg.millesime = (select max(dis.millesime) from intermediate.int_bpe__distances as dis)
    )
