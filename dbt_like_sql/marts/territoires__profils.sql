-- The profile of every territory of every level of marts.territoires, which defines its
-- comparable territories: its density class, its size band and the group they make.
--   Density class: the class of the median inhabitant. Member communes (target COG) carry the
--   class of the latest grille communale de densité (int_densite__communes); ordered from the
--   densest class (1) to the least dense (7), the class at which the cumulated population
--   municipale (latest millésime) reaches half of the territory's is retained. This is the
--   population-weighted median of an ordinal scale: unlike a rounded mean it is always a class
--   the territory's inhabitants live in, and unlike the majority class it does not hang on a
--   plurality of 35 %. A commune keeps its own class; a territory without inhabitants weighs
--   its communes equally.
--   Size band: the band of seeds.territoires_tranches_taille holding its population municipale
--   (bands per level; `*` for custom levels).
--   Group: same level, same density class, same size band; named in French ("EPCI ruraux à
--   habitat dispersé de 10 000 à 30 000 habitants").
-- grain: one row per niveau x code_territoire
-- validation suite (Great Expectations; see README, Validation):
--   tests: codes_connus
--   expect: column_values_to_be_between {column: classe_densite, min_value: 1, max_value: 7}
--   expect: column_values_to_be_between {column: part_population_classe_majoritaire, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: part_population_rurale, min_value: 0, max_value: 1}
--   expect: column_values_to_be_between {column: nb_territoires_groupe, min_value: 1}
-- columns:
--   niveau: commune, epci, bv2022, departement, region, france, or a custom level name
--   code_territoire: code of the territory in its level
--   libelle: name of the territory
--   millesime_population: millésime of the populations de référence used (the latest)
--   population_municipale: population municipale of the territory that millésime
--   millesime_grille: year of the grille communale de densité used (the latest ingested)
--   classe_densite: density class of the median inhabitant (1 grands centres urbains to 7 rural à habitat très dispersé; NULL when no member commune has a class)
--   libelle_classe_densite: INSEE's label of that class
--   classe_densite_3: the class in INSEE's 3-level grid (1 dense, 2 intermédiaire, 3 rural)
--   classe_densite_majoritaire: the class holding the largest share of the population (ties: the denser)
--   part_population_classe_majoritaire: that share (0 to 1)
--   part_population_rurale: share of the population in classes 5 to 7 (bourgs ruraux and rural dispersé; 0 to 1)
--   nb_communes_sans_classe: member communes absent from the grid (left out of the shares)
--   rang_tranche_taille: rank of the size band within the level (1: the smallest)
--   libelle_tranche_taille: the band in words ("de 10 000 à 30 000 habitants")
--   code_groupe: the comparable group, niveau|classe_densite|rang_tranche_taille (NULL without a class or a population)
--   libelle_groupe: the group in French ("EPCI ruraux à habitat dispersé de 10 000 à 30 000 habitants")
--   nb_territoires_groupe: territories of the level in the group (itself included)
with population_millesime as (
    select max(pop.millesime) as millesime from marts.population as pop
),

grille_millesime as (
    select max(den.millesime) as millesime from intermediate.int_densite__communes as den
),

populations as (
    select pop.niveau, pop.code_territoire, pop.millesime, pop.population_municipale
    from marts.population as pop
    inner join population_millesime as pmi on pop.millesime = pmi.millesime
),

communes as (
    select
        tco.niveau,
        tco.code_territoire,
        tco.code_commune,
        den.classe_densite,
        coalesce(pop.population_municipale, 0) as population
    from marts.territoires__communes as tco
    cross join grille_millesime as gmi
    left join intermediate.int_densite__communes as den
        on tco.code_commune = den.code_commune and den.millesime = gmi.millesime
    left join populations as pop
        on pop.niveau = 'commune' and tco.code_commune = pop.code_territoire
),

totaux as (
    select
        com.niveau,
        com.code_territoire,
        sum(com.population) filter (where com.classe_densite is not null) as population_classee,
        count(*) filter (where com.classe_densite is null) as nb_communes_sans_classe
    from communes as com
    group by com.niveau, com.code_territoire
),

par_classe as (
    select
        com.niveau,
        com.code_territoire,
        com.classe_densite,
        sum(case when tot.population_classee > 0 then com.population else 1 end) as poids
    from communes as com
    inner join totaux as tot
        on com.niveau = tot.niveau and com.code_territoire = tot.code_territoire
    where com.classe_densite is not null
    group by com.niveau, com.code_territoire, com.classe_densite
),

cumuls as (
    select
        pcl.*,
        sum(pcl.poids) over (
            partition by pcl.niveau, pcl.code_territoire order by pcl.classe_densite
        ) as poids_cumule,
        sum(pcl.poids) over (partition by pcl.niveau, pcl.code_territoire) as poids_total
    from par_classe as pcl
),

densite as (
    select
        cum.niveau,
        cum.code_territoire,
        min(cum.classe_densite) filter (where cum.poids_cumule * 2 >= cum.poids_total)
            as classe_densite,
        arg_max(cum.classe_densite, [cum.poids, -cum.classe_densite])
            as classe_densite_majoritaire,
        max(cum.poids) / max(cum.poids_total) as part_population_classe_majoritaire,
        coalesce(sum(cum.poids) filter (where cum.classe_densite >= 5), 0)
            / max(cum.poids_total) as part_population_rurale
    from cumuls as cum
    group by cum.niveau, cum.code_territoire
),

tranches as (
    select
        tra.niveau,
        cast(tra.rang as integer) as rang,
        cast(tra.population_min as bigint) as population_min,
        cast(nullif(tra.population_max, '') as bigint) as population_max,
        tra.libelle
    from seeds.territoires_tranches_taille as tra
),

classes as (
    select
        cast(cls.classe_densite as integer) as classe_densite,
        cls.libelle,
        cast(cls.classe_densite_3 as integer) as classe_densite_3,
        cls.qualificatif_masculin,
        cls.qualificatif_feminin
    from seeds.grille_densite_classes as cls
),

profils as (
    select
        ter.niveau,
        ter.code_territoire,
        ter.libelle,
        pmi.millesime as millesime_population,
        pop.population_municipale,
        gmi.millesime as millesime_grille,
        den.classe_densite,
        cls.libelle as libelle_classe_densite,
        cls.classe_densite_3,
        den.classe_densite_majoritaire,
        den.part_population_classe_majoritaire,
        den.part_population_rurale,
        coalesce(tot.nb_communes_sans_classe, 0) as nb_communes_sans_classe,
        tra.rang as rang_tranche_taille,
        tra.libelle as libelle_tranche_taille,
        case
            when den.classe_densite is not null and tra.rang is not null and ter.niveau <> 'france'
                then ter.niveau || '|' || den.classe_densite || '|' || tra.rang
        end as code_groupe,
        case when den.classe_densite is not null and tra.rang is not null
            and ter.niveau <> 'france' then
        case ter.niveau
            when 'commune' then 'Communes ' || cls.qualificatif_feminin
            when 'epci' then 'EPCI ' || cls.qualificatif_masculin
            when 'bv2022' then 'Bassins de vie ' || cls.qualificatif_masculin
            when 'departement' then 'Départements ' || cls.qualificatif_masculin
            when 'region' then 'Régions ' || cls.qualificatif_feminin
            else 'Territoires « ' || ter.niveau || ' » ' || cls.qualificatif_masculin
        end || ' ' || tra.libelle end as libelle_groupe
    from marts.territoires as ter
    cross join population_millesime as pmi
    cross join grille_millesime as gmi
    left join populations as pop
        on ter.niveau = pop.niveau and ter.code_territoire = pop.code_territoire
    left join densite as den
        on ter.niveau = den.niveau and ter.code_territoire = den.code_territoire
    left join totaux as tot
        on ter.niveau = tot.niveau and ter.code_territoire = tot.code_territoire
    left join classes as cls on den.classe_densite = cls.classe_densite
    left join tranches as tra
        on tra.niveau = case
            when ter.niveau in (select distinct trn.niveau from tranches as trn) then ter.niveau
            else '*'
        end
        and pop.population_municipale >= tra.population_min
        and (tra.population_max is null or pop.population_municipale < tra.population_max)
)

select
    pro.*,
    case when pro.code_groupe is not null
        then count(*) over (partition by pro.code_groupe)
    end as nb_territoires_groupe
from profils as pro
