-- Each territory against its comparable territories (marts.territoires__profils: same level,
-- density class and size band), indicator by indicator, at every edition of each source: the
-- first quartile, median and third quartile of the group, the number of territories with a
-- value, and the territory's percentile among them. The indicators are those the profile
-- shows: facilities per 10,000 inhabitants per gamme and domaine (services__densite; 0 for a
-- territory with inhabitants and no facility), straight-line distance to the nearest facility
-- per service (services__acces), health professionals per 10,000 inhabitants per profession
-- (sante__densite, all modes; 0 when none), GP accessibility and the share of the population in
-- an under-served commune (sante__accessibilite_mg), and the share aged 75 and over
-- (population). Quartiles are continuous (quantile_cont, as R's type 7); the percentile is
-- percent_rank over the group in increasing order of the value (0: the lowest, 1: the highest).
-- `sens` says whether a high value is favourable (1: densities, APL), unfavourable (-1:
-- distances, under-served share) or neither (0: share aged 75+, a context figure); `position`
-- is defavorable when the value is strictly worse than the group's unfavourable quartile,
-- favorable when strictly better than the favourable one, intermediaire otherwise, and NULL
-- when sens is 0 or the group has fewer than 4 territories with a value (no quartile to speak
-- of). Strict comparisons keep a group whose values are all equal (all 0) out of both ends.
-- `population_concernee` ranks the diagnostic: the territory's population for densities and
-- APL (the supply is shared by all), its population farther than 10 km for a distance, its
-- population in under-served communes for the under-served share, its population aged 75+ for
-- that share. France, alone of its level, has no comparables and no row.
-- grain: one row per niveau x code_territoire x millesime x indicateur
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: percentile, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: nb_territoires_groupe, min_value: 1}
--   expect: column_values_to_be_in_set {column: sens, value_set: [-1, 0, 1]}
--   expect: column_values_to_be_in_set {column: position, value_set: [defavorable, intermediaire, favorable]}
--   expect: column_values_to_be_in_set {column: famille, value_set: [services_densite, services_distance, sante_densite, sante_accessibilite, population]}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, or a custom level name
--   code_territoire: code of the territory in its level
--   millesime: edition of the indicator's source (BPE edition, Annuaire santé extraction, populations de référence)
--   indicateur: code of the indicator (famille:code, e.g. services_densite:gamme:proximite, services_distance:<regroupement>, sante_densite:medecin_generaliste, sante_accessibilite:apl_mg)
--   famille: services_densite, services_distance, sante_densite, sante_accessibilite or population
--   libelle_indicateur: the indicator in French
--   unite: pour_10000_hab, km, apl (consultations per year per standardised inhabitant) or part (0 to 1)
--   sens: 1 a high value is favourable, -1 a low value is, 0 neither
--   valeur: the territory's value
--   population_concernee: inhabitants the indicator concerns (see above), to rank the diagnostic
--   code_groupe: the comparable group (marts.territoires__profils)
--   libelle_groupe: the group in French
--   nb_territoires_groupe: territories of the group with a value for this indicator and edition (itself included)
--   premier_quartile: first quartile of the group's values
--   mediane: median of the group's values
--   troisieme_quartile: third quartile of the group's values
--   percentile: percent_rank of the value in the group, increasing (0 lowest, 1 highest; 0 when alone)
--   position: defavorable (worst quartile), favorable (best quartile) or intermediaire; NULL when sens is 0 or fewer than 4 territories have a value
with profils as (
    select pro.niveau, pro.code_territoire, pro.code_groupe, pro.libelle_groupe,
        pro.population_municipale
    from marts.territoires__profils as pro
    where pro.code_groupe is not null
),

agregats as (
    select den.millesime, den.type_agregat, den.code_agregat,
        min(den.libelle_agregat) as libelle_agregat
    from marts.services__densite as den
    where (den.type_agregat = 'gamme' and den.code_agregat <> 'hors_gamme')
        or den.type_agregat = 'dom'
    group by den.millesime, den.type_agregat, den.code_agregat
),

presents_bpe as (
    -- a territory with a population that edition: no row in services__densite means none
    select distinct gam.niveau, gam.code_territoire, gam.millesime
    from marts.services__gammes as gam
),

services_densite as (
    select
        pre.niveau,
        pre.code_territoire,
        pre.millesime,
        'services_densite:' || agr.type_agregat || ':' || agr.code_agregat as indicateur,
        'services_densite' as famille,
        case when agr.type_agregat = 'gamme'
            then 'Équipements de la gamme ' || case agr.code_agregat
                when 'proximite' then 'de proximité'
                when 'intermediaire' then 'intermédiaire'
                when 'superieure' then 'supérieure'
                else agr.code_agregat end
            else upper(left(agr.libelle_agregat, 1)) || lower(substr(agr.libelle_agregat, 2))
        end || ' pour 10 000 habitants' as libelle_indicateur,
        'pour_10000_hab' as unite,
        1 as sens,
        cast(coalesce(den.pour_10000_hab, 0) as double) as valeur,
        cast(null as double) as population_concernee
    from presents_bpe as pre
    inner join agregats as agr on pre.millesime = agr.millesime
    left join marts.services__densite as den
        on pre.niveau = den.niveau
        and pre.code_territoire = den.code_territoire
        and pre.millesime = den.millesime
        and agr.type_agregat = den.type_agregat
        and agr.code_agregat = den.code_agregat
),

services_distance as (
    select
        acc.niveau,
        acc.code_territoire,
        acc.millesime,
        'services_distance:' || acc.code_regroupement,
        'services_distance',
        'Distance à : ' || acc.libelle_regroupement,
        'km',
        -1,
        cast(acc.distance_km as double),
        acc.population_municipale * acc.part_population_plus_10_km
    from marts.services__acces as acc
    where acc.distance_km is not null
),

extractions as (
    select distinct den.millesime, den.profession from marts.sante__densite as den
),

connus_sante as (
    -- a territory with a population: no row in sante__densite means no practitioner
    select distinct pop.niveau, pop.code_territoire from marts.population as pop
),

sante_densite as (
    select
        con.niveau,
        con.code_territoire,
        ext.millesime,
        'sante_densite:' || ext.profession,
        'sante_densite',
        case ext.profession
            when 'medecin_generaliste' then 'Médecins généralistes'
            when 'medecin_specialiste' then 'Médecins spécialistes'
            when 'infirmier' then 'Infirmiers'
            when 'masseur_kinesitherapeute' then 'Masseurs-kinésithérapeutes'
            when 'chirurgien_dentiste' then 'Chirurgiens-dentistes'
            when 'sage_femme' then 'Sages-femmes'
            when 'pharmacien' then 'Pharmaciens'
            else ext.profession
        end || ' pour 10 000 habitants',
        'pour_10000_hab',
        1,
        cast(coalesce(den.pour_10000_hab, 0) as double),
        cast(null as double)
    from connus_sante as con
    cross join extractions as ext
    left join marts.sante__densite as den
        on con.niveau = den.niveau
        and con.code_territoire = den.code_territoire
        and ext.millesime = den.millesime
        and ext.profession = den.profession
        and den.mode = 'ensemble'
),

apl as (
    select apl.*, pro.population_municipale as population_profil
    from marts.sante__accessibilite_mg as apl
    left join marts.territoires__profils as pro
        on apl.niveau = pro.niveau and apl.code_territoire = pro.code_territoire
),

sante_accessibilite as (
    select apl.niveau, apl.code_territoire, apl.millesime,
        'sante_accessibilite:apl_mg', 'sante_accessibilite',
        'Accessibilité aux médecins généralistes (APL)', 'apl', 1,
        cast(apl.apl_mg as double), cast(null as double)
    from apl
    where apl.apl_mg is not null
    union all
    select apl.niveau, apl.code_territoire, apl.millesime,
        'sante_accessibilite:apl_mg_hors_65_ans', 'sante_accessibilite',
        'Accessibilité aux médecins généralistes de moins de 65 ans (APL)', 'apl', 1,
        cast(apl.apl_mg_hors_65_ans as double), cast(null as double)
    from apl
    where apl.apl_mg_hors_65_ans is not null
    union all
    select apl.niveau, apl.code_territoire, apl.millesime,
        'sante_accessibilite:part_population_sous_dense', 'sante_accessibilite',
        'Part de la population en commune sous-dense (APL < 2,5)', 'part', -1,
        cast(apl.part_population_sous_dense as double),
        apl.population_profil * apl.part_population_sous_dense
    from apl
    where apl.part_population_sous_dense is not null
),

part_75_ans as (
    select
        pop.niveau,
        pop.code_territoire,
        pop.millesime,
        'population:part_75_ans_et_plus',
        'population',
        'Part des 75 ans et plus',
        'part',
        0,
        cast(pop.part_75_ans_et_plus as double),
        pop.population_municipale * pop.part_75_ans_et_plus
    from marts.population as pop
    where pop.part_75_ans_et_plus is not null
),

valeurs as (
    select * from services_densite
    union all select * from services_distance
    union all select * from sante_densite
    union all select * from sante_accessibilite
    union all select * from part_75_ans
),

dans_groupe as (
    select
        val.niveau,
        val.code_territoire,
        val.millesime,
        val.indicateur,
        val.famille,
        val.libelle_indicateur,
        val.unite,
        val.sens,
        val.valeur,
        coalesce(val.population_concernee, pro.population_municipale) as population_concernee,
        pro.code_groupe,
        pro.libelle_groupe
    from valeurs as val
    inner join profils as pro
        on val.niveau = pro.niveau and val.code_territoire = pro.code_territoire
),

statistiques as (
    select
        dgr.*,
        count(*) over groupe as nb_territoires_groupe,
        quantile_cont(dgr.valeur, 0.25) over groupe as premier_quartile,
        quantile_cont(dgr.valeur, 0.5) over groupe as mediane,
        quantile_cont(dgr.valeur, 0.75) over groupe as troisieme_quartile,
        percent_rank() over (
            partition by dgr.code_groupe, dgr.millesime, dgr.indicateur order by dgr.valeur
        ) as percentile
    from dans_groupe as dgr
    window groupe as (partition by dgr.code_groupe, dgr.millesime, dgr.indicateur)
)

select
    sta.niveau,
    sta.code_territoire,
    sta.millesime,
    sta.indicateur,
    sta.famille,
    sta.libelle_indicateur,
    sta.unite,
    sta.sens,
    sta.valeur,
    sta.population_concernee,
    sta.code_groupe,
    sta.libelle_groupe,
    sta.nb_territoires_groupe,
    sta.premier_quartile,
    sta.mediane,
    sta.troisieme_quartile,
    sta.percentile,
    case
        when sta.sens = 0 or sta.nb_territoires_groupe < 4 then null
        when sta.sens * sta.valeur < least(sta.sens * sta.premier_quartile,
            sta.sens * sta.troisieme_quartile) then 'defavorable'
        when sta.sens * sta.valeur > greatest(sta.sens * sta.premier_quartile,
            sta.sens * sta.troisieme_quartile) then 'favorable'
        else 'intermediaire'
    end as position
from statistiques as sta
