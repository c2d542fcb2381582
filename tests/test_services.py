"""Service supply on the bundled sample: hand-checkable distances, gammes, densities, evolution.

The sample is built so that these can be worked out by hand (observatory/sample/bpe_plan.py):
every boulangerie of Bourg-Fictif (01901) stands exactly on its town hall (46.00 N, 5.20 E); its
eastern neighbour Saint-Exemple (01902, town hall 46.00 N, 5.27 E) has none, nor do the
communes around it, so its nearest boulangerie is at the great-circle distance between the two
town halls. Bourg-Fictif has the whole gamme de proximité; the second bourg 01910 lacks the post
office and the taxi.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile

import pytest

from tests.conftest import REPOSITORY

SAMPLE = REPOSITORY / "assets" / "sample"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def town_hall(code: str) -> tuple[float, float]:
    """The commune's town hall as published in the sample's geo.api JSON ([lon, lat])."""
    import json

    communes = json.loads((SAMPLE / "communes_centroides/2026/communes.json").read_text("utf-8"))
    point = next(c for c in communes if c["code"] == code)["mairie"]["coordinates"]
    return point[1], point[0]


@pytest.mark.parametrize("millesime", [2021, 2023, 2024, 2025])
def test_nearest_boulangerie_of_saint_exemple_is_in_bourg_fictif(published, millesime):
    expected = haversine_km(*town_hall("01902"), *town_hall("01901"))
    assert expected == pytest.approx(5.407, abs=0.001)  # 0.07 degree of longitude at 46 N
    rows = published.execute(
        "select code_territoire, distance_km, code_commune_equipement from marts.services__acces "
        "where niveau = 'commune' and millesime = ? and code_regroupement = 'B207' "
        "and code_territoire in ('01901', '01902')",
        [millesime],
    ).fetchall()
    found = {code: (distance, holder) for code, distance, holder in rows}
    assert found["01901"] == (0.0, "01901")
    assert found["01902"][1] == "01901"
    assert found["01902"][0] == pytest.approx(expected, abs=0.001)


def test_gamme_de_proximite_complete_in_one_commune_not_in_another(published):
    rows = published.execute(
        "select code_territoire, nb_regroupements, nb_regroupements_presents, "
        "part_population_gamme_complete, regroupements_manquants from marts.services__gammes "
        "where niveau = 'commune' and millesime = 2025 and gamme = 'proximite' "
        "and code_territoire in ('01901', '01910')"
    ).fetchall()
    found = {r[0]: r[1:] for r in rows}
    assert found["01901"] == (26, 26, 1.0, None)
    assert found["01910"][:3] == (26, 24, 0.0)
    assert found["01910"][3] == "poste (bureau, relais ou agence), taxi"


def bpe_2024_rows() -> list[dict[str, str]]:
    with zipfile.ZipFile(SAMPLE / "insee_bpe/2024/BPE24.zip") as archive:
        text = archive.read("BPE24.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_density_counts_match_the_file(published):
    """2024 facilities per type in département 01, counted from the published CSV here; 01925
    (valid in COG 2024) was merged since and its facility still counts in 01."""
    expected: dict[str, int] = {}
    for row in bpe_2024_rows():
        if row["DEPCOM"].startswith("01"):
            expected[row["TYPEQU"]] = expected.get(row["TYPEQU"], 0) + 1
    found = dict(
        published.execute(
            "select code_agregat, nb_equipements from marts.services__densite where niveau = "
            "'departement' and code_territoire = '01' and millesime = 2024 "
            "and type_agregat = 'typequ'"
        ).fetchall()
    )
    assert found == expected
    assert any(r["DEPCOM"] == "01925" for r in bpe_2024_rows())


def test_density_per_10000_inhabitants_uses_the_population_in_force(published):
    """BPE 2025 is compared with the populations de référence in force on 1 January 2025
    (millésime 2022): médecins généralistes per 10,000 inhabitants in France."""
    gps, population, millesime = published.execute(
        "select nb_equipements, population_municipale, millesime_population from "
        "marts.services__densite where niveau = 'france' and millesime = 2025 "
        "and type_agregat = 'typequ' and code_agregat = 'D265'"
    ).fetchall()[0]
    france = published.execute(
        "select population_municipale from marts.population where niveau = 'france' "
        "and millesime = 2022"
    ).fetchall()[0][0]
    density = published.execute(
        "select pour_10000_hab from marts.services__densite where niveau = 'france' "
        "and millesime = 2025 and code_agregat = 'D265'"
    ).fetchall()[0][0]
    assert millesime == 2022 and population == france
    assert density == pytest.approx(10000 * gps / france, abs=1e-4)


def test_bad_facilities_are_quarantined_with_their_reason(published):
    rows = published.execute(
        "select millesime, code_original, typequ, raison from quarantine.insee__bpe "
        "order by code_original"
    ).fetchall()
    assert len(rows) == 2
    (unknown_commune,) = [r for r in rows if r[1] == "01999"]
    (unknown_type,) = [r for r in rows if r[2] == "B999"]
    assert unknown_commune[0] == 2025 and "unknown to the target COG" in unknown_commune[3]
    assert unknown_type[0] == 2025 and "not in the 2025 nomenclature" in unknown_type[3]


def test_renumbered_types_are_followed_across_editions(published):
    """Médecins généralistes are D201 until BPE 2023 and D265 from 2024: one series, no break
    from 2023 to 2024; 2021 -> 2023 is flagged (INSEE's change of sources)."""
    rows = published.execute(
        "select millesime, nb_equipements, rupture_serie from marts.services__evolution "
        "where niveau = 'france' and code_regroupement = 'D265' order by millesime"
    ).fetchall()
    assert [r[0] for r in rows] == [2021, 2023, 2024, 2025]
    assert all(r[1] > 0 for r in rows)
    assert [r[2] for r in rows] == [False, True, False, False]


def test_evolution_keeps_whole_series_of_the_services_a_commune_ever_had(warehouse):
    """A commune's service is one row per edition of the service, zeros included, when the
    commune had it at one edition at least; a service it never had has no row (as in
    services__densite). Checked against the facilities per commune the mart is built from."""
    present = warehouse.execute(
        "select code_commune, code_regroupement, millesime, nb_equipements "
        "from intermediate.int_bpe__presence_communes"
    ).fetchall()
    rows = warehouse.execute(
        "select code_territoire, code_regroupement, millesime, nb_equipements "
        "from marts.services__evolution where niveau = 'commune'"
    ).fetchall()
    editions = dict(
        warehouse.execute(
            "select code_regroupement, count(distinct millesime) "
            "from intermediate.int_bpe__regroupements group by all"
        ).fetchall()
    )
    assert {r for r in rows if r[3] > 0} == set(present)
    series: dict[tuple[str, str], list[int]] = {}
    for commune, service, _, count in rows:
        series.setdefault((commune, service), []).append(count)
    assert series.keys() == {(r[0], r[1]) for r in present}
    assert all(len(counts) == editions[service] for (_, service), counts in series.items())
    gained_or_lost = [key for key, counts in series.items() if 0 in counts]
    assert gained_or_lost, "the sample has a commune that gained or lost a service"


def test_facilities_without_a_usable_point_are_kept(warehouse):
    rows = warehouse.execute(
        "select stg.millesime, stg.anomalie_point, equ.localisation from "
        "staging.stg_insee__bpe as stg inner join intermediate.int_bpe__equipements as equ "
        "on stg.millesime = equ.millesime and stg.source_row = equ.source_row "
        "where stg.anomalie_point is not null order by 1, 2"
    ).fetchall()
    assert ("2024", "hors_france", "commune") in {(str(a), b, c) for a, b, c in rows}
    assert {r[0] for r in rows if r[1] == "absent"} >= {2023, 2024, 2025}
    assert all(r[2] == "commune" for r in rows)
