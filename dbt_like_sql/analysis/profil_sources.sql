-- The producers and licences of the figures a diagnostic shows: every dataset the published tables
-- were built from, with its millésimes, so that a report credits its sources as their licences ask
-- (the Licence Ouverte: the producer's name and the date of the data).
-- grain: one row per dataset_id
select
    src.producer,
    src.dataset_id,
    src.title,
    string_agg(src.millesime::varchar, ', ' order by src.millesime) as millesimes,
    src.licence,
    src.licence_url,
    src.landing_page
from meta.sources as src
group by src.producer, src.dataset_id, src.title, src.licence, src.licence_url, src.landing_page
order by src.producer, src.dataset_id
