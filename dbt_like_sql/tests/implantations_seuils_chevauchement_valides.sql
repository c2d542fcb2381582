-- seeds.implantations_seuils_chevauchement is usable: each gamme the overlaps examine
-- (proximite, intermediaire, sante) has its default row `*`, no row is given twice, every
-- threshold is a positive whole number of inhabitants, and the statut is publie, derive or
-- illustratif (a published or derived value names its source).
-- asset: marts.implantations__chevauchements
with seed as (
    select
        trim(see.gamme) as gamme,
        trim(see.code_regroupement) as code_regroupement,
        trim(see.seuil_population) as seuil_population,
        trim(see.statut) as statut,
        nullif(trim(see.source), '') as source
    from seeds.implantations_seuils_chevauchement as see
),

gammes as (
    select gam.gamme from (values ('proximite'), ('intermediaire'), ('sante')) as gam (gamme)
)

select gam.gamme, '*' as code_regroupement, 'pas de ligne par défaut * pour la gamme' as probleme
from gammes as gam
anti join seed as see on gam.gamme = see.gamme and see.code_regroupement = '*'
union all
select min(see.gamme), see.code_regroupement, 'ligne présente plusieurs fois'
from seed as see
group by case when see.code_regroupement = '*' then see.gamme end, see.code_regroupement
having count(*) > 1
union all
select see.gamme, see.code_regroupement, 'gamme inconnue, seuil ou statut invalide'
from seed as see
where see.gamme not in (select gam.gamme from gammes as gam)
    or coalesce(try_cast(see.seuil_population as integer), 0) <= 0
    or see.seuil_population !~ '^[0-9]+$'
    or see.statut is null
    or see.statut not in ('publie', 'derive', 'illustratif')
    or (see.statut in ('publie', 'derive') and see.source is null)
