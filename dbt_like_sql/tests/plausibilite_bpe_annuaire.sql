-- Cross-source plausibility: per département, the BPE's count of general practitioners (type
-- D265 and its earlier codes, latest edition) and the Annuaire santé's libéral GP headcount
-- (latest extraction) are within a factor 3 of each other. The two count differently (the BPE
-- one per practitioner and site, the Annuaire people split over their communes) and are not of
-- the same date, so a gap is reported, not blocking; a larger one means a source or a join
-- went wrong. Départements where both count fewer than 5 are left out (ratios of small numbers).
-- asset: marts.sante__densite
-- severity: warn
with bpe as (
    select den.code_territoire, den.nb_equipements
    from marts.services__densite as den
    where den.niveau = 'departement'
        and den.type_agregat = 'typequ'
        and den.code_serie = 'D265'
        and den.millesime = (select max(d2.millesime) from marts.services__densite as d2)
),

annuaire as (
    select san.code_territoire, san.effectif
    from marts.sante__densite as san
    where san.niveau = 'departement'
        and san.profession = 'medecin_generaliste'
        and san.mode = 'liberal'
        and san.millesime = (select max(s2.millesime) from marts.sante__densite as s2)
)

select ann.code_territoire, bpe.nb_equipements as bpe_medecins_generalistes,
    ann.effectif as annuaire_generalistes_liberaux
from annuaire as ann
full outer join bpe on ann.code_territoire = bpe.code_territoire
where greatest(coalesce(ann.effectif, 0), coalesce(bpe.nb_equipements, 0)) >= 5
    and (
        coalesce(ann.effectif, 0) > 3 * coalesce(bpe.nb_equipements, 0)
        or coalesce(bpe.nb_equipements, 0) > 3 * coalesce(ann.effectif, 0)
    )
