"""Validation in a build: Great Expectations suites and SQL checks guard publication.

Each failure family is a corrupted copy of a bundled sample file, ingested into a copy of the
session's sample build: the check fails naming the dataset and the column, nothing is published,
and the published tables are those of the previous edition, unchanged. `observatory validate`
audits the working warehouse as it is.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from observatory.catalog import load_catalog
from observatory.cli import main
from observatory.settings import Settings
from tests.conftest import REPOSITORY, RUN_LOG, build, digest, make_settings


def published_tables(settings: Settings) -> dict[str, tuple[int, str]]:
    return digest(settings.published_path, without=RUN_LOG)


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


# --- the clean sample ---------------------------------------------------------------------------


def test_clean_sample_passes_every_check_and_writes_the_report(sample_build):
    settings, summary = sample_build
    assert summary.success, summary.failure
    assert summary.checks and all(c.passed for c in summary.checks)
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
    from observatory.defs import assemble as build_definitions
    from observatory.models.graph import load_models
    from observatory.quality.runner import run_suite
    from observatory.quality.suites import model_suites

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
