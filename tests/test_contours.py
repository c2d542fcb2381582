"""Commune outlines on the sample: read, harmonised to the target COG, dissolved to every level.

Expected figures come from the bundled GeoJSON file and shapely, never from the pipeline's
tables: the sample file is read with the json module, areas are measured with the same
projections (observatory.models.geometry.project) on geometries the test assembles itself.
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import shapely
from shapely.geometry import shape

from observatory.cli import main
from observatory.models.geometry import project
from observatory.publish.editions import CURRENT_LINK
from observatory.sources.contours import read_geojson
from observatory.sources.errors import ParseError
from observatory.sources.tabular import FILE_TABLE
from tests.conftest import REPOSITORY, build, copy_of_sample, make_settings

SAMPLE_FILE = REPOSITORY / "assets/sample/etalab_contours_communes/2025/communes-1000m.geojson"


def sample_features() -> list[dict]:
    return json.loads(SAMPLE_FILE.read_text("utf-8"))["features"]


def file_outlines() -> dict[str, shapely.Geometry]:
    """Code -> outline of the bundled 2025 file (communes and arrondissements)."""
    return {f["properties"]["code"]: shape(f["geometry"]) for f in sample_features()}


def area_km2(geometry: shapely.Geometry, departement: str) -> float:
    projected = project(shapely.from_wkb([shapely.to_wkb(geometry)]), [departement])
    return float(shapely.area(projected[0])) / 1e6


def outlines(con: duckdb.DuckDBPyConnection, niveau: str) -> dict[str, shapely.Geometry]:
    rows = con.execute(
        "select code_territoire, geometrie from marts.territoires__contours where niveau = ?",
        [niveau],
    ).fetchall()
    return {code: shapely.from_wkb(wkb) for code, wkb in rows}


def test_every_commune_of_the_target_cog_has_exactly_one_outline(warehouse) -> None:
    target = {
        r[0]
        for r in warehouse.execute(
            "select code_commune from intermediate.int_cog__communes_cible"
        ).fetchall()
    }
    rows = warehouse.execute(
        "select code_territoire, nb_communes, nb_communes_sans_contour, millesime_contours "
        "from marts.territoires__contours where niveau = 'commune' and geometrie is not null"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(target)
    assert {(r[1], r[2], r[3]) for r in rows} == {(1, 0, 2025)}
    # the sample's 2025 file has the city and its arrondissements; only the city is a commune
    assert "69981" in file_outlines() and "69981" not in target


def test_a_merged_commune_is_the_union_of_its_former_outlines(warehouse) -> None:
    in_file = file_outlines()
    expected = shapely.union_all([in_file["01924"], in_file["01926"]])
    wkb, methode, sources = warehouse.execute(
        "select geometrie, methode_contour, codes_source "
        "from intermediate.int_cog__contours_communes where code_commune = '01924'"
    ).fetchone()
    got = shapely.from_wkb(wkb)
    assert (methode, sources) == ("union", "01924,01926")
    assert shapely.symmetric_difference(got, expected).area < 1e-9
    assert shapely.get_num_geometries(got) == shapely.get_num_geometries(expected)
    assert area_km2(got, "01") == pytest.approx(
        area_km2(in_file["01924"], "01") + area_km2(in_file["01926"], "01"), rel=1e-6
    )


def test_commune_outlines_do_not_overlap(warehouse) -> None:
    communes = outlines(warehouse, "commune")
    assert len(communes) > 25
    for (a, ga), (b, gb) in itertools.combinations(communes.items(), 2):
        shared = shapely.intersection(ga, gb).area
        assert shared < 1e-9 * min(ga.area, gb.area) + 1e-12, (a, b, shared)


def test_an_epci_outline_covers_exactly_its_communes_and_its_area_is_theirs(warehouse) -> None:
    communes = outlines(warehouse, "commune")
    epcis = outlines(warehouse, "epci")
    members = warehouse.execute(
        "select code_territoire, list(code_commune) from marts.territoires__communes "
        "where niveau = 'epci' group by all"
    ).fetchall()
    surfaces = dict(
        warehouse.execute(
            "select code_territoire, surface_km2 from marts.territoires__contours "
            "where niveau = 'epci'"
        ).fetchall()
    )
    assert len(members) == len(epcis) >= 3
    for epci, codes in members:
        departement = codes[0][:2]
        expected = shapely.union_all([communes[c] for c in codes])
        assert shapely.symmetric_difference(epcis[epci], expected).area < 1e-9, epci
        measured = area_km2(epcis[epci], departement)
        summed = sum(area_km2(communes[c], departement) for c in codes)
        assert measured == pytest.approx(summed, rel=1e-6)
        assert surfaces[epci] == pytest.approx(measured, abs=1e-3)
        for other in set(communes) - set(codes):
            assert shapely.intersection(epcis[epci], communes[other]).area < 1e-9, (epci, other)


def test_the_bounding_box_frames_the_outline(warehouse) -> None:
    rows = warehouse.execute(
        "select geometrie, xmin, ymin, xmax, ymax from marts.territoires__contours"
    ).fetchall()
    assert rows
    for wkb, *box in rows:
        assert tuple(box) == pytest.approx(shapely.from_wkb(wkb).bounds)


def test_every_level_of_the_territories_has_its_outlines(warehouse) -> None:
    territories = set(
        warehouse.execute("select niveau, code_territoire from marts.territoires").fetchall()
    )
    contours = set(
        warehouse.execute(
            "select niveau, code_territoire from marts.territoires__contours"
        ).fetchall()
    )
    assert contours == territories
    assert {n for n, _ in contours} >= {
        "commune",
        "epci",
        "bv2022",
        "departement",
        "region",
        "france",
        "pays",
    }


def test_a_commune_without_an_outline_and_an_unplaced_code_are_listed(
    sample_build, tmp_path
) -> None:
    """The sample's 2025 file without 01907 and with a code no COG knows (a copy of the catalog,
    its sample edited), built on a copy of the sample warehouse: only the outlines reload."""
    home = copy_of_sample(sample_build, tmp_path / "home")
    catalog = tmp_path / "assets"
    shutil.copytree(REPOSITORY / "assets", catalog)
    edited = catalog / SAMPLE_FILE.relative_to(REPOSITORY / "assets")
    document = json.loads(SAMPLE_FILE.read_text("utf-8"))
    document["features"] = [f for f in document["features"] if f["properties"]["code"] != "01907"]
    stray = json.loads(json.dumps(document["features"][0]))  # a code no COG knows
    stray["properties"]["code"] = "01999"
    document["features"].append(stray)
    edited.write_text(json.dumps(document), "utf-8")
    settings = make_settings(home, OBSERVATORY_CATALOG_DIR=str(catalog))
    summary = build(settings)
    assert summary.success, summary.failure
    [warning] = [w for w in summary.warnings if w.name == "contours_communes_manquants"]
    assert "01907" in warning.message
    [stray_warning] = [w for w in summary.warnings if w.name == "contours_codes_non_places"]
    assert "01999" in stray_warning.message and "01907" not in stray_warning.message
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        row = con.execute(
            "select nb_communes, nb_communes_sans_contour from marts.territoires__contours "
            "where niveau = 'epci' and code_territoire = '200999901'"
        ).fetchone()
        missing = con.execute(
            "select geometrie is null, nb_communes_sans_contour from marts.territoires__contours "
            "where niveau = 'commune' and code_territoire = '01907'"
        ).fetchone()
    finally:
        con.close()
    assert row == (10, 1)
    assert missing == (True, 1)


# --- the GeoJSON family on malformed files ------------------------------------------------------


def feature(geometry: object, code: str = "01901") -> dict:
    return {"type": "Feature", "properties": {"code": code, "nom": "X"}, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[[5, 46], [5.1, 46], [5.1, 46.1], [5, 46]]]}


def read(tmp_path: Path, document: object, *, gz: bool = False) -> duckdb.DuckDBPyConnection:
    data = json.dumps(document).encode("utf-8")
    path = tmp_path / ("f.geojson.gz" if gz else "f.geojson")
    path.write_bytes(gzip.compress(data) if gz else data)
    con = duckdb.connect()
    read_geojson(con, path, "etalab_contours_communes 2025")
    return con


def test_a_feature_collection_reads_plain_or_gzipped(tmp_path) -> None:
    document = {
        "type": "FeatureCollection",
        "features": [feature(SQUARE), feature(SQUARE, "2A004")],
    }
    for gz in (False, True):
        con = read(tmp_path, document, gz=gz)
        rows = con.execute(f"select code, geometry, _source_row from {FILE_TABLE}").fetchall()
        assert [(r[0], r[2]) for r in rows] == [("01901", 1), ("2A004", 2)]
        assert shapely.from_wkb(rows[0][1]).equals(shape(SQUARE))


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"type": "Feature"}, "expected a GeoJSON FeatureCollection, found 'Feature'"),
        (
            {"type": "FeatureCollection", "features": [feature(None, "01905")]},
            "feature 1 (code 01905) has no geometry",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(SQUARE),
                    feature({"type": "Point", "coordinates": [5, 46]}, "01902"),
                ],
            },
            "feature 2 (code 01902) has a geometry of type 'Point'",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature({"type": "Polygon", "coordinates": [[[5, 46], [5.1]]]}, "01903")
                ],
            },
            "feature 1 (code 01903): unreadable Polygon coordinates",
        ),
    ],
)
def test_a_malformed_file_names_the_file_and_the_feature(tmp_path, document, expected) -> None:
    with pytest.raises(ParseError) as error:
        read(tmp_path, document)
    assert "etalab_contours_communes 2025: f.geojson: " in str(error.value)
    assert expected in str(error.value)


def test_truncated_json_and_gzip_are_refused(tmp_path) -> None:
    path = tmp_path / "cut.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    with pytest.raises(ParseError, match=r"cut.geojson: not valid JSON: .* at line 1"):
        read_geojson(duckdb.connect(), path, "x")
    path = tmp_path / "cut.geojson.gz"
    path.write_bytes(gzip.compress(b'{"type": "FeatureCollection", "features": []}')[:20])
    with pytest.raises(ParseError, match=r"cut.geojson.gz: not a readable gzip file"):
        read_geojson(duckdb.connect(), path, "x")


def test_ingesting_a_malformed_file_fails_with_its_feature(tmp_path, capsys) -> None:
    path = tmp_path / "communes-1000m.geojson"
    document = {"type": "FeatureCollection", "features": [feature(SQUARE), feature(None, "01902")]}
    path.write_text(json.dumps(document), "utf-8")
    argv = [
        "--home",
        str(tmp_path / "home"),
        "--source",
        "local",
        "ingest",
        "etalab_contours_communes",
        "--file",
        str(path),
        "--millesime",
        "2025",
    ]
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "communes-1000m.geojson: feature 2 (code 01902) has no geometry" in err


# --- publication: the published DuckDB keeps WKB, the Parquet copy is GeoParquet -----------------


def test_the_published_parquet_is_geoparquet(sample_build, published) -> None:
    import geopandas

    settings, _ = sample_build
    edition = (settings.published_dir / CURRENT_LINK).resolve()
    path = edition / "parquet" / "marts" / "territoires__contours.parquet"
    frame = geopandas.read_parquet(path)
    expected = published.execute(
        "select count(*), count(*) filter (where niveau = 'departement') "
        "from marts.territoires__contours"
    ).fetchone()
    assert frame.crs.to_string() == "OGC:CRS84"
    assert (len(frame), int((frame["niveau"] == "departement").sum())) == expected
    ain = frame[(frame["niveau"] == "departement") & (frame["code_territoire"] == "01")]
    wkb = published.execute(
        "select geometrie from marts.territoires__contours "
        "where niveau = 'departement' and code_territoire = '01'"
    ).fetchone()[0]
    assert ain.geometry.iloc[0].equals(shapely.from_wkb(wkb))
    metadata = json.loads(pq.read_metadata(path).metadata[b"geo"])
    column = metadata["columns"]["geometrie"]
    assert metadata["primary_column"] == "geometrie" and column["encoding"] == "WKB"
    assert column["bbox"] == pytest.approx(list(frame.total_bounds))
    assert set(column["geometry_types"]) == set(frame.geometry.geom_type)
    # other tables stay plain Parquet
    plain = pq.read_metadata(edition / "parquet" / "marts" / "territoires.parquet").metadata
    assert b"geo" not in (plain or {})


# --- neighbours ----------------------------------------------------------------------------------


def test_neighbours_are_the_communes_sharing_a_border(warehouse) -> None:
    communes = outlines(warehouse, "commune")
    listed = {
        (a, b): km
        for a, b, km in warehouse.execute(
            "select code_territoire, code_voisin, frontiere_km from marts.territoires__voisins "
            "where niveau = 'commune'"
        ).fetchall()
    }
    expected = {}
    for (a, ga), (b, gb) in itertools.permutations(communes.items(), 2):
        shared = shapely.intersection(ga.boundary, gb.boundary)
        if shared.length > 0:
            projected = project(shapely.from_wkb([shapely.to_wkb(shared)]), [a[:2]])
            expected[(a, b)] = float(shapely.length(projected[0])) / 1000
    assert len(expected) > 40
    assert set(listed) == set(expected)
    for pair, km in expected.items():
        assert listed[pair] == pytest.approx(km, abs=1e-3), pair
    # the grid's step is about 5.5 km: a border between two cells is a few km at most
    assert 0 < max(listed.values()) < 12


def test_neighbouring_epcis_and_custom_territories(warehouse) -> None:
    rows = warehouse.execute(
        "select niveau, code_territoire, code_voisin from marts.territoires__voisins "
        "where niveau in ('epci', 'pays', 'departement')"
    ).fetchall()
    # the three Ain EPCI are bands of ten communes; the Ain, the Rhône and Corsica do not touch
    assert sorted(rows) == [
        ("epci", "200999901", "200999902"),
        ("epci", "200999902", "200999901"),
        ("epci", "200999902", "200999903"),
        ("epci", "200999903", "200999902"),
        ("pays", "PAYS-NORD", "PAYS-SUD"),
        ("pays", "PAYS-SUD", "PAYS-NORD"),
    ]
