"""Crediting the producers in every edition: `meta.sources` and `datapackage.json`.

The descriptor is checked by the Frictionless validator itself (the tool of schema.data.gouv.fr),
metadata and data: it reads every Parquet file through pyarrow and checks each cell against the
declared type. Its byte-count and hash checks are skipped there (it reads Parquet as a table, not
as a byte stream, so it has no bytes to count) and done here instead.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import frictionless
import pytest

from observatory.catalog import load_catalog
from observatory.publish.datapackage import DATAPACKAGE_NAME, table_schema_type
from observatory.publish.editions import CURRENT_LINK, Edition, read_manifest, verify_edition

ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


@pytest.fixture(scope="module")
def edition(sample_build) -> Path:
    """The sample's current edition folder (read it, do not modify it)."""
    settings, summary = sample_build
    assert summary.success, summary.failure
    return (settings.published_dir / CURRENT_LINK).resolve()


@pytest.fixture(scope="module")
def descriptor(edition: Path) -> dict:
    return json.loads((edition / DATAPACKAGE_NAME).read_text(encoding="utf-8"))


def test_meta_sources_credits_every_dataset_millesime_ingested(sample_build, published):
    settings, _ = sample_build
    catalog = {d.id: d for d in load_catalog(settings.catalog_dir)}
    rows = published.execute(
        "select dataset_id, producer, title, licence, licence_url, landing_page, millesime, "
        "source, sha256, ingested_at from meta.sources"
    ).fetchall()
    ingested = published.execute(
        "select dataset_id, millesime, sha256, max(finished_at) from meta.ingestions group by all"
    ).fetchall()
    assert sorted((r[0], r[6], r[8], r[9]) for r in rows) == sorted(ingested)
    assert len(rows) > 20 and len({r[0] for r in rows}) == len(catalog)
    for dataset_id, producer, title, licence, url, page, _, source, _, _ in rows:
        entry = catalog[dataset_id]
        assert (producer, title, licence, url, page) == (
            entry.producer,
            entry.title,
            entry.licence,
            entry.licence_url,
            entry.landing_page,
        )
        assert url == ETALAB and Path(source).is_file()  # sample mode: the bundled file
    comments = published.execute(
        "select column_name, comment from duckdb_columns() where schema_name = 'meta' "
        "and table_name = 'sources'"
    ).fetchall()
    assert all(text for _, text in comments) and len(comments) == 12


def test_datapackage_is_valid_under_frictionless(descriptor, edition):
    report = frictionless.validate(
        str(edition / DATAPACKAGE_NAME), skip_errors=["byte-count", "hash-count"]
    )
    errors = [(task.name, e.message) for task in report.tasks for e in task.errors]
    assert report.valid, (errors[:5], [e.message for e in report.errors])
    assert report.stats["tasks"] == len(descriptor["resources"]) > 15


def test_frictionless_rejects_a_wrong_descriptor(descriptor):
    """The validation above is not vacuous: a DuckDB type left as such is caught."""
    broken = copy.deepcopy(descriptor)
    broken["resources"][0]["schema"]["fields"][0]["type"] = "varchar"
    assert not frictionless.Package.validate_descriptor(broken).valid
    broken = copy.deepcopy(descriptor)
    del broken["licenses"][0]["path"]
    assert not frictionless.Package.validate_descriptor(broken).valid


def test_datapackage_describes_every_parquet_file_its_sources_and_licences(
    descriptor, edition, published
):
    files = duckdb.connect()  # the published file's reader may not read other files
    manifest = read_manifest(edition)
    tables = {t["table"]: t for t in manifest["tables"]}
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(resources) == set(tables) and "meta.sources" in resources
    assert descriptor["id"] == manifest["edition"]
    for name, resource in resources.items():
        parquet = edition / resource["path"]
        assert resource["format"] == "parquet" and resource["path"].endswith(".parquet")
        assert resource["bytes"] == parquet.stat().st_size, name
        assert resource["hash"] == "sha256:" + hashlib.sha256(parquet.read_bytes()).hexdigest()
        columns = files.execute(
            "select column_name, column_type from "
            f"(describe select * from read_parquet('{parquet}'))"
        ).fetchall()
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == [c for c, _ in columns], name
        assert [f["type"] for f in fields] == [table_schema_type(t) for _, t in columns], name
        if name.startswith("marts."):
            assert "Grain: one row per" in resource["description"], name
            assert all(f["description"] for f in fields), name
    population = {f["name"]: f["type"] for f in resources["marts.population"]["schema"]["fields"]}
    assert population["code_territoire"] == "string" and population["millesime"] == "integer"
    assert population["part_75_ans_et_plus"] == "number"
    assert descriptor["licenses"] == [{"path": ETALAB, "title": "Licence Ouverte / Etalab 2.0"}]
    credited = published.execute(
        "select producer, dataset_id, millesime, sha256 from meta.sources "
        "order by dataset_id, millesime"
    ).fetchall()
    assert len(descriptor["sources"]) == len(credited)
    for source, (producer, _, millesime, digest) in zip(
        descriptor["sources"], credited, strict=True
    ):
        assert source["title"].startswith(f"{producer} — ") and str(millesime) in source["title"]
        assert source["sha256"] == digest and source["licence_url"] == ETALAB
        assert source["path"].startswith("https://")  # the landing page: sample files are local


def test_verify_edition_checks_the_datapackage(edition, tmp_path):
    copied = tmp_path / edition.name
    shutil.copytree(edition, copied)
    manifest = read_manifest(copied)
    assert manifest["datapackage"]["path"] == DATAPACKAGE_NAME
    assert verify_edition(Edition(copied.name, copied, manifest, False)) == []
    with (copied / DATAPACKAGE_NAME).open("a", encoding="utf-8") as handle:
        handle.write(" ")
    assert verify_edition(Edition(copied.name, copied, manifest, False)) == [DATAPACKAGE_NAME]


def test_every_duckdb_type_maps_to_a_table_schema_type():
    """The mapping is checked against the type names DuckDB itself gives."""
    con = duckdb.connect()
    try:
        described = con.execute(
            "describe select 1::tinyint as a, 1::bigint as b, 1::hugeint as c, 1.5::double as d, "
            "1.5::decimal(18, 3) as e, true as f, date '2026-01-01' as g, "
            "timestamp '2026-01-01 00:00' as h, now() as i, 'x' as j, ['x'] as k, "
            "{'a': 1} as l, map {'a': 1} as m, time '10:00' as n, 1::float as o"
        ).fetchall()
    finally:
        con.close()
    assert [table_schema_type(row[1]) for row in described] == [
        "integer",
        "integer",
        "integer",
        "number",
        "number",
        "boolean",
        "date",
        "datetime",
        "datetime",
        "string",
        "array",
        "object",
        "object",
        "time",
        "number",
    ]
    assert table_schema_type("GEOMETRY") == "any"
    assert table_schema_type("TIMESTAMP[]") == table_schema_type("STRUCT(a INTEGER)[2]") == "array"
