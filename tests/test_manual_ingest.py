"""Hand ingestion recognises the dataset's file (name, formats, row count, not the sample's),
refuses impossible millésimes, and `observatory forget` removes an ingested edition."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from observatory.catalog import CatalogError, load_dataset
from tests.conftest import build, make_settings
from tests.test_cli import POPULATIONS, failing_ingest, run, warehouse_rows

COG = "datagouv_decoupage_administratif_sources/cog2026_{}.csv"
SAMPLE = Path(__file__).resolve().parents[1] / "assets" / "sample"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cog_home(capsys, tmp_path, real_dir) -> Path:
    """A real-data home holding the true 2026 régions and départements."""
    home = tmp_path / "home"
    for dataset, name in (("insee_cog_regions", "regions"), ("insee_cog_departements", "dep")):
        source = real_dir / COG.format("departements" if name == "dep" else name)
        code, _, err = run(capsys, home, "ingest", dataset, "--file", str(source))
        assert code == 0, err
    return home


def kept(home: Path, dataset: str) -> list[str]:
    return [sha256(p) for p in sorted((home / "manual" / dataset / "2026").iterdir())]


def test_a_departements_file_is_refused_as_regions(capsys, cog_home, real_dir, tmp_path):
    before = kept(cog_home, "insee_cog_regions")
    departements = real_dir / COG.format("departements")
    err = failing_ingest(capsys, cog_home, departements, "insee_cog_regions", "2026")
    assert "insee_cog_regions 2026: cog2026_departements.csv" in err
    assert "file name does not match" in err
    # named like a régions file, it is refused by its row count
    renamed = tmp_path / "v_region_2026.csv"
    shutil.copyfile(departements, renamed)
    err = failing_ingest(capsys, cog_home, renamed, "insee_cog_regions", "2026")
    assert "101 rows where insee_cog_regions has 13-30" in err
    assert kept(cog_home, "insee_cog_regions") == before


@pytest.mark.parametrize("dataset", ["insee_cog_regions", "insee_cog_departements"])
def test_an_arrondissements_file_is_refused(capsys, cog_home, real_dir, tmp_path, dataset):
    before = kept(cog_home, dataset)
    renamed = tmp_path / ("v_region_2026.csv" if "regions" in dataset else "v_dep_2026.csv")
    shutil.copyfile(real_dir / COG.format("arrondissements"), renamed)
    err = failing_ingest(capsys, cog_home, renamed, dataset, "2026")
    assert "333 rows" in err and dataset in err
    assert kept(cog_home, dataset) == before


def test_a_value_of_the_wrong_format_is_named(capsys, cog_home, real_dir, tmp_path):
    lines = (real_dir / COG.format("regions")).read_text(encoding="utf-8").splitlines()
    lines[3] = "7," + lines[3].split(",", 1)[1]  # REG `7`: not two digits
    wrong = tmp_path / "v_region_2026.csv"
    wrong.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = failing_ingest(capsys, cog_home, wrong, "insee_cog_regions", "2026")
    assert "column reg does not match ^\\d{2}$ (row" in err and "'7'" in err


def test_the_sample_is_refused_outside_sample_mode(capsys, cog_home, tmp_path):
    sample = SAMPLE / "insee_cog_regions" / "2026" / "v_region_2026.csv"
    err = failing_ingest(capsys, cog_home, sample, "insee_cog_regions", "2026")
    assert "bundled sample" in err
    copy = tmp_path / "v_region_2026.csv"
    shutil.copyfile(sample, copy)
    err = failing_ingest(capsys, cog_home, copy, "insee_cog_regions", "2026")
    assert "copy of the bundled sample's insee_cog_regions/2026/v_region_2026.csv" in err


@pytest.mark.parametrize("millesime", ["1850", "-1", "0", "99999"])
def test_impossible_millesimes_are_refused(capsys, tmp_path, real_dir, millesime):
    home = tmp_path / "home"
    source = real_dir / POPULATIONS.format(2022)
    code, _, err = run(capsys, home, "ingest", "insee_populations_reference", "--file",
                       str(source), "--millesime", millesime)  # fmt: skip
    assert code == 1 and err.count("\n") == 1, err
    assert f"millésime {millesime} is not an edition of the catalog" in err
    assert "plausible range 2006-2035" in err
    assert not (home / "manual").exists()


def test_catalog_ranges_are_validated(tmp_path):
    text = (Path(__file__).resolve().parents[1] / "assets/insee/cog_regions.yaml").read_text(
        encoding="utf-8"
    )
    folder = tmp_path / "insee"
    folder.mkdir()
    for bad, field in (
        ("rows_range: [30, 13]", "rows_range"),
        ("millesimes_range: [0, 2030]", "millesimes_range"),
        ("file_name_pattern: '(reg'", "file_name_pattern"),
    ):
        key = bad.split(":")[0]
        lines = [x for x in text.splitlines() if not x.startswith(key + ":")]
        (folder / "cog_regions.yaml").write_text("\n".join([*lines, bad]) + "\n", "utf-8")
        with pytest.raises(CatalogError, match=field):
            load_dataset(folder / "cog_regions.yaml")
    entry = load_dataset(Path(__file__).resolve().parents[1] / "assets/insee/cog_regions.yaml")
    assert entry.rows_range == (13, 30) and entry.millesimes_range == (2003, 2035)
    assert entry.accepts_millesime(2010) and not entry.accepts_millesime(1850)


def test_forget_removes_an_edition_and_the_next_build_goes_without_it(capsys, tmp_path, real_dir):
    home = tmp_path / "home"
    files = [
        ("insee_cog_communes", COG.format("communes"), 2026),
        ("insee_cog_mouvements", COG.format("mouvements_communes"), 2026),
        ("insee_populations_reference", POPULATIONS.format(2022), 2022),
        ("insee_populations_reference", POPULATIONS.format(2023), 2023),
    ]
    for dataset, name, year in files:
        code, _, err = run(capsys, home, "--source", "local", "ingest", dataset, "--file",
                           str(real_dir / name), "--millesime", str(year))  # fmt: skip
        assert code == 0, err
    settings = make_settings(home, OBSERVATORY_SOURCE="local")
    assert build(settings).success
    code, out, err = run(capsys, home, "--source", "local", "forget",
                         "insee_populations_reference", "--millesime", "2022")  # fmt: skip
    assert code == 0, err
    assert "removed" in out and "insee_pop_legales_2022_communes.csv" in out
    assert not (home / "manual" / "insee_populations_reference" / "2022").exists()
    assert warehouse_rows(
        home, "select distinct millesime from raw.insee__populations_reference"
    ) == [(2023,)]
    assert warehouse_rows(
        home,
        "select count(*) from meta.ingestions "
        "where dataset_id = 'insee_populations_reference' and millesime = 2022",
    ) == [(0,)]
    summary = build(settings)
    assert summary.success, summary.failure
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        staged = con.execute(
            "select distinct millesime from staging.stg_insee__populations_reference"
        ).fetchall()
    finally:
        con.close()
    assert staged == [(2023,)]
    # an edition never ingested, or an unknown dataset: one line each
    for args in (("insee_populations_reference", "2022"), ("insee_population", "2022")):
        code, _, err = run(capsys, home, "--source", "local", "forget", args[0],
                           "--millesime", args[1])  # fmt: skip
        assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
