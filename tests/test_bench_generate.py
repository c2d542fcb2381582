"""Smoke test of the national-scale input generator (`python -m bench.generate`) at scale 0.001.

The files are read back without the pipeline's readers (csv, zipfile, openpyxl, duckdb) and
compared with what the catalog expects and with the bundled sample: every dataset and millésime
is there under its official name, each header is the bundled sample's header (itself the
official one), every required catalog column is present, and row counts follow the scale. A
full build on generated inputs is the benchmark's job, not this test's.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from observatory.catalog import Dataset, load_catalog, normalise_header
from observatory.settings import REPOSITORY_ROOT

SCALE = 0.001
SAMPLE = REPOSITORY_ROOT / "assets" / "sample"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "inputs"
    result = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--scale", str(SCALE), "--out", str(out)],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    editions = sum(len(d.millesimes) for d in load_catalog(REPOSITORY_ROOT / "assets"))
    assert f"{editions + 1} files" in result.stdout  # one per edition, and the territories
    return out


def _member(archive: zipfile.ZipFile, pattern: str) -> str:
    names = [n for n in archive.namelist() if fnmatch.fnmatch(n.lower(), pattern.lower())]
    assert len(names) == 1, f"{pattern} in {archive.namelist()}"
    return names[0]


def _xlsx_header(data: bytes, sheet: str | None, marker: str) -> list[str]:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = workbook[sheet] if sheet else workbook.worksheets[0]
    for row in rows.iter_rows(values_only=True, max_row=50):
        if any(str(v).strip().lower() == marker.lower() for v in row if v is not None):
            cells = [str(v) for v in row]
            while cells and cells[-1] == "None":
                cells.pop()
            return cells
    raise AssertionError(f"no header holding {marker}")


def _text_header(data: bytes, encoding: str, separator: str, quote: str | None) -> list[str]:
    line = data.decode(encoding).lstrip("\ufeff").splitlines()[0]
    return next(csv.reader([line], delimiter=separator, quotechar=quote or None))


def header(dataset: Dataset, millesime: int, path: Path) -> list[str]:
    """The file's header, read with the standard library (or DuckDB for Parquet)."""
    options = dataset.read_options(millesime)
    data = path.read_bytes()
    file_format, encoding = options.format, options.encoding or "utf-8"
    if file_format == "zip":
        with zipfile.ZipFile(path) as archive:
            data = archive.read(_member(archive, options.member or "*"))
        file_format = options.member_format
    if file_format == "csv":
        return _text_header(data, encoding, options.separator or ",", options.quote)
    if file_format == "xlsx":
        return _xlsx_header(data, options.sheet, options.header_marker or "")
    if file_format == "parquet":
        return [r[0] for r in duckdb.sql(f"describe select * from '{path}'").fetchall()]
    if file_format == "json":
        return list(json.loads(data)[0])
    if file_format == "geojson":  # every property any feature has, then the geometry
        features = json.loads(data)["features"]
        return [*sorted({k for f in features for k in f["properties"]}), "geometry"]
    raise AssertionError(f"format {file_format}")


def rows(dataset: Dataset, millesime: int, path: Path) -> int:
    """Data rows of a CSV, a zipped CSV or a Parquet file (header excluded)."""
    options = dataset.read_options(millesime)
    if options.format == "parquet":
        return duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0]
    data = path.read_bytes()
    if options.format == "zip":
        with zipfile.ZipFile(path) as archive:
            data = archive.read(_member(archive, options.member or "*"))
    return data.count(b"\n") - 1


def test_layout_is_a_catalog_folder_with_every_dataset(generated: Path) -> None:
    catalog = load_catalog(REPOSITORY_ROOT / "assets")
    copied = load_catalog(generated)  # DIR is itself a valid catalog folder
    assert sorted(d.id for d in copied) == sorted(d.id for d in catalog)
    for dataset in catalog:
        for edition in dataset.millesimes:
            path = generated / "sample" / dataset.id / str(edition.millesime) / edition.file_name
            assert path.is_file(), path
    custom = (generated / "sample" / "territoires_personnalises.csv").read_text()
    assert custom.startswith("code_commune,code_territoire,libelle,niveau\n")


def test_headers_are_the_official_ones(generated: Path) -> None:
    """Each header equals the bundled sample's (format-faithful) and holds every required
    column of the catalog, by name, alias or pattern."""
    for dataset in load_catalog(REPOSITORY_ROOT / "assets"):
        for edition in dataset.millesimes:
            relative = Path(dataset.id) / str(edition.millesime) / edition.file_name
            found = header(dataset, edition.millesime, generated / "sample" / relative)
            expected = header(dataset, edition.millesime, SAMPLE / relative)
            assert found == expected, relative
            keys = [normalise_header(h) for h in found]
            for column in dataset.columns:
                present = any(k in column.candidates for k in keys) or (
                    column.pattern is not None and any(re.search(column.pattern, k) for k in keys)
                )
                assert present or not column.required, f"{relative}: {column.name}"


def test_row_counts_follow_the_scale(generated: Path) -> None:
    catalog = load_catalog(REPOSITORY_ROOT / "assets")
    sample = generated / "sample"
    expected = {  # rows at scale 1 (the real files' sizes)
        ("insee_bpe", 2025): 2_920_000,
        ("insee_bpe", 2024): 2_900_000,
        ("ans_annuaire_sante", 2026): 2_280_000,
        ("insee_populations_reference", 2023): 34_900,
        ("insee_cog_communes", 2026): 37_500,
    }
    for (dataset_id, millesime), full in expected.items():
        dataset = next(d for d in catalog if d.id == dataset_id)
        path = sample / dataset_id / str(millesime) / dataset.edition(millesime).file_name
        counted = rows(dataset, millesime, path)
        # small scales keep one facility of each measured service per région: BPE above scale
        assert 0.5 * full * SCALE <= counted <= 3 * full * SCALE, (dataset_id, counted)
    # ameli keeps every département, fewer years and professions: about its share too
    ameli = next(d for d in catalog if d.id == "ameli_demographie")
    path = sample / "ameli_demographie" / "2024" / "demographie-effectifs-et-les-densites.csv"
    assert rows(ameli, 2024, path) <= 10 * 3_456_960 * SCALE


def test_files_are_read_as_the_official_ones(generated: Path) -> None:
    """A few format facts of formats.md, checked on the bytes."""
    sample = generated / "sample"
    rpps = (sample / "ans_annuaire_sante/2026/ps-libreacces-personne-activite.txt").read_bytes()
    assert rpps.startswith(b"\xef\xbb\xbfType d'identifiant PP|")
    assert all(line.endswith(b"|") for line in rpps.splitlines()[:50])
    with zipfile.ZipFile(sample / "insee_bpe/2024/BPE24.zip") as archive:
        first = archive.read("BPE24.csv").split(b"\n")[1].decode()
    assert first.startswith('"2024";') and ';;"0";' in first  # numbers bare, text quoted
    with zipfile.ZipFile(sample / "insee_bpe/2021/bpe21_ensemble_xy_csv.zip") as archive:
        assert sorted(archive.namelist()) == [
            "bpe21_ensemble_xy.csv",
            "varmod_bpe21_ensemble_xy.csv",
        ]
        assert archive.read("bpe21_ensemble_xy.csv").split(b"\n")[0].endswith(b"\r")
    with zipfile.ZipFile(sample / "insee_populations_reference/2019/ensemble.zip") as archive:
        assert archive.read("donnees_communes.csv").startswith(b"CODREG;REG;CODDEP;")
    communes = (sample / "insee_cog_communes/2026/v_commune_2026.csv").read_text()
    codes = [line.split(",")[1].strip('"') for line in communes.splitlines()[1:]]
    assert all(re.fullmatch(r"\d{5}|2[AB]\d{3}", c) for c in codes)
    assert any(c.startswith("751") for c in codes)  # Paris's arrondissements municipaux
    assert any(c.startswith("971") for c in codes)  # an overseas département


def test_same_seed_same_files(tmp_path: Path) -> None:
    """Deterministic: the geography and a file drawn from it are identical for one seed."""
    sys.path.insert(0, str(REPOSITORY_ROOT))
    from bench.synthetic import territoires
    from bench.synthetic.geography import build
    from bench.synthetic.world import World

    def commune_file(seed: int, name: str) -> bytes:
        world = World(build(SCALE, seed), tmp_path / f"scratch-{name}")
        target = tmp_path / name
        territoires.cog_communes(world, 2026, target)
        world.con.close()
        world.background.shutdown()
        return target.read_bytes()

    assert commune_file(1, "a.csv") == commune_file(1, "b.csv")
    assert commune_file(1, "a.csv") != commune_file(2, "c.csv")
