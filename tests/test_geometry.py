"""The geometry functions registered on the models' connection (observatory.models.geometry).

Areas are compared with the area of the same quadrangle on the authalic sphere
(R² · Δλ · (sin φ2 − sin φ1), R = 6371.007 km), an independent formula. Lambert-93 and UTM are
conformal, not equal-area: within 1 % of it in France (Corsica, south of Lambert-93's standard
parallels, is about 0.6 % over), while a projection chosen wrongly (Lambert-93 for La Réunion)
is off by far more.
"""

from __future__ import annotations

import math

import duckdb
import pytest
import shapely

from observatory.models import geometry
from observatory.models.project import load_project
from observatory.models.runner import run_models
from observatory.warehouse import writer
from tests.conftest import make_settings

R_KM = 6371.007


def sphere_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    return (
        R_KM**2
        * math.radians(lon1 - lon0)
        * abs(math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))
    )


@pytest.fixture
def con():
    connection = duckdb.connect()
    geometry.register(connection)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("departement", "box"),
    [
        ("23", (1.8, 45.9, 2.1, 46.2)),  # Creuse, Lambert-93
        ("2A", (8.7, 41.8, 9.0, 42.0)),  # Corse-du-Sud, Lambert-93
        ("974", (55.3, -21.3, 55.7, -20.9)),  # La Réunion, UTM 40S
        ("973", (-53.0, 4.0, -52.5, 4.5)),  # Guyane, UTM 22N
        ("971", (-61.7, 16.0, -61.3, 16.4)),  # Guadeloupe, UTM 20N
    ],
)
def test_area_is_measured_in_the_departements_projection(con, departement, box) -> None:
    wkb = shapely.to_wkb(shapely.box(*box))
    by_departement, by_place, in_lambert = con.execute(
        "select geo_surface_km2($1, $2), geo_surface_km2($1, null), geo_surface_km2($1, '23')",
        [wkb, departement],
    ).fetchone()
    expected = sphere_km2(*box)
    assert by_departement == pytest.approx(expected, rel=0.01)
    assert by_place == pytest.approx(by_departement, rel=1e-9)
    if departement.startswith("97"):
        assert abs(in_lambert / expected - 1) > 0.05  # why the département matters


def test_union_ignores_nulls_and_is_null_when_nothing_is_left(con) -> None:
    left = shapely.to_wkb(shapely.box(5.0, 46.0, 5.1, 46.1))
    right = shapely.to_wkb(shapely.box(5.1, 46.0, 5.2, 46.1))
    united, nothing = con.execute(
        "select geo_union([$1::blob, null, $2::blob]), geo_union([null::blob])", [left, right]
    ).fetchone()
    assert shapely.from_wkb(united).equals(shapely.box(5.0, 46.0, 5.2, 46.1))
    assert nothing is None


def test_border_length_and_bounding_box(con) -> None:
    a = shapely.to_wkb(shapely.box(5.0, 46.0, 5.1, 46.1))
    b = shapely.to_wkb(shapely.box(5.1, 46.0, 5.2, 46.1))
    corner = shapely.to_wkb(shapely.box(5.1, 46.1, 5.2, 46.2))  # touches `a` at one point
    shared, at_a_point, box = con.execute(
        "select geo_frontiere_km($1, $2, '01'), geo_frontiere_km($1, $3, '01'), geo_emprise($1)",
        [a, b, corner],
    ).fetchone()
    # 0.1° of latitude along a meridian: about 11.1 km
    assert shared == pytest.approx(R_KM * math.radians(0.1), rel=0.005)
    assert at_a_point == 0
    assert box == {"xmin": 5.0, "ymin": 46.0, "xmax": 5.1, "ymax": 46.1}


def test_unreadable_wkb_is_a_clear_error(con) -> None:
    with pytest.raises(duckdb.Error, match="geo_surface_km2: a value is not a readable WKB"):
        con.execute("select geo_surface_km2('\\x01\\x03'::blob, '01')").fetchall()


def test_changing_the_geometry_module_rebuilds_the_models(tmp_path, monkeypatch) -> None:
    settings = make_settings(tmp_path / "home")
    project = load_project(settings)
    assert geometry.CONTEXT in project.context_texts
    models = [m for m in project.models if m.table == "staging.stg_etalab__contours_communes"]
    with writer(settings) as con:  # the warehouse as a build opens it (meta schema and all)
        project.prepare(con, settings)
        runs = [list(run_models(con, models, project.context_texts)) for _ in range(2)]
        monkeypatch.setattr(geometry, "CONTEXT", geometry.CONTEXT + "\n# changed\n")
        changed = list(run_models(con, models, project.context_texts))
    assert [r.rebuilt for r in runs[0]] == [True]
    assert [r.rebuilt for r in runs[1]] == [False]
    assert [r.rebuilt for r in changed] == [True]
