"""The bundled sample (`assets/sample/`): generated, deterministic, format-faithful, consistent.

Expected values come from the real extracts in ../shared/data/real, from the catalog YAML, or from
reasoning written next to the assertion; never from the generator's own constants.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections import defaultdict
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

import observatory.sample as sample_module
from observatory.catalog import load_catalog
from observatory.sample import differences, generate
from tests.conftest import REPOSITORY

CATALOG_DIR = REPOSITORY / "assets"
SAMPLE = CATALOG_DIR / "sample"
REAL_SOURCES = "datagouv_decoupage_administratif_sources"
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
BOM = b"\xef\xbb\xbf"


# --- helpers ------------------------------------------------------------------------------------


def parse(content: bytes, separator: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a delimited UTF-8 file, quotes handled by the csv module."""
    text = content.decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    return rows[0], rows[1:]


def records(content: bytes, separator: str) -> list[dict[str, str]]:
    header, rows = parse(content, separator)
    return [dict(zip(header, row, strict=True)) for row in rows]


@cache
def catalog_yaml() -> dict[str, dict]:
    """The catalog as plain YAML (independent of observatory.catalog); read once, not modified."""
    entries = {}
    for path in sorted(CATALOG_DIR.glob("*/*.yaml")):
        if path.parent.name == "sample":
            continue
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries[entry["id"]] = entry
    return entries


def published_name(edition: dict) -> str:
    """The file name at the end of the URL's path, or the YAML's `file_name` for an API URL."""
    return edition.get("file_name") or Path(urlsplit(edition["url"]).path).name


def sample_file(dataset_id: str, millesime: int) -> Path:
    """assets/sample/<id>/<millesime>/<published file name>."""
    entry = catalog_yaml()[dataset_id]
    (edition,) = [m for m in entry["millesimes"] if m["millesime"] == millesime]
    return SAMPLE / dataset_id / str(millesime) / published_name(edition)


@cache
def cog_communes(year: int) -> list[dict[str, str]]:
    return records(sample_file("insee_cog_communes", year).read_bytes(), ",")


@cache
def cog_mouvements(year: int) -> list[dict[str, str]]:
    return records(sample_file("insee_cog_mouvements", year).read_bytes(), ",")


@cache
def population_member(millesime: int, member: str) -> bytes:
    with zipfile.ZipFile(sample_file("insee_populations_reference", millesime)) as archive:
        return archive.read(member)


def population_years() -> list[int]:
    return sorted(
        m["millesime"] for m in catalog_yaml()["insee_populations_reference"]["millesimes"]
    )


def population_code(row: dict[str, str]) -> str:
    """Commune code of a donnees_communes.csv row, in either header layout.

    In every real 2021+ file, COM == first two characters of DEP + CODCOM (checked on the real
    files by test_real_population_code_rule). The 2019-2020 layout has COM = name, so the code is
    rebuilt with that same rule from CODDEP + CODCOM.
    """
    if "Commune" in row:
        return row["COM"]
    return row["CODDEP"][:2] + row["CODCOM"]


def population_dep(row: dict[str, str]) -> str:
    return row["CODDEP"] if "CODDEP" in row else row["DEP"]


# --- the committed files are the generator's output ---------------------------------------------


def test_committed_sample_is_exactly_what_the_generator_produces() -> None:
    catalog = load_catalog(CATALOG_DIR)
    assert differences(catalog, SAMPLE) == []


def test_check_command_reports_the_sample_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "observatory.sample", "--check"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "OBSERVATORY_CATALOG_DIR": str(CATALOG_DIR)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_generating_twice_gives_identical_bytes() -> None:
    catalog = load_catalog(CATALOG_DIR)
    first, second = generate(catalog), generate(catalog)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


def test_generation_does_not_depend_on_the_process_hash_seed() -> None:
    """Set iteration order changes with PYTHONHASHSEED: the output must not."""
    script = (
        "import hashlib, json\n"
        "from observatory.catalog import load_catalog\n"
        "from observatory.sample import generate\n"
        f"files = generate(load_catalog(__import__('pathlib').Path({str(CATALOG_DIR)!r})))\n"
        "print(json.dumps({k: hashlib.sha256(v).hexdigest() for k, v in files.items()}))\n"
    )
    digests = []
    for seed in ("1", "12345"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
        digests.append(json.loads(result.stdout))
    here = {
        k: hashlib.sha256(v).hexdigest() for k, v in generate(load_catalog(CATALOG_DIR)).items()
    }
    assert digests[0] == digests[1] == here


def test_every_dataset_millesime_has_its_sample_file_and_nothing_else() -> None:
    entries = catalog_yaml()
    expected = set()
    for dataset_id, entry in entries.items():
        for edition in entry["millesimes"]:
            expected.add(f"{dataset_id}/{edition['millesime']}/{published_name(edition)}")
    files = {
        p.relative_to(SAMPLE).as_posix()
        for p in SAMPLE.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert expected, "the catalog lists no millésime"
    in_dataset_folders = {f for f in files if "/" in f}
    assert in_dataset_folders == expected
    assert {p.name for p in SAMPLE.iterdir() if p.is_dir()} == set(entries)
    # Top-level files are not datasets: only those the generator declares as extra inputs
    # (e.g. the custom territories file the sample mode uses) may sit there.
    declared_extras = set(getattr(sample_module, "EXTRA_FILES", {}))
    assert files - in_dataset_folders <= declared_extras


# --- format fidelity against the real extracts --------------------------------------------------


@pytest.mark.parametrize(
    ("dataset_id", "real_name"),
    [
        ("insee_cog_communes", "cog2026_communes.csv"),
        ("insee_cog_departements", "cog2026_departements.csv"),
        ("insee_cog_regions", "cog2026_regions.csv"),
        ("insee_cog_mouvements", "cog2026_mouvements_communes.csv"),
    ],
)
def test_cog_2026_headers_match_the_real_files(
    real_dir: Path, dataset_id: str, real_name: str
) -> None:
    sample = sample_file(dataset_id, 2026).read_bytes()
    real = (real_dir / REAL_SOURCES / real_name).read_bytes()
    real_first_line = real.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    sample_first_line = sample.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    assert sample_first_line.replace('"', "") == real_first_line
    sample_header, sample_rows = parse(sample, ",")
    real_header, _ = parse(real, ",")
    assert sample_header == real_header
    assert sample_rows, "the sample has no data row"
    for number, row in enumerate(sample_rows, start=2):
        assert len(row) == len(sample_header), f"{dataset_id} line {number}: {row}"


@pytest.mark.parametrize("dataset_id", ["insee_cog_communes", "insee_cog_mouvements"])
def test_every_cog_millesime_has_well_formed_rows(dataset_id: str) -> None:
    for year in (2024, 2025, 2026):
        header, rows = parse(sample_file(dataset_id, year).read_bytes(), ",")
        assert rows, (dataset_id, year)
        assert all(len(r) == len(header) for r in rows), (dataset_id, year)


def test_population_2023_member_matches_the_real_file_bytes(real_dir: Path) -> None:
    sample = population_member(2023, "donnees_communes.csv")
    real = (real_dir / REAL_SOURCES / "insee_pop_legales_2023_communes.csv").read_bytes()
    real_header, _ = parse(real, ";")
    sample_header, sample_rows = parse(sample, ";")
    assert sample_header == real_header
    assert sample.split(b"\r\n", 1)[0] == real.split(b"\r\n", 1)[0]  # same bytes, `;`, no quotes
    assert sample.startswith(BOM) == real.startswith(BOM)
    for content in (real, sample):
        lines = content.count(b"\n")
        assert lines > 1
        assert content.count(b"\r\n") == lines, "every line ends with CRLF"
        assert content.endswith(b"\r\n")
    assert all(len(r) == len(sample_header) for r in sample_rows)


def test_population_2020_uses_the_real_2020_header_with_names_in_com(real_dir: Path) -> None:
    sample = population_member(2020, "donnees_communes.csv")
    real = (real_dir / REAL_SOURCES / "insee_pop_legales_2020_communes.csv").read_bytes()
    sample_header, sample_rows = parse(sample, ";")
    real_header, real_rows = parse(real, ";")
    assert sample_header == real_header
    com = real_header.index("COM")
    # In the real 2020 file COM holds names; so must the sample's.
    assert not any(COMMUNE_CODE.match(r[com]) for r in real_rows[:100])
    assert sample_rows and not any(COMMUNE_CODE.match(r[com]) for r in sample_rows)
    for content in (real, sample):
        assert content.count(b"\r\n") == content.count(b"\n") > 1, "CRLF line endings"


def test_real_population_code_rule(real_dir: Path) -> None:
    """The rule population_code() relies on: COM == DEP[:2] + CODCOM in every real 2021+ file."""
    for year in (2021, 2022, 2023):
        path = real_dir / REAL_SOURCES / f"insee_pop_legales_{year}_communes.csv"
        rows = records(path.read_bytes(), ";")
        assert rows
        assert all(r["COM"] == r["DEP"][:2] + r["CODCOM"] for r in rows), year


def test_sample_population_codes_follow_the_real_rule() -> None:
    for year in population_years():
        rows = records(population_member(year, "donnees_communes.csv"), ";")
        if "Commune" in rows[0]:
            assert all(r["COM"] == r["DEP"][:2] + r["CODCOM"] for r in rows), year
        assert all(COMMUNE_CODE.match(population_code(r)) for r in rows), year


def test_population_names_are_the_cog_libelle() -> None:
    """Real files name communes with the COG LIBELLE (article included): the sample does too.

    Population millésime N is in the COG of N + 2; the sample COG starts in 2024, and no sample
    code changed before 2025 (test_no_code_change_before_2025), so COG 2024 serves for N < 2022.
    """
    for year in population_years():
        cog = {
            r["COM"]: r["LIBELLE"]
            for r in cog_communes(max(2024, year + 2))
            if r["TYPECOM"] in ("COM", "ARM")
        }
        for row in records(population_member(year, "donnees_communes.csv"), ";"):
            name = row["Commune"] if "Commune" in row else row["COM"]
            assert name == cog[population_code(row)], (year, row)


# --- invented communes never collide with real ones --------------------------------------------


def test_sample_commune_codes_are_not_real_codes(real_dir: Path) -> None:
    sources = real_dir / REAL_SOURCES
    real = {r["COM"] for r in records((sources / "cog2026_communes.csv").read_bytes(), ",")}
    for row in records((sources / "cog2026_mouvements_communes.csv").read_bytes(), ","):
        real |= {row["COM_AV"], row["COM_AP"]}
    assert len(real) > 30000  # the whole real file was read
    sample = set()
    for year in (2024, 2025, 2026):
        sample |= {r["COM"] for r in cog_communes(year) if r["TYPECOM"] in ("COM", "COMD", "ARM")}
        for row in cog_mouvements(year):
            sample |= {row["COM_AV"], row["COM_AP"]}
    assert sample
    assert sorted(sample & real) == []


# --- the awkward cases -------------------------------------------------------------------------


def test_a_code_with_a_leading_zero_is_kept_as_text() -> None:
    communes = cog_communes(2026)
    zero = [r for r in communes if r["TYPECOM"] == "COM" and r["COM"].startswith("0")]
    assert zero
    assert all(len(r["COM"]) == 5 and r["DEP"] == r["COM"][:2] for r in zero)
    raw = sample_file("insee_cog_communes", 2026).read_text(encoding="utf-8")
    assert f'"{zero[0]["COM"]}"' in raw  # written with its zero, not as a number
    populations = records(population_member(2023, "donnees_communes.csv"), ";")
    assert any(r["COM"] == zero[0]["COM"] and r["DEP"] == zero[0]["DEP"] for r in populations)


def test_a_corsican_2a_commune() -> None:
    corsican = [r for r in cog_communes(2026) if r["TYPECOM"] == "COM" and r["COM"][:2] == "2A"]
    assert corsican
    assert all(r["DEP"] == "2A" for r in corsican)
    departements = records(sample_file("insee_cog_departements", 2026).read_bytes(), ",")
    assert "2A" in {d["DEP"] for d in departements}


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_arrondissements_municipaux_point_to_a_commune_of_the_same_file(year: int) -> None:
    communes = cog_communes(year)
    coms = {r["COM"] for r in communes if r["TYPECOM"] == "COM"}
    arms = [r for r in communes if r["TYPECOM"] == "ARM"]
    assert arms
    assert any(r["COMPARENT"] in coms for r in arms)
    assert all(r["COMPARENT"] in coms for r in arms)


def test_no_code_change_before_2025() -> None:
    """Only renamings (MOD 10) before 2025: the COG 2024 codes hold for 2021-2023 too."""
    for row in cog_mouvements(2026):
        if row["DATE_EFF"] < "2025-01-01":
            assert row["MOD"] == "10" and row["COM_AV"] == row["COM_AP"], row


def _successor_chain(code: str, movements: list[dict[str, str]]) -> list[tuple[str, str]]:
    """Follow MOD 31/32 merges (TYPECOM_AP = COM) forward in time: [(date, new code), ...]."""
    chain: list[tuple[str, str]] = []
    date = ""
    while True:
        steps = sorted(
            (m["DATE_EFF"], m["COM_AP"])
            for m in movements
            if m["MOD"] in ("31", "32")
            and m["TYPECOM_AP"] == "COM"
            and m["COM_AV"] == code
            and m["COM_AP"] != code
            and m["DATE_EFF"] > date
        )
        if not steps:
            return chain
        date, code = steps[0]
        chain.append((date, code))
        assert len(chain) < 20, "cycle in the movements"


def test_communes_gone_since_2024_are_reached_through_the_2026_movements() -> None:
    com_2024 = {r["COM"] for r in cog_communes(2024) if r["TYPECOM"] == "COM"}
    com_2026 = {r["COM"] for r in cog_communes(2026) if r["TYPECOM"] == "COM"}
    movements = cog_mouvements(2026)
    gone = sorted(com_2024 - com_2026)
    assert gone, "no commune of COG 2024 disappeared by 2026"
    chains = {}
    for code in gone:
        chain = _successor_chain(code, movements)
        assert chain, f"{code} disappeared without a movement"
        assert chain[-1][1] in com_2026, (code, chain)
        chains[code] = chain
    twice = [c for c, chain in chains.items() if len(chain) >= 2]
    assert twice, f"no commune followed through two mergers: {chains}"
    for code in twice:
        years = [date[:4] for date, _ in chains[code]]
        assert years == ["2025", "2026"], (code, chains[code])


def test_commune_nouvelle_keeps_its_communes_deleguees() -> None:
    """MOD 32 (commune nouvelle): each absorbed commune appears as a COMD of the new one."""
    movements = cog_mouvements(2026)
    nouvelles = [m for m in movements if m["MOD"] == "32" and m["TYPECOM_AP"] == "COM"]
    assert nouvelles
    communes = cog_communes(2026)
    comd = {(r["COM"], r["COMPARENT"]) for r in communes if r["TYPECOM"] == "COMD"}
    for m in nouvelles:
        assert (m["COM_AV"], m["COM_AP"]) in comd, m


# --- populations consistent with the geography --------------------------------------------------


@pytest.mark.parametrize("year", population_years())
def test_population_rows_add_up(year: int) -> None:
    communes = records(population_member(year, "donnees_communes.csv"), ";")
    departements = records(population_member(year, "donnees_departements.csv"), ";")
    assert communes and departements
    pmun: dict[str, int] = defaultdict(int)
    ptot: dict[str, int] = defaultdict(int)
    for row in communes:
        assert int(row["PTOT"]) == int(row["PMUN"]) + int(row["PCAP"]), row
        pmun[population_dep(row)] += int(row["PMUN"])
        ptot[population_dep(row)] += int(row["PTOT"])
    published = {population_dep(d): (int(d["PMUN"]), int(d["PTOT"])) for d in departements}
    assert published == {dep: (pmun[dep], ptot[dep]) for dep in pmun}


@pytest.mark.parametrize("year", population_years())
def test_population_nbcom_counts_a_plm_city_once(year: int) -> None:
    """NBCOM counts communes: arrondissements of one city count as that one commune (Paris = 1)."""
    parent = {r["COM"]: r["COMPARENT"] for r in cog_communes(2024) if r["TYPECOM"] == "ARM"}
    per_dep: dict[str, set[str]] = defaultdict(set)
    for row in records(population_member(year, "donnees_communes.csv"), ";"):
        code = population_code(row)
        per_dep[population_dep(row)].add(parent.get(code, code))
    departements = records(population_member(year, "donnees_departements.csv"), ";")
    assert {population_dep(d): int(d["NBCOM"]) for d in departements} == {
        dep: len(codes) for dep, codes in per_dep.items()
    }


def _expected_population_codes(cog_year: int) -> set[str]:
    """COM and ARM of a COG, the parent of arrondissements replaced by its arrondissements."""
    communes = cog_communes(cog_year)
    parents = {r["COMPARENT"] for r in communes if r["TYPECOM"] == "ARM"}
    return {
        r["COM"]
        for r in communes
        if (r["TYPECOM"] == "COM" and r["COM"] not in parents) or r["TYPECOM"] == "ARM"
    }


@pytest.mark.parametrize("year", population_years())
def test_population_codes_are_the_communes_of_cog_n_plus_2(year: int) -> None:
    """Millésime N is in the COG of N + 2: 2023 -> COG 2025, 2022 -> COG 2024, and earlier ones
    -> COG 2024 as well, because no sample code changed before 2025."""
    codes = [
        population_code(r) for r in records(population_member(year, "donnees_communes.csv"), ";")
    ]
    assert len(codes) == len(set(codes)), "a commune is listed twice"
    assert set(codes) == _expected_population_codes(max(2024, year + 2))


def test_population_2023_is_in_cog_2025_not_2026() -> None:
    """The 2025 mergers are applied, the 2026 one is not yet."""
    codes = {
        population_code(r) for r in records(population_member(2023, "donnees_communes.csv"), ";")
    }
    com_2024 = {r["COM"] for r in cog_communes(2024) if r["TYPECOM"] == "COM"}
    com_2025 = {r["COM"] for r in cog_communes(2025) if r["TYPECOM"] == "COM"}
    com_2026 = {r["COM"] for r in cog_communes(2026) if r["TYPECOM"] == "COM"}
    assert com_2024 - com_2025, "no merger in 2025"
    assert not codes & (com_2024 - com_2025)
    assert com_2025 - com_2026, "no merger in 2026"
    assert com_2025 - com_2026 <= codes


def test_plm_parent_is_not_in_any_population_file() -> None:
    parents = set()
    for year in (2024, 2025, 2026):
        parents |= {r["COMPARENT"] for r in cog_communes(year) if r["TYPECOM"] == "ARM"}
    assert parents
    for year in population_years():
        rows = records(population_member(year, "donnees_communes.csv"), ";")
        codes = {population_code(r) for r in rows}
        assert not codes & parents, year


def test_merged_commune_population_is_close_to_the_sum_of_its_parts() -> None:
    """Across one year a commune's population moves by a few percent at most (real French
    communes rarely change by more than 2 % a year). So the PMUN, in millésime 2023 (COG 2025),
    of a commune that absorbed others on 1 January 2025 must be within 5 % of the summed PMUN of
    its parts in millésime 2022 (COG 2024), and closer to that sum than to its own former PMUN."""

    def pmun(year: int) -> dict[str, int]:
        rows = records(population_member(year, "donnees_communes.csv"), ";")
        return {population_code(r): int(r["PMUN"]) for r in rows}

    before, after = pmun(2022), pmun(2023)
    merged: dict[str, set[str]] = defaultdict(set)
    for m in cog_mouvements(2025):
        if m["MOD"] in ("31", "32") and m["TYPECOM_AP"] == "COM" and m["DATE_EFF"] == "2025-01-01":
            merged[m["COM_AP"]].add(m["COM_AV"])
    assert merged
    for into, parts in merged.items():
        assert len(parts) >= 2, (into, parts)  # the commune itself and at least one absorbed
        total = sum(before[p] for p in parts)
        assert abs(after[into] - total) <= 0.05 * total, (into, parts, after[into], total)
        # closer to the sum than to what the commune alone had: the absorbed people were added
        assert abs(after[into] - total) < abs(after[into] - before[into]), (into, parts)


def test_la_poste_sample_is_latin1_like_the_real_file() -> None:
    """La Poste serves 019HexaSmal.csv in ISO-8859-1 whatever its HTTP charset says: the
    sample is written (and the catalog reads it) that way, `é` of the header as one byte."""
    data = (SAMPLE / "laposte_codes_postaux" / "2026" / "019HexaSmal.csv").read_bytes()
    assert data.startswith(b"#Code_commune_INSEE;Nom_de_la_commune;Code_postal;")
    assert "Libellé_d_acheminement".encode("latin-1") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    catalog = load_catalog(CATALOG_DIR)
    assert catalog.get("laposte_codes_postaux").read_options(2026).encoding == "latin-1"


def test_census_ages_2022_sample_has_the_2022_columns() -> None:
    """The 2022 edition the catalog gained has its sample: P22_ columns, IRIS of COG 2024."""
    path = SAMPLE / "insee_population_ages" / "2022" / "base-ic-evol-struct-pop-2022_csv.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "base-ic-evol-struct-pop-2022.CSV",
            "meta_base-ic-evol-struct-pop-2022.CSV",
        ]
        header = archive.read("base-ic-evol-struct-pop-2022.CSV").decode("latin-1").split("\r\n")[0]
    assert header.startswith("IRIS;COM;TYP_IRIS;LAB_IRIS;P22_POP;")
