"""The pipeline on the bundled sample: everything materializes; a re-run changes nothing."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb

from observatory.build import SQL_SCHEMAS
from observatory.catalog import load_catalog
from observatory.defs import assemble as build_definitions
from tests.conftest import build, digest, make_settings


def test_every_asset_materializes_on_the_sample(sample_build):
    settings, summary = sample_build
    assert summary.success, summary.failure
    assert summary.skipped == {}
    built = {table for table, _ in summary.tables}
    keys = build_definitions(settings).resolve_asset_graph().get_all_asset_keys()
    assert built == {".".join(k.path) for k in keys}
    assert summary.checks and all(c.passed for c in summary.checks)
    assert summary.published == settings.published_path
    assert settings.published_path.exists()


def test_every_catalog_millesime_is_loaded_with_its_file_rows(sample_build):
    settings, _ = sample_build
    catalog = load_catalog(settings.catalog_dir)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        for dataset in catalog:
            counts = dict(
                con.execute(
                    f"select millesime, count(*) from {dataset.target_table} group by 1"
                ).fetchall()
            )
            assert sorted(counts) == dataset.years, dataset.id
            recorded = dict(
                con.execute(
                    "select millesime, rows_loaded from meta.ingestions where dataset_id = ?",
                    [dataset.id],
                ).fetchall()
            )
            assert recorded == counts, dataset.id
    finally:
        con.close()


def test_sample_populations_rebuild_codes_in_every_header_layout(sample_build):
    settings, _ = sample_build
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        # 2020 has COM = name and the code split in CODDEP + CODCOM; 2021 has COM = code.
        rows = con.execute(
            "select millesime, code_commune, libelle_commune from raw.insee__populations_reference "
            "where code_commune in ('2A902', '01906') order by 1, 2"
        ).fetchall()
    finally:
        con.close()
    by_year = {}
    for year, code, name in rows:
        by_year.setdefault(year, {})[code] = name
    assert set(by_year) == {2019, 2020, 2021, 2022, 2023}
    for names in by_year.values():
        assert names == {"01906": "L'Étang-Simulé", "2A902": "Santa-Maria-Esempiu"}


def test_second_run_changes_nothing(tmp_path, sample_build):
    built, first = sample_build
    assert first.success, first.failure
    # A copy of the session's sample build, so this second run cannot disturb other tests.
    shutil.copytree(built.home / "sample", tmp_path / "home" / "sample")
    settings = make_settings(tmp_path / "home")
    warehouse_before = digest(settings.warehouse_path)
    published_before = digest(settings.published_path)
    second = build(settings)
    assert second.success, second.failure
    models = [t for t, _ in second.tables if t.split(".")[0] in SQL_SCHEMAS]
    assert models and sorted(second.unchanged) == sorted(models)  # nothing rebuilt
    # Only the validation log grows, by this run's results; every other table is unchanged,
    # and the published edition is kept as it was (same models, same ingestions).
    log = "meta.validation_results"
    warehouse_after = digest(settings.warehouse_path)
    assert warehouse_after.pop(log)[0] == 2 * warehouse_before.pop(log)[0]
    assert warehouse_after == warehouse_before
    assert digest(settings.published_path) == published_before
    # Nothing changed, so no expectation ran again: each result is the stored one, named as such.
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        engines = dict(
            con.execute(
                "select case when engine like 'unchanged since %' then 'reused' else engine end, "
                "count(*) from meta.validation_results where run_id = ? group by 1",
                [second.report.stem],
            ).fetchall()
        )
    finally:
        con.close()
    assert engines.get("reused", 0) > 150 and "great_expectations" not in engines
    editions = sum(len(d.millesimes) for d in load_catalog(settings.catalog_dir))
    assert warehouse_before["meta.ingestions"][0] == editions  # one row per dataset-millésime


def test_local_mode_builds_what_its_inputs_allow(tmp_path):
    settings = make_settings(tmp_path / "home", OBSERVATORY_SOURCE="local")
    empty = build(settings)
    assert empty.skipped["raw.insee__cog_communes"].startswith("no input")
    # The user's territories need the COG: skipped. Models run on empty tables and say so.
    assert "raw.utilisateur__territoires_personnalises" in empty.skipped
    assert "staging.stg_insee__cog_communes" in empty.empty
    assert all(rows == 0 for table, rows in empty.tables if table.startswith("staging."))

    manual = settings.manual_dir / "insee_cog_communes" / "2026"
    manual.mkdir(parents=True)
    shutil.copy(settings.catalog_dir / "sample/insee_cog_communes/2026/v_commune_2026.csv", manual)
    partial = build(settings)
    assert partial.success, partial.failure
    built = dict(partial.tables)
    assert built["raw.insee__cog_communes"] == 36
    assert built["staging.stg_insee__cog_communes"] == 36
    assert "raw.insee__populations_reference" in partial.skipped
    assert "staging.stg_insee__populations_reference" in partial.empty
    assert "raw.insee__cog_communes" not in partial.skipped
    # Territories exist from the COG alone: communes, départements, régions, France.
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        levels = dict(
            con.execute("select niveau, count(*) from marts.territoires group by 1").fetchall()
        )
    finally:
        con.close()
    assert levels == {"commune": 31, "departement": 3, "region": 2, "france": 1}


def test_sample_mode_has_its_own_warehouse_and_ignores_files_ingested_by_hand(tmp_path):
    sample = make_settings(tmp_path / "home")
    local = make_settings(tmp_path / "home", OBSERVATORY_SOURCE="local")
    assert sample.warehouse_path != local.warehouse_path
    assert sample.warehouse_path.parent == local.warehouse_path.parent / "sample"
    manual = local.manual_dir / "insee_cog_regions" / "2026"
    manual.mkdir(parents=True)
    (manual / "v_region_2026.csv").write_text(
        "REG,CHEFLIEU,TNCC,NCC,NCCENR,LIBELLE\n"
        "75,33063,3,NOUVELLE AQUITAINE,Nouvelle-Aquitaine,"
        "Nouvelle-Aquitaine\n",
        encoding="utf-8",
    )
    summary = build(sample, "raw/insee__cog_regions")
    assert summary.success, summary.failure
    con = duckdb.connect(str(sample.warehouse_path), read_only=True)
    try:
        origins = con.execute("select distinct origine from meta.ingestions").fetchall()
        names = {
            r[0]
            for r in con.execute(
                "select libelle from raw.insee__cog_regions where millesime = 2026"
            ).fetchall()
        }
    finally:
        con.close()
    assert origins == [("sample",)]
    assert "Nouvelle-Aquitaine" not in names


def test_a_changed_source_rebuilds_what_reads_it_and_only_that(tmp_path, sample_build):
    built, _ = sample_build
    shutil.copytree(built.home / "sample", tmp_path / "home" / "sample")
    shutil.copytree(built.catalog_dir, tmp_path / "assets")
    settings = make_settings(
        tmp_path / "home",
        OBSERVATORY_CATALOG_DIR=str(tmp_path / "assets"),
        # the same territories file as the first build (its path is part of its table)
        OBSERVATORY_CUSTOM_TERRITORIES=str(
            built.catalog_dir / "sample" / "territoires_personnalises.csv"
        ),
    )
    postcodes = next((settings.catalog_dir / "sample" / "laposte_codes_postaux").glob("*/*.csv"))
    lines = postcodes.read_text(encoding="latin-1").splitlines()  # La Poste's encoding
    postcodes.write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="latin-1")  # a row more
    summary = build(settings)
    assert summary.success, summary.failure
    rebuilt = {t for t, _ in summary.tables if t.split(".")[0] in SQL_SCHEMAS} - set(
        summary.unchanged
    )
    graph = build_definitions(settings).resolve_asset_graph()
    changed = dg.AssetKey(["raw", "laposte__codes_postaux"])
    downstream = {
        ".".join(k.path)
        for k in dg.AssetSelection.assets(changed).downstream().resolve(graph)
        if k.path[0] in SQL_SCHEMAS
    }
    assert rebuilt == downstream  # exactly what reads the changed source, directly or not
    assert "marts.services__acces" not in rebuilt
    again = build(settings, full_refresh=True)
    assert again.success and again.unchanged == []


def test_uniqueness_counted_by_duckdb_is_reused_too(tmp_path, sample_build, monkeypatch):
    """Large batches have their uniqueness counted by DuckDB (a 34 M-row mart nationally); a
    refresh that changed nothing reuses that count instead of grouping the batch again."""
    from observatory.quality import runner

    built, _ = sample_build
    shutil.copytree(built.home / "sample", tmp_path / "home" / "sample")
    settings = make_settings(tmp_path / "home")
    monkeypatch.setattr(runner, "LARGE_BATCH_ROWS", 10)  # every sample batch is "large"

    def engines(report_stem: str) -> dict[str, int]:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            return dict(
                con.execute(
                    "select case when engine like 'unchanged since %' then 'reused' "
                    "when engine like 'duckdb (batch of %' then 'duckdb' else engine end, "
                    "count(*) from meta.validation_results where run_id = ? group by 1",
                    [report_stem],
                ).fetchall()
            )
        finally:
            con.close()

    first = build(settings)
    assert first.success, first.failure
    counted = engines(first.report.stem).get("duckdb", 0)
    assert counted > 10  # the grain of every large-enough table, counted by DuckDB
    second = build(settings)
    assert second.success, second.failure
    again = engines(second.report.stem)
    assert "duckdb" not in again and again.get("reused", 0) > 150
