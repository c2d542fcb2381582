-- The latest edition of each source in the published marts: populations, BPE, Annuaire santé, APL.
-- grain: one row (the whole file)
select
    (select max(pop.millesime) from marts.population as pop) as population,
    (select max(gam.millesime) from marts.services__gammes as gam) as bpe,
    (select max(den.millesime) from marts.sante__densite as den) as sante,
    (select max(apl.millesime) from marts.sante__accessibilite_mg as apl) as apl
