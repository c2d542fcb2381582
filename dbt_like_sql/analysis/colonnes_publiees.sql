-- The columns of one published table with their type and description, in their order. Variables:
-- table_schema, table_name.
-- grain: one row per column_name
select col.column_name, col.data_type, col.comment
from duckdb_columns() as col
where col.database_name = current_database()
    and col.schema_name = getvariable('table_schema') and col.table_name = getvariable('table_name')
order by col.column_index
