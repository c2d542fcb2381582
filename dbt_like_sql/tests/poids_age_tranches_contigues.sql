-- The GP consumption weights are a partition of ages: the first band starts at 0, each band starts
-- the year after the previous one ends, only the last band is open, every weight is positive,
-- the statut is one of publie, derive, illustratif (a published or derived weight names its
-- source), and each of the six census bands that int_population__communes reads appears once.
-- asset: intermediate.int_population__poids_age
with ordonnees as (
    select
        pds.*,
        lag(pds.age_max) over (order by pds.age_min) as age_max_precedent,
        row_number() over (order by pds.age_min) as rang,
        count(*) over () as tranches
    from intermediate.int_population__poids_age as pds
),

attendues as (
    select att.tranche_age
    from (values ('0-14'), ('15-29'), ('30-44'), ('45-59'), ('60-74'), ('75+'))
        as att (tranche_age)
)

select ord.tranche_age, 'tranche mal placée ou poids invalide' as probleme
from ordonnees as ord
where
    (ord.rang = 1 and ord.age_min <> 0)
    or (ord.rang > 1 and ord.age_min is distinct from ord.age_max_precedent + 1)
    or (ord.rang < ord.tranches and ord.age_max is null)
    or (ord.rang = ord.tranches and ord.age_max is not null)
    or ord.age_max < ord.age_min
    or ord.poids_recours is null
    or ord.poids_recours <= 0
    or ord.statut is null
    or ord.statut not in ('publie', 'derive', 'illustratif')
    or (ord.statut in ('publie', 'derive') and ord.source is null)
union all
select att.tranche_age, 'tranche du recensement absente ou en double' as probleme
from attendues as att
left join intermediate.int_population__poids_age as pds on att.tranche_age = pds.tranche_age
group by att.tranche_age
having count(pds.tranche_age) <> 1
