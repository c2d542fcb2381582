"""Tests of observatory.catalog: the real catalog under assets/, and broken copies in tmp_path.

Every broken entry must give a CatalogError naming the file and the field at fault, since that
message is all a reviewer sees when definitions fail to load.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from observatory.catalog import (
    Catalog,
    CatalogError,
    Dataset,
    load_catalog,
    load_dataset,
    normalise_header,
)

REPOSITORY = Path(__file__).resolve().parent.parent
ASSETS = REPOSITORY / "assets"
NOTE = "confirmed by a test"


# --- the real catalog ---------------------------------------------------------------------------


def _catalog_files() -> list[Path]:
    """Every `<producer>/<dataset>.yaml`, found independently of the loader."""
    return sorted(p for p in ASSETS.glob("*/*.yaml") if p.parent.name != "sample" and p.is_file())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ASSETS)


def test_real_catalog_loads_every_file(catalog: Catalog) -> None:
    files = _catalog_files()
    assert files, "no catalog file found under assets/"
    raw_ids = [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in files]
    assert len(catalog) == len(files)
    assert sorted(d.id for d in catalog) == sorted(raw_ids)


def test_real_catalog_ids_and_target_tables_are_unique(catalog: Catalog) -> None:
    raw = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in _catalog_files()]
    ids = [entry["id"] for entry in raw]
    tables = [entry["target_table"] for entry in raw]
    assert len(set(ids)) == len(ids), ids
    assert len(set(tables)) == len(tables), tables
    assert {d.target_table for d in catalog} == set(tables)


def test_real_catalog_file_location_matches_producer(catalog: Catalog) -> None:
    for path in _catalog_files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.parent.name == raw["producer"], path
        assert raw["id"] in (path.stem, f"{raw['producer']}_{path.stem}"), path


def test_real_catalog_every_dataset_has_a_millesime_and_https_urls(catalog: Catalog) -> None:
    for dataset in catalog:
        assert len(dataset.millesimes) >= 1, dataset.id
        for url in [dataset.landing_page, *(m.url for m in dataset.millesimes)]:
            parts = urlsplit(url)
            assert parts.scheme == "https", (dataset.id, url)
            assert parts.netloc, (dataset.id, url)
        years = [m.millesime for m in dataset.millesimes]
        assert len(set(years)) == len(years), dataset.id


def test_real_catalog_says_how_every_url_was_established(catalog: Catalog) -> None:
    """Every URL carries its evidence; the ones the live check found wrong are corrected."""
    for dataset in catalog:
        for edition in dataset.millesimes:
            assert len(edition.note) > 20, (dataset.id, edition.millesime)
    epci = catalog.get("dgcl_epci_composition")
    assert all("/files/Accueil/DESL/" not in m.url for m in epci.millesimes)
    assert epci.edition(2025).file_name == "epcicom2025-2.xlsx"
    assert "404" in epci.edition(2025).note
    assert catalog.get("laposte_codes_postaux").read_options(2026).encoding == "latin-1"
    assert 2022 in catalog.get("insee_population_ages").years
    assert "single source" in catalog.get("drees_demographie").edition(2026).note


def test_real_catalog_checks_reference_declared_columns(catalog: Catalog) -> None:
    for path in _catalog_files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        declared = {c["name"] for c in raw["columns"]} | {c["name"] for c in raw.get("derived", [])}
        declared.add("millesime")  # lineage column added to every raw table
        checks = raw.get("checks", {})
        referenced = set(checks.get("not_null", [])) | set(checks.get("matches", {}))
        referenced |= {c for group in checks.get("unique", []) for c in group}
        assert referenced <= declared, (path, sorted(referenced - declared))


def test_real_catalog_check_patterns_are_valid_regexes(catalog: Catalog) -> None:
    for dataset in catalog:
        for column, pattern in dataset.checks.matches.items():
            re.compile(pattern)  # raises on a broken pattern
            assert pattern.startswith("^") and pattern.endswith("$"), (dataset.id, column)


def test_real_catalog_every_millesime_has_a_format(catalog: Catalog) -> None:
    for dataset in catalog:
        for year in dataset.years:
            options = dataset.read_options(year)
            assert options.format in ("csv", "zip", "xlsx", "parquet", "json", "geojson"), (
                dataset.id,
                year,
            )


# --- broken entries -----------------------------------------------------------------------------


def _valid_entry() -> dict[str, Any]:
    return {
        "id": "insee_x",
        "title": "A test dataset",
        "producer": "insee",
        "licence": "Licence Ouverte / Etalab 2.0",
        "licence_url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "landing_page": "https://www.insee.fr/fr/information/1",
        "group": "territoires",
        "owner": "team:territoires",
        "target_table": "raw.insee__x",
        "read": {"format": "csv", "separator": ";", "encoding": "utf-8"},
        "columns": [
            {"name": "code", "description": "a code"},
            {"name": "libelle", "required": False},
        ],
        "checks": {"not_null": ["code"], "unique": [["millesime", "code"]]},
        "millesimes": [
            {"millesime": 2024, "url": "https://www.insee.fr/fichier/x_2024.csv", "note": NOTE},
            {"millesime": 2025, "url": "https://www.insee.fr/fichier/x_2025.csv", "note": NOTE},
        ],
    }


def _write(root: Path, producer: str, stem: str, entry: Any) -> Path:
    path = root / producer / f"{stem}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_valid_entry_loads(tmp_path: Path) -> None:
    """The base of every broken copy below is itself valid (so each break is what fails)."""
    path = _write(tmp_path, "insee", "x", _valid_entry())
    dataset = load_dataset(path)
    assert dataset.id == "insee_x"
    assert dataset.raw_columns == ["code", "libelle"]
    catalog = load_catalog(tmp_path)
    assert "insee_x" in catalog
    assert catalog.by_table() == {"raw.insee__x": dataset}


def _drop_licence(e: dict[str, Any]) -> None:
    del e["licence"]


def _drop_licence_url(e: dict[str, Any]) -> None:
    del e["licence_url"]


def _licence_url_of_another_licence(e: dict[str, Any]) -> None:
    e["licence_url"] = "https://opendatacommons.org/licenses/odbl/1-0/"


def _relative_licence_url(e: dict[str, Any]) -> None:
    e["licence"] = "Licence du producteur"
    e["licence_url"] = "/licence"


def _relative_url(e: dict[str, Any]) -> None:
    e["millesimes"][0]["url"] = "/fichier/x_2024.csv"


def _undeclared_not_null(e: dict[str, Any]) -> None:
    e["checks"]["not_null"] = ["code", "code_inconnu"]


def _zip_without_member(e: dict[str, Any]) -> None:
    e["read"] = {"format": "zip", "member_format": "csv", "separator": ";"}


def _csv_without_separator(e: dict[str, Any]) -> None:
    del e["read"]["separator"]


def _duplicated_millesime(e: dict[str, Any]) -> None:
    e["millesimes"][1]["millesime"] = 2024


def _bad_owner(e: dict[str, Any]) -> None:
    e["owner"] = "territoires"


def _typo_field(e: dict[str, Any]) -> None:
    e["licnce"] = e.pop("licence")


def _no_format(e: dict[str, Any]) -> None:
    del e["read"]["format"]


def _url_without_note(e: dict[str, Any]) -> None:
    del e["millesimes"][1]["note"]


def _blank_note(e: dict[str, Any]) -> None:
    e["millesimes"][0]["note"] = "   "


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]] = {
    "missing licence": (_drop_licence, ["licence"]),
    "missing licence_url": (_drop_licence_url, ["licence_url"]),
    "licence_url of another licence": (
        _licence_url_of_another_licence,
        ["licence_url", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"],
    ),
    "licence_url not absolute": (_relative_licence_url, ["licence_url", "absolute"]),
    "url not absolute": (_relative_url, ["url"]),
    "not_null column not declared": (_undeclared_not_null, ["checks", "code_inconnu"]),
    "zip without member": (_zip_without_member, ["member"]),
    "csv without separator": (_csv_without_separator, ["separator"]),
    "duplicated millesime": (_duplicated_millesime, ["millesime", "2024"]),
    "owner not team or e-mail": (_bad_owner, ["owner"]),
    "unknown field (typo)": (_typo_field, ["licnce"]),
    "no format at all": (_no_format, ["format"]),
    "url without a note": (_url_without_note, ["millesimes.1.note"]),
    "blank note": (_blank_note, ["millesimes.0.note", "how the URL was established"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_entry_names_file_and_field(tmp_path: Path, case: str) -> None:
    breaks, fields = BROKEN[case]
    entry = copy.deepcopy(_valid_entry())
    breaks(entry)
    path = _write(tmp_path, "insee", "x", entry)
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    message = str(info.value)
    assert str(path) in message
    for name in fields:
        assert name in message, (name, message)
    # load_catalog reports the same problem
    with pytest.raises(CatalogError, match=re.escape(str(path))):
        load_catalog(tmp_path)


def test_missing_licence_is_reported_even_with_the_typo(tmp_path: Path) -> None:
    """A typo'd field gives two problems: the unknown field and the missing one."""
    entry = _valid_entry()
    _typo_field(entry)
    path = _write(tmp_path, "insee", "x", entry)
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    assert "licnce" in str(info.value)
    assert "`licence`" in str(info.value)


def test_owner_accepts_an_email(tmp_path: Path) -> None:
    entry = _valid_entry()
    entry["owner"] = "data@example.org"
    assert load_dataset(_write(tmp_path, "insee", "x", entry)).owner == "data@example.org"


def test_url_with_a_non_http_scheme_is_rejected(tmp_path: Path) -> None:
    entry = _valid_entry()
    entry["millesimes"][1]["url"] = "ftp://ftp.insee.fr/x_2025.csv"
    path = _write(tmp_path, "insee", "x", entry)
    with pytest.raises(CatalogError, match=r"millesimes\.1\.url") as info:
        load_dataset(path)
    assert str(path) in str(info.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "insee" / "x.yaml"
    path.parent.mkdir()
    path.write_text("id: insee_x\ncolumns: [unclosed\n  title: x\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    assert str(path) in str(info.value)
    assert "YAML" in str(info.value)


@pytest.mark.parametrize("content", ["- id: insee_x\n- title: x\n", "just a string\n", ""])
def test_top_level_not_a_mapping_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "insee" / "x.yaml"
    path.parent.mkdir()
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    assert str(path) in str(info.value)
    assert "mapping" in str(info.value)


def test_file_in_the_wrong_producer_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, "drees", "x", _valid_entry())  # producer says insee
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    message = str(info.value)
    assert str(path) in message
    assert "producer" in message
    assert "insee/" in message  # says where the file belongs


def test_file_with_the_wrong_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "insee", "y", _valid_entry())  # id is insee_x
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    assert str(path) in str(info.value)
    assert "`id`" in str(info.value)


def test_file_named_after_the_full_id_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, "insee", "insee_x", _valid_entry())
    assert load_dataset(path).id == "insee_x"


def test_duplicated_id_across_two_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "insee", "x", _valid_entry())
    other = _valid_entry()
    other["target_table"] = "raw.insee__x_bis"
    second = _write(tmp_path, "insee", "insee_x", other)
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    message = str(info.value)
    assert str(first) in message or str(second) in message
    assert "`id`" in message
    assert "insee_x" in message


def test_duplicated_target_table_names_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "insee", "x", _valid_entry())
    other = _valid_entry()
    other["id"] = "insee_y"
    second = _write(tmp_path, "insee", "y", other)
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    message = str(info.value)
    assert str(first) in message and str(second) in message
    assert "target_table" in message


def test_sample_folder_is_not_catalog(tmp_path: Path) -> None:
    _write(tmp_path, "insee", "x", _valid_entry())
    (tmp_path / "sample").mkdir()
    (tmp_path / "sample" / "junk.yaml").write_text("not: [a, dataset", encoding="utf-8")
    assert [d.id for d in load_catalog(tmp_path)] == ["insee_x"]


def test_empty_or_missing_catalog_folder(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=re.escape(str(tmp_path / "nope"))):
        load_catalog(tmp_path / "nope")
    with pytest.raises(CatalogError, match=re.escape(str(tmp_path))):
        load_catalog(tmp_path)


# --- normalise_header ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("\ufeffCode commune (coord. structure) ", "code_commune_coord_structure"),
        ("CODE_COMMUNE_COORD_STRUCTURE", "code_commune_coord_structure"),
        ("code commune coord structure ", "code_commune_coord_structure"),
        ("Région", "region"),
        ("RÉGION", "region"),
        ("Libellé   géographique", "libelle_geographique"),
        ("  PMUN  ", "pmun"),
        ("\ufeffCODGEO", "codgeo"),
        ("Nb d'équipements (2024)", "nb_d_equipements_2024"),
        ("Pop. totale - 2021", "pop_totale_2021"),
        ("Âge moyen", "age_moyen"),
    ],
)
def test_normalise_header(header: str, expected: str) -> None:
    assert normalise_header(header) == expected


def test_normalise_header_makes_variants_equal() -> None:
    variants = [
        "\ufeffCode commune (coord. structure) ",
        "CODE_COMMUNE_COORD_STRUCTURE",
        "code-commune  coord/structure",
    ]
    assert len({normalise_header(v) for v in variants}) == 1
    assert normalise_header("Région") != normalise_header("Régions")


# --- read options and lookups -------------------------------------------------------------------


def _dataset_with_overrides() -> Dataset:
    entry = _valid_entry()
    entry["read"] = {"format": "csv", "separator": ";", "encoding": "utf-8", "header_row": 1}
    entry["millesimes"] = [
        {
            "millesime": 2022,
            "url": "https://example.org/2022.csv",
            "read": {"separator": ","},
            "note": NOTE,
        },
        {"millesime": 2023, "url": "https://example.org/2023.csv", "note": NOTE},
        {
            "millesime": 2024,
            "url": "https://example.org/2024.xlsx",
            "note": NOTE,
            "sha256": "a" * 64,
            "read": {"format": "xlsx", "header_marker": "CODGEO", "sheet": "COM"},
        },
    ]
    return Dataset.model_validate(entry)


def test_read_options_override_wins_over_defaults() -> None:
    dataset = _dataset_with_overrides()
    old = dataset.read_options(2022)
    assert (old.format, old.separator, old.encoding, old.header_row) == ("csv", ",", "utf-8", 1)
    plain = dataset.read_options(2023)
    assert (plain.format, plain.separator, plain.encoding) == ("csv", ";", "utf-8")
    new = dataset.read_options(2024)
    assert new.format == "xlsx"
    assert new.header_marker == "CODGEO"
    assert new.sheet == "COM"
    assert new.encoding == "utf-8"  # inherited
    # the defaults themselves are not changed by reading an override
    assert dataset.read.format == "csv"
    assert dataset.read.sheet is None


@pytest.mark.parametrize(("year", "nearest"), [(2019, 2022), (2025, 2024), (2030, 2024)])
def test_unknown_millesime_reads_like_the_nearest(year: int, nearest: int) -> None:
    dataset = _dataset_with_overrides()
    assert not dataset.has_millesime(year)
    assert dataset.read_options(year) == dataset.read_options(nearest)
    edition = dataset.edition(year)
    assert edition.millesime == year
    assert edition.url == f"https://example.org/{nearest}." + ("xlsx" if nearest == 2024 else "csv")
    assert edition.sha256 is None  # another file's checksum says nothing about this year
    assert dataset.years == [2022, 2023, 2024]


def test_real_populations_read_options() -> None:
    dataset = load_dataset(ASSETS / "insee" / "populations_reference.yaml")
    options = dataset.read_options(2020)
    assert options.format == "zip"
    assert options.member_format == "csv"
    assert options.separator == ";"
    assert options.encoding == "utf-8"
    assert dataset.producer_table == "insee__populations_reference"


def test_catalog_get_known_and_unknown(catalog: Catalog) -> None:
    assert catalog.get("insee_cog_communes").target_table == "raw.insee__cog_communes"
    with pytest.raises(CatalogError) as info:
        catalog.get("cog_communes")
    assert "'cog_communes'" in str(info.value)
    assert "insee_cog_communes" in str(info.value)  # the suggestion
    with pytest.raises(CatalogError) as info:
        catalog.get("rpps_zzz_nothing_like_it")
    assert "did you mean" not in str(info.value)
    assert "rpps_zzz_nothing_like_it" in str(info.value)


def test_catalog_get_suggests_on_a_typo(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="insee_cog_communes"):
        catalog.get("insee_cog_comunes")
