-- Every table and view of the published file with its comment (description and grain): what
-- `observatory tables` lists.
-- grain: one row per schema_name x table_name
select tab.schema_name, tab.table_name, 'table' as kind, tab.comment
from duckdb_tables() as tab
where tab.database_name = current_database() and not tab.temporary
union all
select vie.schema_name, vie.view_name, 'view', vie.comment
from duckdb_views() as vie
where vie.database_name = current_database() and not vie.internal and not vie.temporary
order by 1, 2
