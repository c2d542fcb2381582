"""Pooling and overlap (marts.implantations__chevauchements, marts.implantations__mutualisation).

Two tiny worlds worked out by hand run the models' SQL on hand-made input tables in an in-memory
DuckDB; their answers are written down below, with the reasoning, not computed. Then, on the
bundled sample, both marts are recomputed in plain Python from the tables they read (distances
to the nearest facility, commune-to-commune distances, populations, presences, territories, the
threshold seed read with csv), and the SQL checks are shown to catch broken rankings, overlaps
and seeds.
"""

from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from observatory.models.header import statement
from tests.conftest import REPOSITORY

SQL = REPOSITORY / "dbt_like_sql"
CHEVAUCHEMENTS = SQL / "marts" / "implantations__chevauchements.sql"
MUTUALISATION = SQL / "marts" / "implantations__mutualisation.sql"
SEED = SQL / "seeds" / "implantations_seuils_chevauchement.csv"
CHECKS = SQL / "tests"
NIVEAUX_EXCLUS = {"commune", "region", "france"}

# --- a tiny world -------------------------------------------------------------------------------

INPUTS = {
    "intermediate.int_bpe__distances": "millesime integer, code_regroupement varchar, "
    "code_commune varchar, distance_km double, code_commune_equipement varchar, passe integer",
    "intermediate.int_bpe__regroupements": "millesime integer, code_regroupement varchar, "
    "libelle_regroupement varchar, gamme varchar, millesime_gammes integer, code_serie varchar",
    "intermediate.int_bpe__presence_communes": "millesime integer, code_commune varchar, "
    "code_regroupement varchar, gamme varchar, nb_equipements hugeint",
    "intermediate.int_bpe__population_communes": "millesime bigint, code_commune varchar, "
    "millesime_population integer, population_municipale bigint",
    "intermediate.int_cog__distances_communes": "code_commune varchar, "
    "code_commune_voisine varchar, distance_km double",
    "intermediate.int_cog__points_communes": "code_commune varchar, latitude double, "
    "longitude double, type_point varchar",
    "marts.territoires__communes": "niveau varchar, code_territoire varchar, code_commune varchar",
}


def world(
    positions: dict[str, float],
    populations: dict[str, int],
    services: dict[str, tuple[str, str]],
    facilities: dict[str, dict[str, int]],
    territories: dict[tuple[str, str], list[str]],
    millesime: int = 2025,
    con: duckdb.DuckDBPyConnection | None = None,
    seed: Path = SEED,
) -> duckdb.DuckDBPyConnection:
    """Communes on a line (`positions`: km from the origin), the services (code -> (label,
    gamme)) and where their facilities are (code -> commune -> count): the input tables the
    marts read, for one edition. Distances are |x - y| (every pair: the line is short), each
    commune's nearest facility the closest one on the line (ties: the smaller code)."""
    if con is None:
        con = duckdb.connect()
        for schema in ("intermediate", "marts", "seeds"):
            con.execute(f"create schema {schema}")
        for table, columns in INPUTS.items():
            con.execute(f"create table {table} ({columns})")
        con.execute(
            "create table seeds.implantations_seuils_chevauchement as select * from read_csv("
            "?, delim = ';', header = true, all_varchar = true, quote = '')",
            [str(seed)],
        )
        for (niveau, code), communes in territories.items():
            con.executemany(
                "insert into marts.territoires__communes values (?, ?, ?)",
                [(niveau, code, c) for c in communes],
            )
        for a, xa in positions.items():
            # a point on the equator, x km east: only its presence matters to the models
            con.execute(
                "insert into intermediate.int_cog__points_communes values (?, 0, ?, 'mairie')",
                [a, xa / 111.2],
            )
            con.executemany(
                "insert into intermediate.int_cog__distances_communes values (?, ?, ?)",
                [(a, b, abs(xa - xb)) for b, xb in positions.items() if abs(xa - xb) <= 50],
            )
    for commune, population in populations.items():
        con.execute(
            "insert into intermediate.int_bpe__population_communes values (?, ?, ?, ?)",
            [millesime, commune, millesime - 3, population],
        )
    for code, (label, gamme) in services.items():
        con.execute(
            "insert into intermediate.int_bpe__regroupements values (?, ?, ?, ?, ?, ?)",
            [millesime, code, label, gamme, millesime, code],
        )
        held = facilities.get(code, {})
        for commune, count in held.items():
            con.execute(
                "insert into intermediate.int_bpe__presence_communes values (?, ?, ?, ?, ?)",
                [millesime, commune, code, gamme, count],
            )
        for commune, x in positions.items():
            if not held:
                continue
            nearest = min(held, key=lambda f: (abs(positions[f] - x), f))
            con.execute(
                "insert into intermediate.int_bpe__distances values (?, ?, ?, ?, ?, ?)",
                [millesime, code, commune, abs(positions[nearest] - x), nearest, 0],
            )
    return con


def run(con: duckdb.DuckDBPyConnection, model: Path) -> list[dict]:
    relation = con.execute(statement(model.read_text(encoding="utf-8")))
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


# --- (a) two facilities that overlap ------------------------------------------------------------

BULLE_POSITIONS = {"01001": 0, "01002": 4, "01003": 7, "01005": 22, "01004": 30}
BULLE_POPULATIONS = {"01001": 3000, "01002": 400, "01003": 300, "01005": 250, "01004": 600}
BULLE_TERRITOIRES = {("commune", c): [c] for c in BULLE_POSITIONS} | {
    ("bv2022", "01001"): ["01001", "01002", "01003"],
    ("bv2022", "01004"): ["01004", "01005"],
    ("epci", "200000001"): ["01001", "01002"],
    ("epci", "200000002"): ["01003", "01004", "01005"],
    ("departement", "01"): list(BULLE_POSITIONS),
    ("region", "84"): list(BULLE_POSITIONS),
    ("france", "FR"): list(BULLE_POSITIONS),
}
BULLE_SERVICES = {
    "B207": ("boulangerie", "proximite"),
    "D307": ("pharmacie", "proximite"),
    "C201": ("collège", "intermediaire"),
}
BULLE_EQUIPEMENTS = {
    # bakeries in 01001 (1), 01002 (2) and 01004 (1)
    "B207": {"01001": 1, "01002": 2, "01004": 1},
    # pharmacies in 01001 and 01003
    "D307": {"01001": 1, "01003": 1},
    # collèges in 01001 and 01002 only
    "C201": {"01001": 1, "01002": 1},
}


def bulle_world(**kwargs) -> duckdb.DuckDBPyConnection:
    return world(
        BULLE_POSITIONS,
        BULLE_POPULATIONS,
        BULLE_SERVICES,
        BULLE_EQUIPEMENTS,
        BULLE_TERRITOIRES,
        **kwargs,
    )


def by_service(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """The overlaps of the bassin de vie rows, by (service, commune)."""
    return {(r["code_regroupement"], r["code_commune"]): r for r in rows if r["niveau"] == "bv2022"}


def test_a_small_facility_next_to_a_big_one_of_its_bassin_de_vie_is_listed() -> None:
    # Worked by hand. Line: 01001 (x 0, 3,000 inh.), 01002 (4, 400), 01003 (7, 300) in bassin de
    # vie 01001; 01005 (22, 250), 01004 (30, 600) in bassin de vie 01004.
    # Bakeries (proximité, N = 1,000) in 01001, 01002, 01004. Nearest bakery: 01003 -> 01002
    # (3 km), 01005 -> 01004 (8 km, 01002 is 18). Population desservie en propre: 01001 3,000;
    # 01002 400 + 300 = 700 < 1,000; 01004 600 + 250 = 850 < 1,000 but alone in its bassin de vie.
    # Listed: 01002 only, its competitor 01001 at 4 km serving 3,000.
    # Pharmacies (the seed's own row: N = 2,500) in 01001 and 01003: 01002 -> 01003 (3 km, 01001
    # is 4), 01005 -> 01003, 01004 -> 01003: 01003 serves 300 + 400 + 250 + 600 = 1,550 < 2,500
    # (it would not be listed with the gamme's 1,000); 01001 serves 3,000.
    # Collèges (intermédiaire, N = 5,000) in 01001 and 01002: 01001 serves 3,000, 01002 serves
    # 400 + 300 + 250 + 600 = 1,550: both below 5,000 and in one bassin de vie: both listed, each
    # the other's competitor.
    rows = run(bulle_world(), CHEVAUCHEMENTS)
    found = by_service(rows)
    assert set(found) == {
        ("B207", "01002"),
        ("D307", "01003"),
        ("C201", "01001"),
        ("C201", "01002"),
    }
    boulangerie = found[("B207", "01002")]
    assert boulangerie["population_exclusive"] == 700
    assert boulangerie["seuil_population"] == 1000
    assert boulangerie["nb_equipements"] == 2
    assert boulangerie["population_municipale"] == 400
    assert boulangerie["code_bv2022"] == "01001"
    assert boulangerie["code_commune_concurrente"] == "01001"
    assert boulangerie["distance_concurrente_km"] == 4
    assert boulangerie["population_exclusive_concurrente"] == 3000
    assert boulangerie["nb_equipements_concurrente"] == 1
    assert (
        boulangerie["gamme"] == "proximite" and boulangerie["libelle_regroupement"] == "boulangerie"
    )
    pharmacie = found[("D307", "01003")]
    assert (pharmacie["population_exclusive"], pharmacie["seuil_population"]) == (1550, 2500)
    assert (pharmacie["code_commune_concurrente"], pharmacie["distance_concurrente_km"]) == (
        "01001",
        7,
    )
    college_1, college_2 = found[("C201", "01001")], found[("C201", "01002")]
    assert (college_1["population_exclusive"], college_1["seuil_population"]) == (3000, 5000)
    assert (
        college_1["code_commune_concurrente"],
        college_1["population_exclusive_concurrente"],
    ) == (
        "01002",
        1550,
    )
    assert (college_2["population_exclusive"], college_2["code_commune_concurrente"]) == (
        1550,
        "01001",
    )
    assert {r["millesime"] for r in rows} == {2025}


def test_an_overlap_has_one_row_per_territory_containing_the_commune() -> None:
    rows = [r for r in run(bulle_world(), CHEVAUCHEMENTS) if r["code_regroupement"] == "B207"]
    # 01002 is in bassin de vie 01001, EPCI 200000001, département 01 (not its commune, région
    # or France rows: those levels are not examined)
    assert sorted((r["niveau"], r["code_territoire"]) for r in rows) == [
        ("bv2022", "01001"),
        ("departement", "01"),
        ("epci", "200000001"),
    ]
    assert {r["code_commune"] for r in rows} == {"01002"}


def test_the_threshold_is_the_seed_the_user_edits(tmp_path: Path) -> None:
    # A user lowers the gamme de proximité's threshold to 600: the bakery of 01002 (700) is no
    # longer listed; raises the collèges' to nothing below 2,000: only 01002 (1,550) remains.
    lines = SEED.read_text(encoding="utf-8").splitlines()
    edited = [line.replace("proximite;*;1000;", "proximite;*;600;") for line in lines] + [
        "intermediaire;C201;2000;illustratif;;choix d'un utilisateur"
    ]
    assert edited[:-1] != lines
    seed = tmp_path / "implantations_seuils_chevauchement.csv"
    seed.write_text("\n".join(edited) + "\n", encoding="utf-8")
    found = by_service(run(bulle_world(seed=seed), CHEVAUCHEMENTS))
    assert set(found) == {("D307", "01003"), ("C201", "01002")}
    assert found[("C201", "01002")]["seuil_population"] == 2000


def test_only_the_latest_edition_is_examined() -> None:
    # 2024: one bakery only, in 01002 (serving everybody: no competitor, nothing to list) and
    # no pharmacy; the answer is 2025's, unchanged, with millesime 2025
    con = world(
        BULLE_POSITIONS,
        BULLE_POPULATIONS,
        {"B207": BULLE_SERVICES["B207"]},
        {"B207": {"01002": 1}},
        BULLE_TERRITOIRES,
        millesime=2024,
    )
    assert run(con, CHEVAUCHEMENTS) == []
    bulle_world(con=con)
    rows = run(con, CHEVAUCHEMENTS)
    assert {r["millesime"] for r in rows} == {2025}
    assert len(by_service(rows)) == 4


# --- (b) a line of five communes where the best shared site is known ----------------------------

LIGNE_POSITIONS = {"01011": 0, "01012": 8, "01013": 16, "01014": 24, "01015": 32}
LIGNE_POPULATIONS = {"01011": 100, "01012": 200, "01013": 1000, "01014": 300, "01015": 50}
LIGNE_SERVICES = {"B207": ("boulangerie", "proximite"), "D307": ("pharmacie", "proximite")}
LIGNE_TERRITOIRES = {
    ("departement", "01"): list(LIGNE_POSITIONS),
    ("epci", "200000011"): ["01011", "01012", "01013"],
    ("epci", "200000012"): ["01014", "01015"],
    ("region", "84"): list(LIGNE_POSITIONS),
}


def ligne(populations: dict[str, int], facilities: dict[str, dict[str, int]]) -> list[dict]:
    con = world(LIGNE_POSITIONS, populations, LIGNE_SERVICES, facilities, LIGNE_TERRITOIRES)
    return run(con, MUTUALISATION)


def ranking(rows: list[dict], niveau: str, code: str) -> list[tuple]:
    return [
        (r["rang"], r["code_commune"], r["population_gagnee"], r["nb_services_a_accueillir"])
        for r in sorted(rows, key=lambda r: r["rang"])
        if (r["niveau"], r["code_territoire"]) == (niveau, code)
    ]


def test_line_of_five_communes_best_shared_site() -> None:
    # Worked by hand. Communes every 8 km: 01011 (x 0, 100 inh.), 01012 (8, 200), 01013 (16,
    # 1,000), 01014 (24, 300), 01015 (32, 50). The gamme de proximité here: bakery and pharmacy,
    # both only in 01011. Full gamme within 10 km today: 01011 (0 km) and 01012 (8 km): 300 inh.
    # A site in c brings the communes within 10 km of c that lack it:
    #   01012 -> 01013 (8 km): 1,000;  01013 -> itself, 01014: 1,300;
    #   01014 -> 01013, itself, 01015: 1,350;  01015 -> 01014, itself: 350;
    # 01011 holds everything (no candidate). Département: 01014, 01013, 01012.
    rows = ligne(LIGNE_POPULATIONS, {"B207": {"01011": 1}, "D307": {"01011": 1}})
    assert ranking(rows, "departement", "01") == [
        (1, "01014", 1350, 2),
        (2, "01013", 1300, 2),
        (3, "01012", 1000, 2),
    ]
    best = next(r for r in rows if r["niveau"] == "departement" and r["rang"] == 1)
    assert best["services_a_accueillir"] == "boulangerie, pharmacie"
    assert best["nb_communes_gagnees"] == 3
    assert (best["population_territoire"], best["population_avant"], best["population_apres"]) == (
        1650,
        300,
        1650,
    )
    assert best["part_population_avant"] == pytest.approx(300 / 1650, abs=1e-6)
    assert best["part_population_apres"] == 1
    assert best["millesime"] == 2025
    # Within an EPCI only its own communes count. EPCI 200000011 (01011-01013): 01012 brings
    # 01013 (1,000), 01013 brings itself (1,000; 01014 is outside). EPCI 200000012 (01014,
    # 01015, 8 km apart): each brings both, 350. Ties go to the smaller code here (both host
    # the same two services).
    assert ranking(rows, "epci", "200000011") == [
        (1, "01012", 1000, 2),
        (2, "01013", 1000, 2),
    ]
    assert ranking(rows, "epci", "200000012") == [
        (1, "01014", 350, 2),
        (2, "01015", 350, 2),
    ]
    assert {r["niveau"] for r in rows} == {"departement", "epci"}  # no région rows


def test_a_tie_goes_to_the_site_hosting_fewer_services() -> None:
    # Same line, 01015 now empty (0 inh.), and a pharmacy in 01013 too. 01013 still lacks a
    # bakery within 10 km (16 km), so nothing changes before; 01014 and 01013 both bring 1,300
    # (01015 adds nobody) but 01013 would host the bakery only, 01014 both services.
    populations = LIGNE_POPULATIONS | {"01015": 0}
    rows = ligne(populations, {"B207": {"01011": 1}, "D307": {"01011": 1, "01013": 1}})
    assert ranking(rows, "departement", "01") == [
        (1, "01013", 1300, 1),
        (2, "01014", 1300, 2),
        (3, "01012", 1000, 2),
    ]
    first = next(r for r in rows if r["niveau"] == "departement" and r["rang"] == 1)
    assert first["services_a_accueillir"] == "boulangerie"


def test_a_territory_where_no_site_brings_anyone_has_no_row() -> None:
    # bakeries and pharmacies in 01011 and 01015: everybody is within 10 km of both but 01013
    # (16 km from each): only sites within 10 km of 01013 bring anyone (01012, 01013, 01014),
    # and EPCI 200000012 (01014, 01015: both complete) has none
    facilities = {"B207": {"01011": 1, "01015": 1}, "D307": {"01011": 1, "01015": 1}}
    rows = ligne(LIGNE_POPULATIONS, facilities)
    assert ranking(rows, "departement", "01") == [
        (1, "01012", 1000, 2),
        (2, "01013", 1000, 2),
        (3, "01014", 1000, 2),
    ]
    assert ranking(rows, "epci", "200000012") == []


# --- the SQL checks catch what they guard -------------------------------------------------------


def check(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(statement((CHECKS / f"{name}.sql").read_text(encoding="utf-8"))).fetchall()


def materialise(con: duckdb.DuckDBPyConnection, model: Path, table: str) -> None:
    con.execute(f"create or replace table {table} as {statement(model.read_text('utf-8'))}")


def test_the_ranking_check_catches_gaps_rising_gains_and_outsiders() -> None:
    con = world(
        LIGNE_POSITIONS,
        LIGNE_POPULATIONS,
        LIGNE_SERVICES,
        {"B207": {"01011": 1}, "D307": {"01011": 1}},
        LIGNE_TERRITOIRES,
    )
    table = "marts.implantations__mutualisation"
    materialise(con, MUTUALISATION, table)
    assert check(con, "implantations_mutualisation_classement") == []
    broken = {
        "rangs non contigus depuis 1": f"update {table} set rang = 4 where rang = 3 "
        "and niveau = 'departement'",
        "gain négatif ou croissant avec le rang": f"update {table} set population_gagnee = 1400, "
        "population_apres = population_avant + 1400 where rang = 2 and niveau = 'departement'",
        "commune hors du territoire": f"update {table} set code_commune = '01015' "
        "where code_territoire = '200000011' and rang = 1",
        "populations avant, gagnée et après incohérentes": f"update {table} "
        "set population_apres = population_apres + 1 where rang = 1 and niveau = 'departement'",
    }
    for problem, change in broken.items():
        materialise(con, MUTUALISATION, table)
        con.execute(change)
        assert problem in {row[-1] for row in check(con, "implantations_mutualisation_classement")}


def test_the_overlap_check_catches_a_wrong_threshold_or_competitor() -> None:
    con = bulle_world()
    table = "marts.implantations__chevauchements"
    materialise(con, CHEVAUCHEMENTS, table)
    assert check(con, "implantations_chevauchements_coherents") == []
    broken = {
        "population desservie en propre au moins égale au seuil": f"update {table} "
        "set population_exclusive = 1000 where code_regroupement = 'B207'",
        # 01004 holds a bakery but is in the other bassin de vie
        "concurrente hors du bassin de vie, identique ou sans le service": f"update {table} "
        "set code_commune_concurrente = '01004' where code_regroupement = 'B207'",
        # 01003 is in the bassin de vie but has no bakery
        "concurrente hors du bassin de vie, identique ou sans le service ": f"update {table} "
        "set code_commune_concurrente = '01003' where code_regroupement = 'B207'",
        "commune hors du territoire": f"update {table} set code_territoire = '200000002' "
        "where code_regroupement = 'B207' and niveau = 'epci'",
    }
    for problem, change in broken.items():
        materialise(con, CHEVAUCHEMENTS, table)
        con.execute(change)
        found = {row[-1] for row in check(con, "implantations_chevauchements_coherents")}
        assert problem.strip() in found, change


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("sante;*;5000;", "pas de ligne par défaut * pour la gamme"),
        ("proximite;*;1000;", "ligne présente plusieurs fois"),  # doubled below
        ("proximite;D307;2500;", "gamme inconnue, seuil ou statut invalide"),  # seuil 0
        ("intermediaire;*;5000;", "gamme inconnue, seuil ou statut invalide"),  # mille
        ("proximite;D307;2500;derive;Code", "gamme inconnue, seuil ou statut invalide"),
    ],
)
def test_the_seed_check_catches_a_broken_seed(tmp_path: Path, line: str, problem: str) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    (target,) = [i for i, text in enumerate(lines) if text.startswith(line)]
    if problem.startswith("pas de ligne"):
        del lines[target]
    elif problem.startswith("ligne présente"):
        lines.append(lines[target])
    elif "D307;2500;derive;Code" in line:
        lines[target] = "proximite;D307;2500;derive;;sans source"
    elif "D307" in line:
        lines[target] = lines[target].replace(";2500;", ";0;")
    else:
        lines[target] = lines[target].replace(";5000;", ";mille;")
    seed = tmp_path / "seuils.csv"
    seed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check(bulle_world(), "implantations_seuils_chevauchement_valides") == []
    assert problem in {
        row[-1]
        for row in check(bulle_world(seed=seed), "implantations_seuils_chevauchement_valides")
    }


def test_the_warning_names_a_service_code_the_edition_does_not_have(tmp_path: Path) -> None:
    assert check(bulle_world(), "implantations_seuils_codes_inconnus") == []
    seed = tmp_path / "seuils.csv"
    seed.write_text(
        SEED.read_text(encoding="utf-8") + "proximite;B2O7;800;illustratif;;faute de frappe\n",
        encoding="utf-8",
    )
    rows = check(bulle_world(seed=seed), "implantations_seuils_codes_inconnus")
    assert [row[1] for row in rows] == ["B2O7"]


# --- the sample, recomputed in Python -----------------------------------------------------------


def sample_inputs(warehouse: duckdb.DuckDBPyConnection) -> dict:
    """The tables the marts read, for the latest edition, as plain Python structures."""

    def rows(sql: str, *params) -> list[tuple]:
        return warehouse.execute(sql, list(params)).fetchall()

    (millesime,) = rows("select max(millesime) from intermediate.int_bpe__distances")[0]
    services: dict[str, tuple[str, str]] = {}
    for code, label, gamme in rows(
        "select code_regroupement, libelle_regroupement, gamme "
        "from intermediate.int_bpe__regroupements where millesime = ?",
        millesime,
    ):
        if gamme in ("proximite", "intermediaire", "sante"):
            services[code] = (label, gamme)
    population = dict(
        rows(
            "select code_commune, population_municipale "
            "from intermediate.int_bpe__population_communes where millesime = ?",
            millesime,
        )
    )
    nearest = {
        (s, c): (d, e)
        for s, c, d, e in rows(
            "select code_regroupement, code_commune, distance_km, code_commune_equipement "
            "from intermediate.int_bpe__distances where millesime = ?",
            millesime,
        )
    }
    presence = {
        (s, c): int(n)
        for c, s, n in rows(
            "select code_commune, code_regroupement, nb_equipements "
            "from intermediate.int_bpe__presence_communes where millesime = ?",
            millesime,
        )
    }
    pairs = {
        (a, b): d
        for a, b, d in rows(
            "select code_commune, code_commune_voisine, distance_km "
            "from intermediate.int_cog__distances_communes"
        )
    }
    territories: dict[tuple[str, str], set[str]] = defaultdict(set)
    for niveau, code, commune in rows(
        "select niveau, code_territoire, code_commune from marts.territoires__communes"
    ):
        territories[(niveau, code)].add(commune)
    points = {
        c
        for (c,) in rows(
            "select code_commune from intermediate.int_cog__points_communes "
            "where latitude is not null"
        )
    }
    return {
        "millesime": millesime,
        "services": services,
        "population": population,
        "nearest": nearest,
        "presence": presence,
        "pairs": pairs,
        "territories": territories,
        "points": points,
    }


def thresholds(services: dict[str, tuple[str, str]]) -> dict[str, int]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        seed = list(csv.DictReader(handle, delimiter=";"))
    by_gamme = {
        r["gamme"]: int(r["seuil_population"]) for r in seed if r["code_regroupement"] == "*"
    }
    own = {r["code_regroupement"]: int(r["seuil_population"]) for r in seed}
    return {s: own.get(s, by_gamme[gamme]) for s, (_label, gamme) in services.items()}


def test_sample_overlaps_recomputed(warehouse) -> None:
    data = sample_inputs(warehouse)
    seuil = thresholds(data["services"])
    population, presence, pairs = data["population"], data["presence"], data["pairs"]
    exclusive: dict[tuple[str, str], int] = defaultdict(int)
    for (service, commune), (_distance, facility) in data["nearest"].items():
        exclusive[(service, facility)] += population.get(commune, 0)
    bassin = {
        commune: code
        for (niveau, code), members in data["territories"].items()
        if niveau == "bv2022"
        for commune in members
    }
    expected = set()
    for (service, commune), count in presence.items():
        if service not in seuil or commune not in bassin:
            continue
        if exclusive[(service, commune)] >= seuil[service]:
            continue
        rivals = [
            (pairs[(commune, other)], other)
            for (s, other) in presence
            if s == service
            and other != commune
            and bassin.get(other) == bassin[commune]
            and (commune, other) in pairs
        ]
        if not rivals:
            continue
        distance, rival = min(rivals)
        for (niveau, code), members in data["territories"].items():
            if niveau not in NIVEAUX_EXCLUS and commune in members:
                expected.add(
                    (
                        niveau,
                        code,
                        service,
                        commune,
                        bassin[commune],
                        count,
                        exclusive[(service, commune)],
                        seuil[service],
                        rival,
                        round(distance, 3),
                        presence[(service, rival)],
                        exclusive[(service, rival)],
                    )
                )
    found = set(
        warehouse.execute(
            "select niveau, code_territoire, code_regroupement, code_commune, code_bv2022, "
            "nb_equipements, population_exclusive, seuil_population, code_commune_concurrente, "
            "round(distance_concurrente_km, 3), nb_equipements_concurrente, "
            "population_exclusive_concurrente from marts.implantations__chevauchements"
        ).fetchall()
    )
    assert expected  # the sample has facilities in competition
    assert found == expected
    (millesimes,) = warehouse.execute(
        "select list(distinct millesime) from marts.implantations__chevauchements"
    ).fetchone()
    assert millesimes == [data["millesime"]]


def french_order(label: str) -> tuple[str, str]:
    """Alphabetical order as a French reader expects it: é with e, É with e."""
    bare = unicodedata.normalize("NFD", label.lower())
    return "".join(ch for ch in bare if not unicodedata.combining(ch)), label


def test_sample_shared_sites_recomputed(warehouse) -> None:
    data = sample_inputs(warehouse)
    gamme = {s for s, (_label, g) in data["services"].items() if g == "proximite"}
    population, pairs, presence = data["population"], data["pairs"], data["presence"]
    communes = data["points"]
    complete = {
        c: all((s, c) in data["nearest"] and data["nearest"][(s, c)][0] <= 10 for s in gamme)
        for c in communes
    }
    lacking = {c: sorted(s for s in gamme if (s, c) not in presence) for c in communes}
    expected = {}
    for (niveau, code), members in data["territories"].items():
        if niveau in NIVEAUX_EXCLUS:
            continue
        members = members & communes
        total = sum(population.get(c, 0) for c in members)
        before = sum(population.get(c, 0) for c in members if complete[c])
        gains = []
        for site in members:
            if not lacking[site]:
                continue
            reached = [i for i in members if not complete[i] and pairs.get((site, i), 99) <= 10]
            gain = sum(population.get(i, 0) for i in reached)
            if gain > 0:
                gains.append((-gain, len(lacking[site]), site, len(reached)))
        for rang, (gain, hosted, site, reached) in enumerate(sorted(gains)[:3], start=1):
            expected[(niveau, code, rang)] = (
                site,
                hosted,
                -gain,
                reached,
                total,
                before,
                before - gain,
            )
    found = {
        (r[0], r[1], r[2]): r[3:]
        for r in warehouse.execute(
            "select niveau, code_territoire, rang, code_commune, nb_services_a_accueillir, "
            "population_gagnee, nb_communes_gagnees, population_territoire, population_avant, "
            "population_apres from marts.implantations__mutualisation"
        ).fetchall()
    }
    assert len(expected) > 10
    assert found == expected
    labels = {s: label for s, (label, _g) in data["services"].items()}
    for code_commune, services in warehouse.execute(
        "select code_commune, services_a_accueillir from marts.implantations__mutualisation"
    ).fetchall():
        hosted = sorted((labels[s] for s in lacking[code_commune]), key=french_order)
        assert services == ", ".join(hosted)
