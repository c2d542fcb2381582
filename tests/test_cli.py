"""The command line: listing, hand ingestion of real official files, status, and clear errors."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from pathlib import Path

import duckdb
import pytest

from observatory.cli import main
from tests.conftest import digest

POPULATIONS = "datagouv_decoupage_administratif_sources/insee_pop_legales_{}_communes.csv"
COG_COMMUNES = "datagouv_decoupage_administratif_sources/cog2026_communes.csv"


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def pmun_sum(path: Path) -> tuple[int, int]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return len(rows), sum(int(r["PMUN"]) for r in rows)


def warehouse_rows(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_datasets_lists_the_catalog(capsys, tmp_path):
    code, out, _ = run(capsys, tmp_path, "datasets")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("insee_populations_reference"))
    assert "2019, 2020, 2021, 2022, 2023" in line
    assert "Licence Ouverte" in line
    assert "insee " in line


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023])
def test_ingest_real_population_file_by_hand(capsys, tmp_path, real_dir, year):
    source = real_dir / POPULATIONS.format(year)
    code, out, err = run(
        capsys,
        tmp_path,
        "ingest",
        "insee_populations_reference",
        "--file",
        str(source),
        "--millesime",
        str(year),
    )
    assert code == 0, err
    assert "real-data warehouse" in out  # the default sample mode never receives real files
    rows, total = pmun_sum(source)
    loaded = warehouse_rows(
        tmp_path,
        "select count(*), sum(pmun::bigint), count(distinct "
        "code_commune) from raw.insee__populations_reference",
    )
    assert loaded == [(rows, total, rows)]
    kept = list((tmp_path / "manual" / "insee_populations_reference" / str(year)).iterdir())
    assert [p.read_bytes() for p in kept] == [source.read_bytes()]


def test_ingest_accepts_the_zip_as_published(capsys, tmp_path, real_dir):
    source = real_dir / POPULATIONS.format(2023)
    archive = tmp_path / "ensemble.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(source, "donnees_communes.csv")
        handle.writestr("donnees_departements.csv", "REG;DEP\n")
    code, _, err = run(
        capsys,
        tmp_path / "home",
        "ingest",
        "insee_populations_reference",
        "--file",
        str(archive),
        "--millesime",
        "2023",
    )
    assert code == 0, err
    rows, total = pmun_sum(source)
    assert warehouse_rows(
        tmp_path / "home",
        "select count(*), sum(pmun::bigint) from raw.insee__populations_reference",
    ) == [(rows, total)]


def test_ingest_infers_the_millesime_from_the_file_name(capsys, tmp_path, real_dir):
    copy = tmp_path / "v_commune_2026.csv"
    copy.write_bytes((real_dir / COG_COMMUNES).read_bytes())
    code, _, err = run(
        capsys, tmp_path / "home", "ingest", "insee_cog_communes", "--file", str(copy)
    )
    assert code == 0, err
    with (real_dir / COG_COMMUNES).open(encoding="utf-8") as handle:
        communes = sum(1 for r in csv.DictReader(handle) if r["TYPECOM"] == "COM")
    assert warehouse_rows(
        tmp_path / "home",
        "select millesime, count(*) from raw.insee__cog_communes where typecom = 'COM' group by 1",
    ) == [(2026, communes)]


def test_status_shows_what_was_ingested(capsys, tmp_path, real_dir):
    source = real_dir / POPULATIONS.format(2021)
    assert (
        run(
            capsys,
            tmp_path,
            "ingest",
            "insee_populations_reference",
            "--file",
            str(source),
            "--millesime",
            "2021",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, tmp_path, "--source", "local", "status")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("insee_populations_reference"))
    assert hashlib.sha256(source.read_bytes()).hexdigest()[:12] in line
    assert "manual" in line
    assert line.replace(" ", "").endswith(str(pmun_sum(source)[0]))  # rows, last column
    assert "not ingested yet" in out and "insee_populations_reference 2023" in out


@pytest.fixture
def loaded_home(capsys, tmp_path, real_dir) -> Path:
    """A real-data warehouse holding the 2023 populations, to prove failures change nothing."""
    home = tmp_path / "home"
    code, _, err = run(
        capsys,
        home,
        "ingest",
        "insee_populations_reference",
        "--file",
        str(real_dir / POPULATIONS.format(2023)),
        "--millesime",
        "2023",
    )
    assert code == 0, err
    return home


def snapshot(home: Path) -> tuple[dict, dict]:
    files = {
        p.relative_to(home).as_posix(): p.read_bytes()
        for p in (home / "manual").rglob("*")
        if p.is_file()
    }
    return digest(home / "warehouse.duckdb"), files


def failing_ingest(
    capsys,
    home: Path,
    path: Path,
    dataset: str = "insee_populations_reference",
    millesime: str = "2023",
) -> str:
    before = snapshot(home)
    code, _, err = run(
        capsys, home, "ingest", dataset, "--file", str(path), "--millesime", millesime
    )
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert snapshot(home) == before, "a failed ingestion changed the warehouse or its inputs"
    return err


def test_unknown_dataset_id(capsys, loaded_home, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    err = failing_ingest(capsys, loaded_home, path, dataset="insee_populations")
    assert "unknown dataset 'insee_populations'" in err
    assert "insee_populations_reference" in err  # the close match is suggested


def test_missing_file(capsys, loaded_home, tmp_path):
    err = failing_ingest(capsys, loaded_home, tmp_path / "absent.csv")
    assert "absent.csv" in err and "not found" in err


def test_html_page_instead_of_data(capsys, loaded_home, tmp_path):
    page = tmp_path / "donnees_communes.csv"
    page.write_text("<!DOCTYPE html><html><body>Maintenance</body></html>", encoding="utf-8")
    err = failing_ingest(capsys, loaded_home, page)
    assert "insee_populations_reference 2023" in err and "HTML" in err


def test_latin1_file_declared_utf8(capsys, loaded_home, tmp_path, real_dir):
    text = (real_dir / POPULATIONS.format(2023)).read_text(encoding="utf-8")
    latin1 = tmp_path / "donnees_communes.csv"
    latin1.write_bytes(text.encode("latin-1", errors="replace"))
    err = failing_ingest(capsys, loaded_home, latin1)
    assert "donnees_communes.csv" in err and "utf-8" in err and "latin-1" in err


def test_renamed_column(capsys, loaded_home, tmp_path, real_dir):
    text = (real_dir / POPULATIONS.format(2023)).read_text(encoding="utf-8")
    renamed = tmp_path / "donnees_communes.csv"
    renamed.write_text(text.replace(";PMUN;", ";POP_MUN;", 1), encoding="utf-8")
    err = failing_ingest(capsys, loaded_home, renamed)
    assert "pmun" in err and "PMUN" in err and "POP_MUN" in err  # what is missing, what is there


def test_truncated_zip(capsys, loaded_home, tmp_path, real_dir):
    archive = tmp_path / "ensemble.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(real_dir / POPULATIONS.format(2023), "donnees_communes.csv")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    err = failing_ingest(capsys, loaded_home, archive)
    assert "zip" in err and "ensemble.zip" in err


def test_zip_with_a_damaged_member(capsys, loaded_home, tmp_path, real_dir):
    """Headers intact, data not: the member's CRC, checked as it is extracted, refuses it."""
    archive = tmp_path / "ensemble.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as handle:
        handle.write(real_dir / POPULATIONS.format(2023), "donnees_communes.csv")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the stored member
    archive.write_bytes(bytes(data))
    err = failing_ingest(capsys, loaded_home, archive)
    assert "truncated or corrupt zip" in err and "ensemble.zip" in err


def test_wrong_separator(capsys, loaded_home, tmp_path, real_dir):
    text = (real_dir / POPULATIONS.format(2023)).read_text(encoding="utf-8")
    commas = tmp_path / "donnees_communes.csv"
    commas.write_text(text.replace(";", ","), encoding="utf-8")
    err = failing_ingest(capsys, loaded_home, commas)
    assert "required column(s) missing" in err


def test_build_with_an_invalid_selection(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path, "build", "--select", "raw/no_such_table")
    assert code == 1 and err.startswith("error: ") and "no_such_table" in err


def test_query_reads_the_published_file(capsys, sample_build):
    settings, _ = sample_build
    code, out, err = run(
        capsys,
        settings.home,
        "query",
        "select code_territoire, nb_communes from marts.territoires "
        "where niveau = 'departement' order by 1",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["code_territoire", "nb_communes"]
    assert [line.split() for line in lines[2:]] == [["01", "27"], ["2A", "2"], ["69", "2"]]


@pytest.mark.parametrize(
    "sql",
    [
        "drop table marts.population",
        "insert into marts.territoires select * from marts.territoires",
        "create table marts.x as select 1",
        "select 1; delete from marts.population",
    ],
)
def test_query_refuses_writes(capsys, sample_build, sql):
    settings, _ = sample_build
    before = settings.published_path.read_bytes()
    code, _, err = run(capsys, settings.home, "query", sql)
    assert code == 1 and err.startswith("error: ")
    assert "read-only" in err or "one statement" in err
    assert settings.published_path.read_bytes() == before


def test_query_errors_are_one_line(capsys, sample_build):
    settings, _ = sample_build
    code, _, err = run(capsys, settings.home, "query", "select * from marts.nope")
    assert code == 1 and err.count("\n") == 1 and "nope" in err
