-- The territories of a table (its niveau, code_territoire) that are not known ones: a commune
-- must be a commune of the target COG (no code of an older geography survives harmonisation),
-- any other territory must be in marts.territoires. Used by the checks tests/codes_connus__*.sql,
-- one per published table, so each check belongs to its table.
create or replace macro territoires_inconnus(table_name) as table
    select distinct src.niveau, src.code_territoire
    from query_table(table_name) as src
    left join intermediate.int_cog__communes_cible as cib
        on src.niveau = 'commune' and src.code_territoire = cib.code_commune
    left join marts.territoires as ter
        on src.niveau <> 'commune'
        and src.niveau = ter.niveau
        and src.code_territoire = ter.code_territoire
    where (src.niveau = 'commune' and cib.code_commune is null)
        or (src.niveau <> 'commune' and ter.code_territoire is null)
