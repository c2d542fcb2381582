"""The SQL model engine: `dbt_like_sql/` read, checked and run on one DuckDB connection.

- header.py: the one parser of a SQL file's leading comment (models, checks, analyses);
- graph.py: a model file -> `SqlModel`, its dependencies read with sqlglot, the checked order;
- macros.py, seeds.py, parameters.py: what the models need besides raw tables;
- project.py: every table of the project and what each reads (the engine's own graph);
- runner.py: build the models in order, skipping those whose fingerprint is unchanged.

Nothing here knows Dagster: `observatory.defs` turns models into assets.
"""


class ModelError(ValueError):
    """A SQL file is malformed or references what does not exist; the message names the file."""
