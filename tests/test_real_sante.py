"""Health workforce on the REAL files in ../shared/data/real.

The data.ameli 2024 export (all professions, all départements, all ages: re-saved with `,` and a
BOM, which the separator fallback reads) and a real Annuaire santé extraction sample (the 2021
52-column layout with its trailing pipe) are ingested by hand with COG 2026 and built in local
mode. Every expected figure is read from the raw files in the test.
"""

from __future__ import annotations

import csv

import pytest

from tests.conftest import REAL, ingest_and_build

COG = REAL / "datagouv_decoupage_administratif_sources"
AMELI = REAL / "ameli_demographie_effectifs_densites"
ANNUAIRE = REAL / "cyrilvincent_skema_sante" / "PS_LibreAcces_Personne_activite_small.txt"
FOLLOWED = {"10", "21", "40", "50", "60", "69", "70"}

pytestmark = pytest.mark.skipif(not AMELI.is_dir(), reason="../shared/data/real is absent")


def ameli_rows() -> list[dict[str, str]]:
    path = AMELI / "ameli_demographie_effectifs_densites_2024_toutes_specialites_departement.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def sante(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("real_sante")
    files = [
        ("insee_cog_communes", COG / "cog2026_communes.csv", 2026),
        ("insee_cog_mouvements", COG / "cog2026_mouvements_communes.csv", 2026),
        ("ameli_demographie", next(AMELI.glob("*toutes_specialites_departement.csv")), 2024),
        ("ans_annuaire_sante", ANNUAIRE, 2026),
    ]
    con = ingest_and_build(home, files)
    yield con
    con.close()


def test_creuse_gp_headcount_and_density_come_out_unchanged(sante):
    row = next(
        r
        for r in ameli_rows()
        if r["departement"] == "23"
        and r["profession_sante"] == "Ensemble des médecins généralistes"
    )
    found = sante.execute(
        "select effectif, densite_pour_100000_source from marts.sante__vieillissement "
        "where niveau = 'departement' and code_territoire = '23' and source = 'ameli' "
        "and profession = 'medecin_generaliste' and annee = 2024"
    ).fetchall()
    assert found == [(int(row["effectif"]), float(row["densite"]))]
    assert (int(row["effectif"]), float(row["densite"])) == (77, 67.5)


def test_every_followed_profession_is_summed_over_departements(sante):
    labels = {
        "Ensemble des médecins généralistes": "medecin_generaliste",
        "Infirmiers": "infirmier",
        "Masseurs-kinésithérapeutes": "masseur_kinesitherapeute",
        "Sages-femmes": "sage_femme",
    }
    expected: dict[str, int] = {}
    for row in ameli_rows():
        if row["profession_sante"] in labels and row["departement"] != "999":
            key = labels[row["profession_sante"]]
            expected[key] = expected.get(key, 0) + int(row["effectif"])
    found = dict(
        sante.execute(
            "select profession, effectif from marts.sante__vieillissement where niveau = 'france' "
            "and source = 'ameli' and annee = 2024 and profession in "
            "('medecin_generaliste', 'infirmier', 'masseur_kinesitherapeute', 'sage_femme')"
        ).fetchall()
    )
    assert {k: int(v) for k, v in found.items()} == expected


def test_annuaire_people_are_counted_once_and_placed_or_quarantined(sante):
    with ANNUAIRE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="|"))
    header, body = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    followed = [r for r in body if r[column["Code profession"]] in FOLLOWED]
    people = {r[column["Identification nationale PP"]] for r in followed}
    placed = {
        r[column["Identification nationale PP"]]
        for r in followed
        if r[column["Code commune (coord. structure)"]]
    }
    assert len(body) == 22 and header[-1] == ""  # the trailing pipe: an empty last column
    found = sante.execute(
        "select sum(personnes), sum(personnes_placees), sum(activites), "
        "sum(activites_quarantaine) from marts.sante__placement"
    ).fetchall()[0]
    assert (found[0], found[1]) == (len(people), len(placed))
    assert found[2] == len(followed)
    assert found[3] == sum(1 for r in followed if not r[column["Code commune (coord. structure)"]])
