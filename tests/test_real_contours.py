"""Commune outlines on REAL files: the Creuse's 258 communes of 2018 placed on the COG 2026.

The IGN ADMIN EXPRESS 2018 outlines of the Creuse (france-geojson: properties `code` and `nom`
only, which the GeoJSON family reads as a variant of the Etalab file) are ingested by hand as
the 2018 millésime, with the real COG 2026 and its movements, and built in local mode. Expected
figures come from the files themselves (json, csv, shapely), never from the pipeline's tables.
"""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
import shapely
from shapely.geometry import shape

from observatory.models.geometry import project
from tests.conftest import REAL, ingest_and_build

SOURCES = REAL / "datagouv_decoupage_administratif_sources"
OUTLINES = REAL / "ign_adminexpress2018_creuse_francegeojson"
COMMUNES_FILE = OUTLINES / "communes-23-creuse.geojson"
DEPARTEMENT_FILE = OUTLINES / "departement-23-creuse.geojson"

pytestmark = pytest.mark.skipif(
    not (SOURCES.is_dir() and OUTLINES.is_dir()), reason="../shared/data/real is absent"
)


def file_outlines() -> dict[str, shapely.Geometry]:
    features = json.loads(COMMUNES_FILE.read_text("utf-8"))["features"]
    return {f["properties"]["code"]: shape(f["geometry"]) for f in features}


def creuse_2026() -> set[str]:
    with (SOURCES / "cog2026_communes.csv").open(encoding="utf-8", newline="") as handle:
        return {
            r["COM"] for r in csv.DictReader(handle) if r["TYPECOM"] == "COM" and r["DEP"] == "23"
        }


def absorbed_into() -> dict[str, str]:
    """Code of 2018 no longer in the COG 2026 -> the commune that absorbed it (movements file)."""
    gone = set(file_outlines()) - creuse_2026()
    with (SOURCES / "cog2026_mouvements_communes.csv").open(encoding="utf-8", newline="") as handle:
        return {
            r["COM_AV"]: r["COM_AP"]
            for r in csv.DictReader(handle)
            if r["COM_AV"] in gone
            and r["TYPECOM_AV"] == r["TYPECOM_AP"] == "COM"
            and r["COM_AP"] != r["COM_AV"]
        }


def area_km2(geometry: shapely.Geometry) -> float:
    projected = project(shapely.from_wkb([shapely.to_wkb(geometry)]), ["23"])
    return float(shapely.area(projected[0])) / 1e6


@pytest.fixture(scope="module")
def real_contours(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("real_contours_home")
    files = [
        ("insee_cog_communes", SOURCES / "cog2026_communes.csv", 2026),
        ("insee_cog_mouvements", SOURCES / "cog2026_mouvements_communes.csv", 2026),
        ("insee_cog_departements", SOURCES / "cog2026_departements.csv", 2026),
        ("insee_cog_regions", SOURCES / "cog2026_regions.csv", 2026),
        ("etalab_contours_communes", COMMUNES_FILE, 2018),
    ]
    con = ingest_and_build(home, files)
    yield con
    con.close()


def test_the_file_is_the_creuse_of_2018():
    outlines = file_outlines()
    assert len(outlines) == 258
    assert len(creuse_2026()) == 255
    assert set(absorbed_into()) == {"23023", "23121", "23126"}


def test_every_commune_of_2026_gets_one_outline(real_contours: duckdb.DuckDBPyConnection):
    rows = real_contours.execute(
        "select code_commune, methode_contour, millesime_contours "
        "from intermediate.int_cog__contours_communes"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(creuse_2026())
    assert {r[2] for r in rows} == {2018}
    merged = {r[0] for r in rows if r[1] == "union"}
    assert merged == set(absorbed_into().values())


def test_merged_communes_are_unions_of_their_former_outlines(real_contours):
    outlines = file_outlines()
    for absorbed, into in absorbed_into().items():
        wkb, sources = real_contours.execute(
            "select geometrie, codes_source from intermediate.int_cog__contours_communes "
            "where code_commune = ?",
            [into],
        ).fetchone()
        assert sources == ",".join(sorted((absorbed, into)))
        expected = shapely.union_all([outlines[absorbed], outlines[into]])
        got = shapely.from_wkb(wkb)
        assert shapely.symmetric_difference(got, expected).area < 1e-9 * expected.area
        assert area_km2(got) == pytest.approx(
            area_km2(outlines[absorbed]) + area_km2(outlines[into]), rel=1e-3
        )


def test_the_dissolved_departement_matches_the_published_one(real_contours):
    wkb, surface, nb, missing = real_contours.execute(
        "select geometrie, surface_km2, nb_communes, nb_communes_sans_contour "
        "from marts.territoires__contours where niveau = 'departement' and code_territoire = '23'"
    ).fetchone()
    published = shape(json.loads(DEPARTEMENT_FILE.read_text("utf-8"))["geometry"])
    assert (nb, missing) == (255, 0)
    dissolved = shapely.from_wkb(wkb)
    assert area_km2(dissolved) == pytest.approx(area_km2(published), rel=0.005)
    assert surface == pytest.approx(area_km2(published), rel=0.005)
    # the Creuse is about 5,565 km²
    assert 5400 < surface < 5700


def test_communes_of_other_departements_are_counted_without_outline(real_contours):
    row = real_contours.execute(
        "select nb_communes, nb_communes_sans_contour, geometrie is null "
        "from marts.territoires__contours where niveau = 'departement' and code_territoire = '87'"
    ).fetchone()
    assert row[0] == row[1] > 100 and row[2]


def test_every_creuse_commune_has_neighbours(real_contours):
    rows = real_contours.execute(
        "select code_territoire, code_voisin, frontiere_km from marts.territoires__voisins "
        "where niveau = 'commune'"
    ).fetchall()
    pairs = {(a, b) for a, b, _ in rows}
    assert {a for a, _ in pairs} == creuse_2026()
    assert all((b, a) in pairs for a, b in pairs)
    # a commune of the Creuse (about 22 km² on average) has five or six neighbours
    assert 4.5 < len(pairs) / len(creuse_2026()) < 7
    assert all(0 < km < 60 for *_, km in rows)
