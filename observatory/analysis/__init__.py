"""The analysts' floor: it reads the PUBLISHED file only, never the working warehouse.

- queries.py: run `dbt_like_sql/analysis/*.sql` (parsed and checked by observatory.models.analysis)
  with their DuckDB variables;
- explore.py: the published tables, their rows, grain and column descriptions;
- territories.py: which territory a code names, and the references it is compared with;
- profile.py: the diagnostic of one territory as one data structure (`Profile`);
- formatting.py: figures and caveats worded for French readers, shared by every rendering;
- charts.py: inline SVG charts; report.py: the HTML page, from the Jinja2 templates in
  templates/ (shipped with the package, so an agency can restyle its reports).

The terminal rendering of a profile is the command line's (cli/profile_text.py), through its one
table printer. Nothing here imports Dagster or the command line (import-linter contracts).
"""
