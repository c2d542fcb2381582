-- The diagnostic summary that opens a profile: the indicators where the territory is in the
-- worst quartile of its comparable territories (position defavorable) and those where it is in
-- the best (favorable), at the latest edition of each indicator's source. The unfavourable list
-- is ranked by the population the indicator concerns (largest first; see
-- marts.territoires__comparaisons for what "concerned" means per family), then by how far the
-- territory is from the group's middle (|percentile - 0.5|); the favourable list by that
-- distance alone (what is satisfactory concerns everyone). Only indicators with a direction (sens 1 or -1) and a
-- group of at least 4 territories with a value can be placed in a quartile; a territory whose
-- group is smaller, or without a group (France), has no row. Reads the variable profil_refs: for
-- every territory asked (`cle`), the territory (rang 0) and its references, a list of
-- struct(cle, rang, role, niveau, code_territoire); one run answers for all of them (only rang
-- 0 is read). Variables: diagnostic_max (the longest list per position; NULL: no limit).
-- grain: one row per cle x position x indicateur
-- columns:
--   cle: the territory asked (its rank in the batch)
--   position: defavorable (worst quartile: insatisfaisant) or favorable (best quartile: satisfaisant)
--   rang: rank within the position (1 first: see the ranking above)
--   indicateur: code of the indicator (famille:code)
--   famille: services_densite, services_distance, sante_densite, sante_accessibilite
--   libelle_indicateur: the indicator in French
--   unite: pour_10000_hab, km, apl or part
--   sens: 1 a high value is favourable, -1 a low value is
--   millesime: edition of the source the figures are from
--   valeur: the territory's value
--   premier_quartile: first quartile of its comparable territories
--   mediane: median of its comparable territories
--   troisieme_quartile: third quartile of its comparable territories
--   percentile: percent_rank of the value among them (0 lowest, 1 highest)
--   nb_territoires_groupe: comparable territories with a value (itself included)
--   population_concernee: inhabitants concerned (the ranking key)
--   libelle_groupe: the comparable group in French
with profil_refs as (
    select unnest(getvariable('profil_refs'), recursive := true)
),

territoires as (
    select ref.cle, ref.niveau, ref.code_territoire
    from profil_refs as ref
    where ref.rang = 0
),

dernieres as (
    select cmp.famille, max(cmp.millesime) as millesime
    from marts.territoires__comparaisons as cmp
    group by cmp.famille
),

retenus as (
    select
        ter.cle,
        cmp.position,
        row_number() over (
            partition by ter.cle, cmp.position
            order by
                case when cmp.position = 'defavorable' then cmp.population_concernee end
                    desc nulls last,
                abs(cmp.percentile - 0.5) desc,
                cmp.indicateur
        ) as rang,
        cmp.indicateur,
        cmp.famille,
        cmp.libelle_indicateur,
        cmp.unite,
        cmp.sens,
        cmp.millesime,
        cmp.valeur,
        cmp.premier_quartile,
        cmp.mediane,
        cmp.troisieme_quartile,
        cmp.percentile,
        cmp.nb_territoires_groupe,
        cmp.population_concernee,
        cmp.libelle_groupe
    from territoires as ter
    inner join marts.territoires__comparaisons as cmp
        on ter.niveau = cmp.niveau and ter.code_territoire = cmp.code_territoire
    inner join dernieres as der
        on cmp.famille = der.famille and cmp.millesime = der.millesime
    where cmp.position in ('defavorable', 'favorable')
)

select ret.*
from retenus as ret
where getvariable('diagnostic_max') is null or ret.rang <= getvariable('diagnostic_max')
order by ret.cle, ret.position = 'favorable', ret.rang
