"""Data quality: validation suites run with Great Expectations on DuckDB tables, SQL checks,
drift between millésimes, the results store and the validation report. No Dagster here: the
asset checks that run these in a build are in observatory/defs/checks.py.

One module per job, from declarations to a run:
- suites.py: the expectation specs and suites, from catalog entries (`checks:`) and model headers
- plan.py: every suite and SQL check of the project, and the part `observatory validate` runs
- gx.py: the Great Expectations adapter (lazy import, one validation at a time)
- batches.py: reading a table's batches from DuckDB (one millésime at a time, distinct values
  weighted by counts, uniqueness counted on hashed keys)
- drift.py: bounds from the previous millésime
- evaluate.py: expectations evaluated on a batch's frame, or reused from the results store
- runner.py: a suite on a table, and the suites of a layer two at a time
- sql_checks.py: the SELECTs of `dbt_like_sql/tests/` returning offending rows
- outcomes.py: what a check found, in one shape for every engine
- results.py: `meta.validation_results` and the result cache keyed by fingerprints
- report.py: the HTML report of a run (templates/validation_report.html)
- run.py: checks run, recorded and reported (a build's check steps, `observatory validate`)
"""
