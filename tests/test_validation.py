"""Validation: Great Expectations suites and SQL checks guard publication.

Each failure family is a corrupted copy of a bundled sample file, ingested into a copy of the
session's sample build: the check fails naming the dataset and the column, nothing is published,
and the published tables are those of the previous edition, unchanged.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import yaml

from observatory.catalog import load_catalog
from observatory.cli import build, main
from observatory.expectations import catalog_suite, model_suite
from observatory.settings import Settings
from observatory.sql_models import header_lines
from observatory.validation import gx_expectation
from tests.conftest import REPOSITORY, RUN_LOG, digest, make_settings


def published_tables(settings: Settings) -> dict[str, tuple[int, str]]:
    return digest(settings.published_path, without=RUN_LOG)


class CountingConnection:
    """A DuckDB connection that keeps the queries holding `marker` (to count the scans or
    reads a piece of validation makes); everything else as the connection does it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, marker: str) -> None:
        self.con = con
        self.marker = marker
        self.queries: list[str] = []

    def execute(self, query: str, *args):
        if self.marker in query:
            self.queries.append(query)
        return self.con.execute(query, *args)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


@pytest.fixture
def copy_of_sample(tmp_path: Path, sample_build) -> Callable[[], Settings]:
    """A copy of the session's built sample (home and catalog), to corrupt one file of."""
    built, summary = sample_build
    assert summary.success, summary.failure
    shutil.copytree(built.home / "sample", tmp_path / "home" / "sample")
    shutil.copytree(REPOSITORY / "assets", tmp_path / "assets")
    return lambda: make_settings(
        tmp_path / "home", OBSERVATORY_CATALOG_DIR=str(tmp_path / "assets")
    )


def _sample_file(settings: Settings, dataset: str, year: int) -> Path:
    folder = settings.catalog_dir / "sample" / dataset / str(year)
    return next(folder.iterdir())


def _rewrite_zip_csv(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    """Apply `change` to the lines of the CSV inside a zip, keeping member names."""
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name.lower().endswith(".csv"):
                lines = data.decode("utf-8").splitlines()
                data = ("\n".join(change(lines)) + "\n").encode("utf-8")
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _rewrite_csv(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def _refresh_one(settings: Settings, dataset_id: str):
    """Ingest one dataset again and try to publish: the build's own selection syntax."""
    table = load_catalog(settings.catalog_dir).get(dataset_id).target_table
    selection = f'key:"{table.replace(".", "/")}" or key:"published/observatory"'
    return build(settings, selection)


def _failed_results(settings: Settings, dataset_id: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(
            "select check_name, column_name, millesime, message from meta.validation_results "
            "where dataset = ? and not success order by check_name",
            [dataset_id],
        ).fetchall()
    finally:
        con.close()


def _assert_refused(settings: Settings, dataset_id: str, column: str, before: dict) -> list:
    """The common assertions of a corrupted input."""
    summary = _refresh_one(settings, dataset_id)
    assert not summary.success
    assert dataset_id in summary.failure and column in summary.failure.lower()
    assert summary.published is None
    assert published_tables(settings) == before
    failed = _failed_results(settings, dataset_id)
    assert any(column in (name or "").lower() for _, name, _, _ in failed), failed
    assert all(dataset_id in message for *_, message in failed)
    return failed


# --- the declarations ----------------------------------------------------------------------------


def test_every_declared_expectation_is_a_valid_great_expectations_one(tmp_path):
    settings = make_settings(tmp_path)
    suites = [catalog_suite(d) for d in load_catalog(settings.catalog_dir)]
    for path in sorted((REPOSITORY / "dbt_like_sql").glob("*/*.sql")):
        text = path.read_text(encoding="utf-8")
        suite = model_suite(f"{path.parent.name}.{path.stem}", header_lines(text), str(path))
        if suite is not None:
            suites.append(suite)
    built = 0
    for suite in suites:
        for spec in suite.expectations:
            kwargs = dict(spec.kwargs)
            if spec.drift == "rows":
                kwargs = {"min_value": 0, "max_value": 1}
            elif spec.drift == "sum":
                kwargs |= {"min_value": 0, "max_value": 1}
            elif spec.drift == "keys":
                kwargs |= {"value_set": ["x"]}
            gx_expectation(spec, kwargs)  # GX validates the arguments
            built += 1
    assert built > 150
    # Every published mart declares its grain as keys.
    marts = sorted(p.stem for p in (REPOSITORY / "dbt_like_sql" / "marts").glob("*.sql"))
    with_keys = {
        s.table.split(".")[1]
        for s in suites
        if any(e.name == "grain_unique" for e in s.expectations)
    }
    assert set(marts) <= with_keys


def test_catalog_checks_become_expectations_per_column():
    entry = yaml.safe_load(
        (REPOSITORY / "assets" / "insee" / "populations_reference.yaml").read_text(encoding="utf-8")
    )
    settings_catalog = load_catalog(REPOSITORY / "assets")
    suite = catalog_suite(settings_catalog.get("insee_populations_reference"))
    names = {e.name: e for e in suite.expectations}
    for column, pattern in entry["checks"]["matches"].items():
        assert names[f"{column}_format"].kwargs == {"column": column, "regex": pattern}
    for column in entry["checks"]["not_null"]:
        assert names[f"{column}_not_null"].expectation == "expect_column_values_to_not_be_null"
    drift = entry["checks"]["drift"]
    assert names["drift_rows"].tolerance == drift["rows"]
    assert {n for n in names if n.startswith("drift_keys_")} == {
        f"drift_keys_{c}" for c in drift["keys"]
    }


# --- the clean sample ---------------------------------------------------------------------------


def test_clean_sample_passes_every_check_and_writes_the_report(sample_build):
    settings, summary = sample_build
    assert summary.success, summary.failure
    assert summary.checks and all(passed for *_, passed in summary.checks)
    assert summary.report is not None and summary.report.is_file()
    page = summary.report.read_text(encoding="utf-8")
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        rows = con.execute(
            "select dataset, table_name, count(*), count(*) filter (where not success) "
            "from meta.validation_results group by all"
        ).fetchall()
        run_ids = con.execute("select distinct run_id from meta.validation_results").fetchall()
    finally:
        con.close()
    assert len(run_ids) == 1 and run_ids[0][0] in summary.report.name
    assert all(failed == 0 for *_, failed in rows)
    checked = {dataset for dataset, *_ in rows} | {table for _, table, *_ in rows}
    catalog = load_catalog(settings.catalog_dir)
    assert {d.id for d in catalog} <= checked  # every raw dataset has a suite
    marts = {f"marts.{p.stem}" for p in (REPOSITORY / "dbt_like_sql" / "marts").glob("*.sql")}
    assert marts <= checked  # and every published table
    assert f"{sum(n for *_, n, _ in rows)} results" in page
    assert "0 failed (blocking)" in page


# --- one test per failure family ------------------------------------------------------------------


def test_renamed_column_is_refused(copy_of_sample):
    settings = copy_of_sample()
    before = published_tables(settings)
    path = _sample_file(settings, "insee_populations_reference", 2023)
    _rewrite_zip_csv(path, lambda lines: [lines[0].replace("PMUN", "POP_MUN"), *lines[1:]])
    failed = _assert_refused(settings, "insee_populations_reference", "pmun", before)
    assert failed[0][0] == "columns_present" and failed[0][2] == 2023


def test_commune_codes_that_lost_their_leading_zero(copy_of_sample):
    settings = copy_of_sample()
    before = published_tables(settings)
    path = _sample_file(settings, "insee_cog_communes", 2026)
    # What a spreadsheet does to the file: "01901" becomes 1901.
    _rewrite_csv(path, lambda ls: [ls[0], *(x.replace('"01', '"1', 2) for x in ls[1:])])
    failed = _assert_refused(settings, "insee_cog_communes", "com", before)
    com = next(message for name, *_, message in failed if name == "com_format")
    assert "insee_cog_communes 2026, column com" in com and "'1901'" in com


def test_duplicated_grain(copy_of_sample):
    settings = copy_of_sample()
    before = published_tables(settings)
    path = _sample_file(settings, "insee_cog_regions", 2026)
    _rewrite_csv(path, lambda lines: [*lines, lines[1]])
    failed = _assert_refused(settings, "insee_cog_regions", "reg", before)
    # The extra row also breaks the region count (drift_rows: no change allowed).
    assert "grain_unique" in [name for name, *_ in failed]


def test_a_departement_missing_is_drift(copy_of_sample):
    settings = copy_of_sample()
    before = published_tables(settings)
    path = _sample_file(settings, "insee_populations_reference", 2023)
    with zipfile.ZipFile(path) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    header = text.splitlines()[0].split(";")
    dep = header.index("DEP")
    departements = {line.split(";")[dep] for line in text.splitlines()[1:]}
    dropped = sorted(departements)[-1]
    _rewrite_zip_csv(path, lambda ls: [ls[0], *(x for x in ls[1:] if x.split(";")[dep] != dropped)])
    failed = _assert_refused(settings, "insee_populations_reference", "code_departement", before)
    keys = next(m for name, _, year, m in failed if name == "drift_keys_code_departement")
    assert dropped in keys and "insee_populations_reference 2023" in keys


def test_negative_population(copy_of_sample):
    settings = copy_of_sample()
    before = published_tables(settings)
    path = _sample_file(settings, "insee_populations_reference", 2023)
    header: list[str] = []

    def negate(lines: list[str]) -> list[str]:
        header.extend(lines[0].split(";"))
        fields = lines[1].split(";")
        fields[header.index("PMUN")] = "-" + fields[header.index("PMUN")]
        return [lines[0], ";".join(fields), *lines[2:]]

    _rewrite_zip_csv(path, negate)
    failed = _assert_refused(settings, "insee_populations_reference", "pmun", before)
    assert "pmun_format" in [name for name, *_ in failed]


def test_wrong_encoding_is_refused_with_line_and_column(copy_of_sample):
    settings = copy_of_sample()
    before = published_tables(settings)
    path = _sample_file(settings, "insee_cog_communes", 2026)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    first_accent = next(i for i, line in enumerate(lines, start=1) if not line.isascii())
    failed = _assert_refused(settings, "insee_cog_communes", "nccenr", before)
    assert failed[0][0] == "file_readable"
    assert f"line {first_accent}, column NCCENR" in failed[0][3]


# --- observatory validate -------------------------------------------------------------------------


def test_validate_command_reports_without_building(copy_of_sample, capsys):
    settings = copy_of_sample()
    home = str(settings.home)
    assert main(["--home", home, "validate", "marts.services__densite"]) == 0
    clean = capsys.readouterr().out
    assert "0 failed (blocking)" in clean and "services_totaux" not in clean
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute(
            "update marts.population set population_municipale = -1 "
            "where niveau = 'commune' and code_territoire = '01901'"
        )
        con.execute(  # a code of an older geography: 01925 merged into 01924 in 2026
            "update marts.population set code_territoire = '01925' "
            "where niveau = 'commune' and code_territoire = '01902'"
        )
        con.execute(
            "update marts.services__densite set nb_equipements = nb_equipements + 1 "
            "where rowid = (select min(rowid) from marts.services__densite "
            "where niveau = 'departement' and type_agregat = 'typequ')"
        )
    finally:
        con.close()
    assert main(["--home", home, "validate", "marts.services__densite"]) == 1
    assert "services_totaux" in capsys.readouterr().out  # the SQL check of the totals
    assert main(["--home", home, "validate", "marts.population"]) == 1
    out, err = capsys.readouterr()
    assert "marts.population" in out and "population_municipale" in out
    assert "codes_connus__population" in out and "'01925'" in out
    assert "blocking check(s) failed" in err
    report = next(line for line in out.splitlines() if line.startswith("validation report:"))
    page = Path(report.split(": ", 1)[1]).read_text(encoding="utf-8")
    assert "population_municipale_be_between" in page and "FAILED" in page
    assert main(["--home", home, "validate", "no_such_dataset"]) == 1
    assert "nothing to validate" in capsys.readouterr().err


def test_results_name_the_run_and_the_millesime(copy_of_sample):
    settings = copy_of_sample()
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select millesime, count(*) from meta.validation_results "
            "where dataset = 'insee_populations_reference' and check_name = 'pmun_format' "
            "group by 1 order by 1"
        ).fetchall()
        sample = con.execute(
            "select unexpected_sample from meta.validation_results limit 1"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert [year for year, _ in rows] == [2019, 2020, 2021, 2022, 2023]
    assert isinstance(json.loads(sample), list)


def test_a_build_identifies_tables_by_what_built_them_and_validate_by_their_values(
    copy_of_sample,
):
    """In a build, a mart is identified by its model fingerprint (a no-op reads nothing); a hand
    edit behind the pipeline's back is therefore only seen by `observatory validate`."""
    from observatory.definitions import build_definitions
    from observatory.quality import model_suites
    from observatory.sql_models import load_models
    from observatory.validation import run_suite

    settings = copy_of_sample()
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        known = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        build_definitions(settings)  # the models load as they do in a build
        models = [m for m in load_models(settings.sql_dir, known) if m.table == "marts.population"]
        suite = model_suites(models)[0]
        before = run_suite(con, suite, trust_versions=True)
        assert before and all(o.success for o in before)
        edited = con.execute(
            "select count(*) from marts.population "
            "where niveau = 'commune' and code_territoire = '01901'"
        ).fetchall()[0][0]
        con.execute(
            "update marts.population set population_municipale = -1 "
            "where niveau = 'commune' and code_territoire = '01901'"
        )
        trusted = run_suite(con, suite, trust_versions=True)
        audited = run_suite(con, suite, trust_versions=False)
    finally:
        con.close()
    assert all(o.success for o in trusted)  # same fingerprint: the build's stored verdicts
    failed = [o for o in audited if not o.success]
    assert [o.column for o in failed] == ["population_municipale"]
    assert edited > 0 and failed[0].unexpected_count == edited


def test_uniqueness_of_a_large_batch_counted_by_duckdb(monkeypatch):
    """On a large batch DuckDB counts the rows sharing their key (a hash first, the keys only
    when hashes collide): every duplicated row is counted, with examples; distinct keys pass."""
    from observatory import validation

    monkeypatch.setattr(validation, "LARGE_BATCH_ROWS", 10)
    suite = model_suite(
        "marts.series", ["keys: code_territoire, millesime"], "dbt_like_sql/marts/series.sql"
    )
    assert suite is not None
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.series as select lpad(i::varchar, 5, '0') as code_territoire, "
        "2021 + i % 3 as millesime from range(3000) as t(i)"
    )

    def uniqueness() -> validation.Outcome:
        outcomes = validation.run_suite(con, suite)
        (unique,) = [o for o in outcomes if o.check_name == "grain_unique"]
        return unique

    clean = uniqueness()
    assert clean.success and clean.unexpected_count == 0
    assert clean.engine == "duckdb (batch of 3000 rows)"
    # Row 7 (2022) twice more and row 8 (2023) once more: 3 + 2 rows share their key.
    con.execute("insert into marts.series values ('00007', 2022), ('00007', 2022), ('00008', 2023)")
    broken = uniqueness()
    assert not broken.success and broken.unexpected_count == 5
    assert sorted(broken.sample, key=str) == [
        {"code_territoire": "00007", "millesime": 2022},
        {"code_territoire": "00008", "millesime": 2023},
    ]
    assert "5 of 3003 row(s) share their key" in broken.message


def test_suites_run_two_at_a_time_with_one_validation_at_a_time(warehouse, monkeypatch):
    """run_suites gives what run_suite gives suite by suite, in the same order, while two suites
    run at once and Great Expectations (not thread-safe) validates one frame at a time."""
    import threading
    import time

    from observatory import validation
    from observatory.quality import catalog_suites

    suites = catalog_suites(load_catalog(REPOSITORY / "assets"))
    # Batches identified by their values: most of the build's stored results (identified by
    # ingestion) do not apply, so validations run.
    sequential = [validation.run_suite(warehouse, s) for s in suites]

    inside, most, calls, threads = 0, 0, 0, set()
    counter = threading.Lock()
    real = validation._validate_locked

    def watched(*args, **kwargs):
        nonlocal inside, most, calls
        with counter:
            calls += 1
            inside += 1
            most = max(most, inside)
            threads.add(threading.current_thread().name)
        try:
            time.sleep(0.01)  # widen the window in which an unguarded second call would enter
            return real(*args, **kwargs)
        finally:
            with counter:
                inside -= 1

    monkeypatch.setattr(validation, "_validate_locked", watched)
    together = list(validation.run_suites(warehouse, suites))

    def essentials(outcomes: list[validation.Outcome]) -> list[tuple]:
        return [
            (o.table, o.millesime, o.check_name, o.success, o.unexpected_count, o.message)
            for o in outcomes
        ]

    assert [s.table for s, _ in together] == [s.table for s in suites]
    assert [essentials(o) for _, o in together] == [essentials(o) for o in sequential]
    assert sum(len(o) for o in sequential) > 100
    assert calls > 10 and most == 1
    assert len(threads) == 2 and all(name.startswith("suite") for name in threads)


def _suite_of_three_expectations():
    """The suite of a raw table `raw.mesures` (columns a, b, c): three value-by-value
    expectations, each its own group of columns, checked per millésime as a catalog suite is."""
    suite = model_suite(
        "raw.mesures",
        [
            "expect: column_values_to_be_between {column: a, min_value: 0, max_value: 10}",
            "expect: column_values_to_not_be_null {column: b}",
            "expect: column_values_to_match_regex {column: c, regex: '^[0-9]+$'}",
        ],
        "dbt_like_sql/raw/mesures.sql",
    )
    assert suite is not None
    return dataclasses.replace(suite, by_millesime=True)


def test_a_batch_identified_by_its_ingestions_is_scanned_once():
    """In a build a batch is identified by its ingestion ids, whatever columns an expectation
    reads: one scan per batch, however many groups of expectations it has."""
    from observatory import validation

    suite = _suite_of_three_expectations()
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.mesures as select i % 11 as a, i as b, i::varchar as c, "
        "2023 + i % 2 as millesime, 'id-' || (i % 2) as ingestion_id from range(100) as t(i)"
    )

    counting = CountingConnection(con, "sum(hash(")  # the scans that identify a batch
    outcomes = validation.run_suite(counting, suite, trust_versions=True)  # type: ignore[arg-type]
    assert len(outcomes) == 6 and all(o.success for o in outcomes)  # 3 expectations x 2
    batches = sorted({o.millesime for o in outcomes if o.millesime is not None})
    assert batches == [2023, 2024]
    assert len(counting.queries) == len(batches)
    assert all("hash(ingestion_id)" in q for q in counting.queries)


def test_results_are_recorded_whole_across_statements():
    """record writes results in statements of 500: all 1,201 of them arrive, each with its own
    values (a batch without millésime and a check without count included)."""
    from observatory import validation

    suite = model_suite(
        "marts.t",
        ["expect: column_values_to_be_between {column: a, min_value: 0, max_value: 10}"],
        "dbt_like_sql/marts/t.sql",
    )
    assert suite is not None
    spec = suite.expectations[0]
    outcomes = [
        validation._outcome(
            suite,
            spec,
            None if i % 100 == 0 else 2020 + i % 4,
            i % 3 != 0,
            f"result {i}",
            None if i == 600 else i,
            [{"a": i}],
            None,
        )
        for i in range(1201)
    ]
    con = duckdb.connect()
    con.execute("create schema meta")
    validation.record(con, "run-1", outcomes)
    rows = con.execute(
        "select message, millesime, success, unexpected_count, unexpected_sample "
        "from meta.validation_results where run_id = 'run-1' order by unexpected_count nulls first"
    ).fetchall()
    assert len(rows) == 1201
    assert len({r[0] for r in rows}) == 1201
    assert sum(r[1] is None for r in rows) == 13  # 0, 100, ..., 1200
    assert rows[0][0] == "result 600" and rows[0][3] is None
    assert rows[-1] == ("result 1200", None, False, 1200, '[{"a": 1200}]')
    assert sum(1 for r in rows if r[2]) == 800


def test_a_sql_check_runs_its_query_again_only_to_show_offending_rows(tmp_path):
    """A SQL check counts its offending rows; only when there are some is the query run a
    second time for a sample of them (a check is often a grouping over millions of rows)."""
    from observatory.quality import load_sql_check, run_sql_check

    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select i % 7 as cle, i as valeur from range(70) as t(i)")
    path = tmp_path / "t_cle_unique.sql"
    path.write_text(
        "-- Each key once.\n-- asset: marts.t\n"
        "select src.cle, count(*) as n from marts.t as src group by src.cle having count(*) > 1\n",
        encoding="utf-8",
    )
    check = load_sql_check(path)

    failing = CountingConnection(con, "from marts.t")  # the queries that run the check
    outcome = run_sql_check(failing, check)  # type: ignore[arg-type]
    assert not outcome.success and outcome.unexpected_count == 7
    assert len(outcome.sample) == 5 and {row["n"] for row in outcome.sample} == {10}
    assert len(failing.queries) == 2

    con.execute("delete from marts.t where valeur >= 7")
    passing = CountingConnection(con, "from marts.t")
    outcome = run_sql_check(passing, check)  # type: ignore[arg-type]
    assert outcome.success and outcome.unexpected_count == 0 and outcome.sample == []
    assert len(passing.queries) == 1


def test_a_suite_reads_its_stored_results_once_for_all_its_batches():
    """A refresh finds every result stored under the same fingerprints: the suite reads the
    results table once, whatever its batches and groups of expectations, and reuses them all."""
    from observatory import validation

    suite = _suite_of_three_expectations()
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create schema meta")
    con.execute(
        "create table raw.mesures as select i % 11 as a, i as b, i::varchar as c, "
        "2022 + i % 3 as millesime, 'id-' || (i % 3) as ingestion_id from range(90) as t(i)"
    )
    first = validation.run_suite(con, suite, trust_versions=True)
    validation.record(con, "run-1", first)

    counting = CountingConnection(con, validation.RESULTS_TABLE)  # reads of the stored results
    again = validation.run_suite(counting, suite, trust_versions=True)  # type: ignore[arg-type]
    assert len(again) == len(first) == 9  # 3 expectations x 3 millésimes
    assert all(o.engine == "unchanged since run-1" for o in again)
    assert [(o.millesime, o.check_name, o.success) for o in again] == [
        (o.millesime, o.check_name, o.success) for o in first
    ]
    assert len(counting.queries) == 1
