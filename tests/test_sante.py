"""Health workforce on the bundled sample: people split over communes, placement, ageing, and the
hand-checkable two-commune accessibility case of Corsica (2A901 has the only GP within 20 km of
2A902, the two town halls are about 5.8 km apart, so both are inside the first decay band)."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from tests.conftest import REPOSITORY

SAMPLE = REPOSITORY / "assets" / "sample"


def ameli_rows() -> list[dict[str, str]]:
    text = (SAMPLE / "ameli_demographie/2024/demographie-effectifs-et-les-densites.csv").read_text(
        encoding="utf-8"
    )
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_a_gp_with_two_communes_counts_half_in_each(published):
    rows = dict(
        published.execute(
            "select code_territoire, effectif from marts.sante__densite where niveau = 'commune' "
            "and profession = 'medecin_generaliste' and mode = 'ensemble' and millesime = 2026"
        ).fetchall()
    )
    assert rows["01901"] == 4.5 and rows["01910"] == 1.5
    assert rows["01922"] == 1.0  # placed through its postcode, which serves only 01922
    assert rows["69901"] == 3.0  # arrondissements folded into their city


def test_cedex_and_missing_addresses_are_quarantined(published):
    reasons = sorted(
        r[0]
        for r in published.execute("select raison from quarantine.ans__annuaire_sante").fetchall()
    )
    assert reasons == [
        "CEDEX postcode: not a commune's",
        "no activity address (no commune, no postcode)",
    ]


def corsica_gp_share_65(year: int = 2024) -> float:
    """Share of GPs aged 65+ in 2A, ameli libéraux, computed from the sample's CSV."""
    rows = [
        r
        for r in ameli_rows()
        if r["departement"] == "2A"
        and r["annee"] == str(year)
        and r["profession_sante"] == "Ensemble des médecins généralistes"
        and r["libelle_sexe"] == "tout sexe"
    ]
    known = sum(
        int(r["effectif"])
        for r in rows
        if r["libelle_classe_age"] not in ("Tout âge", "âge inconnu")
    )
    old = sum(
        int(r["effectif"])
        for r in rows
        if r["libelle_classe_age"] in ("de 65 à 69 ans", "70 ans et plus")
    )
    return old / known


def test_two_commune_accessibility_case_from_the_formula(published):
    demand = dict(
        published.execute(
            "select code_territoire, population_standardisee from marts.population "
            "where niveau = 'commune' and millesime = 2023 and code_territoire like '2A%'"
        ).fetchall()
    )
    communes = json.loads((SAMPLE / "communes_centroides/2026/communes.json").read_text("utf-8"))
    points = {c["code"]: c["mairie"]["coordinates"] for c in communes if c["code"].startswith("2A")}
    (lon1, lat1), (lon2, lat2) = points["2A901"], points["2A902"]
    km = (
        6371.0088
        * 2
        * math.asin(
            math.sqrt(
                math.sin(math.radians(lat2 - lat1) / 2) ** 2
                + math.cos(math.radians(lat1))
                * math.cos(math.radians(lat2))
                * math.sin(math.radians(lon2 - lon1) / 2) ** 2
            )
        )
    )
    assert km <= 10  # weight 1 both ways
    # one GP (1 FTE = 5,400 consultations) in 2A901, shared by the demand of both communes
    ratio = 5400 * 1 / (demand["2A901"] + demand["2A902"])
    variant = ratio * (1 - corsica_gp_share_65())
    rows = {
        r[0]: r[1:]
        for r in published.execute(
            "select code_territoire, apl_mg, apl_mg_hors_65_ans, part_population_sous_dense "
            "from marts.sante__accessibilite_mg where millesime = 2026 and ((niveau = 'commune' "
            "and code_territoire like '2A%') "
            "or (niveau = 'departement' and code_territoire = '2A'))"
        ).fetchall()
    }
    for code in ("2A901", "2A902", "2A"):
        assert rows[code][0] == pytest.approx(ratio, abs=1e-3)
        assert rows[code][1] == pytest.approx(variant, abs=1e-3)
    assert rows["2A"][2] == (1.0 if ratio < 2.5 else 0.0)


def test_ageing_shares_from_both_sources(published):
    """Share of GPs aged 60+ in département 01, 2024, computed from the ameli sample here."""
    rows = [
        r
        for r in ameli_rows()
        if r["departement"] == "01"
        and r["annee"] == "2024"
        and r["profession_sante"] == "Ensemble des médecins généralistes"
        and r["libelle_sexe"] == "tout sexe"
    ]
    known = sum(
        int(r["effectif"])
        for r in rows
        if r["libelle_classe_age"] not in ("Tout âge", "âge inconnu")
    )
    aged_60 = sum(
        int(r["effectif"])
        for r in rows
        if r["libelle_classe_age"] in ("de 60 à 64 ans", "de 65 à 69 ans", "70 ans et plus")
    )
    found = published.execute(
        "select part_60_ans_et_plus, estimation from marts.sante__vieillissement where "
        "niveau = 'departement' and code_territoire = '01' and profession = "
        "'medecin_generaliste' and annee = 2024 and source = 'ameli'"
    ).fetchall()
    assert found == [(pytest.approx(aged_60 / known, abs=1e-6), False)]
    sources = {
        r[0]
        for r in published.execute(
            "select distinct source from marts.sante__vieillissement where niveau = 'france' "
            "and profession = 'medecin_generaliste'"
        ).fetchall()
    }
    assert sources == {"ameli", "drees"}


def test_epci_ageing_is_an_estimate_from_the_departement_structure(published):
    rows = published.execute(
        "select code_territoire, effectif, part_60_ans_et_plus, estimation "
        "from marts.sante__vieillissement where niveau = 'epci' and source = 'ameli' "
        "and profession = 'medecin_generaliste' and annee = 2024"
    ).fetchall()
    assert rows and all(r[3] for r in rows)
    departement = published.execute(
        "select part_60_ans_et_plus from marts.sante__vieillissement where niveau = "
        "'departement' and code_territoire = '2A' and source = 'ameli' and profession = "
        "'medecin_generaliste' and annee = 2024"
    ).fetchall()[0][0]
    corsica = next(r for r in rows if r[0] == "200999905")  # the 2A EPCI takes 2A's structure
    assert corsica[2] == pytest.approx(departement, abs=1e-6)
