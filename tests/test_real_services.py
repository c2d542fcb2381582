"""Service supply on the REAL BPE extracts in ../shared/data/real.

INSEE's BPE 2021 detail sample (TYPEQU, DEPCOM, Lambert-93 coordinates), the BPE 2018 education
file (counts per commune in NB_EQUIP), the BPE 2013 variable/modality file (the TYPEQU
nomenclature of that time) and BPE 2021 counts per département are ingested or read here, with
COG 2026 and its movements, in local mode. Every expected figure is computed in the test from
the raw files; the Lambert-93 check uses a forward projection written here from IGN's formulas.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REAL, ingest_and_build

COG = REAL / "datagouv_decoupage_administratif_sources"
TREVAS = REAL / "insee_trevas_bpe2021_samples"
GRAVIER = REAL / "insee_bpe_jgravier_2009_2013_2018"
LAPOSTE = REAL / "laposte_codes_postaux_gps_batch8_mednum" / "laposte_hexasmal_with_gps_dep23.csv"

pytestmark = pytest.mark.skipif(not TREVAS.is_dir(), reason="../shared/data/real is absent")


def rows(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def departement(code_commune: str) -> str:
    return code_commune[:3] if code_commune.startswith("97") else code_commune[:2]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("real_services")
    files = [
        ("insee_cog_communes", COG / "cog2026_communes.csv", 2026),
        ("insee_cog_mouvements", COG / "cog2026_mouvements_communes.csv", 2026),
        ("insee_bpe", TREVAS / "BPE_DETAIL_SAMPLE.csv", 2021),
        ("insee_bpe", GRAVIER / "bpe18_enseignement_dep23.csv", 2018),
        ("insee_bpe_nomenclature", GRAVIER / "bpe13_varmod_ensemble.csv", 2013),
        ("insee_bpe_nomenclature", GRAVIER / "bpe09_varmod_ensemble.csv", 2009),
    ]
    con = ingest_and_build(home, files)
    yield con
    con.close()


def test_bpe_2021_counts_per_departement_and_type(services):
    expected = Counter(
        (departement(r["DEPCOM"]), r["TYPEQU"]) for r in rows(TREVAS / "BPE_DETAIL_SAMPLE.csv")
    )
    found = {
        (d, t): n
        for d, t, n in services.execute(
            "select code_territoire, code_agregat, nb_equipements from marts.services__densite "
            "where niveau = 'departement' and millesime = 2021 and type_agregat = 'typequ'"
        ).fetchall()
    }
    quarantined = services.execute(
        "select count(*) from quarantine.insee__bpe where millesime = 2021"
    ).fetchall()[0][0]
    assert quarantined == 0
    assert found == dict(expected)


def test_every_2021_type_is_in_the_2021_nomenclature(services):
    """INSEE's own 2021 counts per département list every type of the edition: all are known."""
    types_2021 = {r["TYPEQU"] for r in rows(TREVAS / "BPE_NUTS3.csv")}
    known = {
        r[0]
        for r in services.execute(
            "select typequ from intermediate.int_bpe__nomenclature where millesime = 2021"
        ).fetchall()
    }
    assert len(types_2021) == 188
    assert types_2021 <= known


def test_education_counts_use_nb_equip(services):
    """The 2018 education file has one row per school type and IRIS with NB_EQUIP schools."""
    expected: Counter[str] = Counter()
    for row in rows(GRAVIER / "bpe18_enseignement_dep23.csv"):
        expected[row["TYPEQU"]] += int(row["NB_EQUIP"])
    found = dict(
        services.execute(
            "select code_agregat, nb_equipements from marts.services__densite "
            "where niveau = 'departement' and code_territoire = '23' and millesime = 2018 "
            "and type_agregat = 'typequ'"
        ).fetchall()
    )
    assert found == dict(expected)


@pytest.mark.parametrize(("year", "types"), [(2013, 181), (2009, 160)])
def test_old_nomenclatures_ingested_from_the_variable_modality_files(services, year, types):
    path = GRAVIER / f"bpe{year % 100:02d}_varmod_ensemble.csv"
    expected = {r["MODALITE"]: r["MODLIBELLE"] for r in rows(path) if r["VARIABLE"] == "TYPEQU"}
    found = dict(
        services.execute(
            "select typequ, libelle from intermediate.int_bpe__nomenclature where millesime = ?",
            [year],
        ).fetchall()
    )
    assert len(expected) == types
    assert found == expected


def lambert93(latitude: float, longitude: float) -> tuple[float, float]:
    """Forward Lambert-93 (IGN, GRS80): written here independently of the pipeline's inverse."""
    e, n, c = 0.0818191910428158, 0.7256077650532670, 11754255.4261
    phi = math.radians(latitude)
    iso = math.atanh(math.sin(phi)) - e * math.atanh(e * math.sin(phi))
    radius = c * math.exp(-n * iso)
    gamma = n * (math.radians(longitude) - math.radians(3))
    return 700000 + radius * math.sin(gamma), 12655612.0499 - radius * math.cos(gamma)


def test_lambert93_points_are_projected_back_exactly(services):
    """Re-projecting the pipeline's WGS84 point gives the file's Lambert-93 coordinates back."""
    points = services.execute(
        "select bpe.lambert_x, bpe.lambert_y, stg.latitude, stg.longitude "
        "from raw.insee__bpe as bpe inner join staging.stg_insee__bpe as stg "
        "on bpe.millesime = stg.millesime and bpe.source_row = stg.source_row "
        "where bpe.millesime = 2021 and stg.origine_point = 'lambert93' "
        "and bpe.depcom like '23%'"
    ).fetchall()
    assert len(points) == len([r for r in rows(TREVAS / "BPE_DETAIL_SAMPLE_dep23.csv")])
    for x, y, latitude, longitude in points:
        px, py = lambert93(latitude, longitude)
        assert (
            abs(px - float(x)) < 0.5 and abs(py - float(y)) < 0.5
        )  # within the 6-decimal rounding


def test_creuse_facilities_lie_near_their_commune(services):
    """Each projected Creuse facility is within 12 km of its commune's La Poste centroid."""
    centroids = {}
    for row in rows(LAPOSTE):
        latitude, longitude = map(float, row["coordonnees_gps"].split(","))
        centroids[row["Code_commune_INSEE"]] = (latitude, longitude)
    facilities = services.execute(
        "select code_commune, latitude, longitude from staging.stg_insee__bpe "
        "where millesime = 2021 and code_commune like '23%'"
    ).fetchall()
    assert facilities
    for code, latitude, longitude in facilities:
        lat0, lon0 = centroids[code]
        km = 6371.0 * math.hypot(
            math.radians(latitude - lat0),
            math.radians(longitude - lon0) * math.cos(math.radians(lat0)),
        )
        assert km < 12, (code, km)
