"""Where one more GP helps most (marts.implantations__medecins) and the commune-level 2SFCA it
re-evaluates (intermediate.int_sante__apl_paires, intermediate.int_sante__apl_communes).

Two kinds of evidence. A tiny world of five communes whose distances, GPs and populations are
written here: the three models run on it in an in-memory DuckDB, and every figure is worked out
by hand from the 2SFCA formula in the test. Then the bundled sample: for every candidate the
mart reports, the whole 2SFCA is computed again in numpy with the GP added (haversine distances
from the town-hall points, supply from the practitioners, demand from the population in force),
and the ranking is checked against every commune of the territory evaluated the same way.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import numpy as np
import pytest

from observatory.models.graph import load_model
from tests.conftest import REPOSITORY
from tests.test_distances_communes import haversine_km

SQL = REPOSITORY / "dbt_like_sql"
MODELS = (
    "intermediate/int_sante__apl_paires.sql",
    "intermediate/int_sante__apl_communes.sql",
    "marts/sante__accessibilite_mg.sql",
    "marts/implantations__medecins.sql",
)
CHECKS = (
    "implantations_medecins_rangs",
    "implantations_medecins_candidats_du_territoire",
    "implantations_medecins_avant_egal_apl",
)
FTE = 5400.0
THRESHOLD = 2.5
LEVELS = ("departement", "epci", "bv2022", "pays")


def decay(km: np.ndarray) -> np.ndarray:
    """w(d) of the 2SFCA, written again: 1 up to 10 km, 2/3 up to 15, 1/3 up to 20, 0 beyond."""
    return np.select([km <= 10, km <= 15, km <= 20], [1.0, 2 / 3, 1 / 3], 0.0)


# --- the tiny world ----------------------------------------------------------------------------
# Communes A, B, C, D on a road, E alone far away (nobody lives within 20 km of it).
# A-B 8 km (w 1), A-C 14 km (w 2/3), A-D 26 km (w 0), B-C 6 km (w 1), B-D 18 km (w 1/3),
# C-D 12 km (w 2/3). Two GPs in A. Standardised population P, population municipale M.
DISTANCES = {("A", "B"): 8, ("A", "C"): 14, ("A", "D"): 26, ("B", "C"): 6, ("B", "D"): 18}
DISTANCES[("C", "D")] = 12
P = {"A": 1000.0, "B": 2000.0, "C": 1500.0, "D": 600.0, "E": 0.0}
M = {"A": 900, "B": 2100, "C": 1400, "D": 650, "E": 0}
CODES = {"A": "01001", "B": "01002", "C": "01003", "D": "01004", "E": "01005"}
TERRITORIES = [  # (niveau, code_territoire, members)
    ("departement", "01", "ABCDE"),
    ("epci", "EPCI-CD", "CD"),
    ("bv2022", "BV-E", "E"),
    ("commune", "01003", "C"),  # levels the mart leaves out
    ("region", "84", "ABCDE"),
    ("france", "FR", "ABCDE"),
]


def tiny_world() -> duckdb.DuckDBPyConnection:
    """The input tables of the three models, filled with the tiny world, then the models."""
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("create schema marts")
    con.execute(
        "create table intermediate.int_cog__distances_communes "
        "(code_commune varchar, code_commune_voisine varchar, distance_km double)"
    )
    pairs = [(CODES[c], CODES[c], 0.0) for c in P]
    for (a, b), km in DISTANCES.items():
        pairs += [(CODES[a], CODES[b], km), (CODES[b], CODES[a], km)]
    con.executemany("insert into intermediate.int_cog__distances_communes values (?, ?, ?)", pairs)
    con.execute(
        "create table intermediate.int_cog__communes_cible "
        "(code_commune varchar, code_departement varchar)"
    )
    con.execute(
        "create table intermediate.int_cog__points_communes "
        "(code_commune varchar, latitude double, longitude double)"
    )
    con.execute(
        "create table intermediate.int_population__en_vigueur (annee integer, "
        "code_commune varchar, population_standardisee double, population_municipale double)"
    )
    for name, code in CODES.items():
        con.execute("insert into intermediate.int_cog__communes_cible values (?, '01')", [code])
        con.execute("insert into intermediate.int_cog__points_communes values (?, 45, 5)", [code])
        con.execute(
            "insert into intermediate.int_population__en_vigueur values (2026, ?, ?, ?)",
            [code, P[name], M[name]],
        )
    con.execute(
        "create table intermediate.int_sante__praticiens_communes (millesime integer, "
        "identifiant varchar, profession varchar, mode varchar, code_commune varchar, "
        "poids double, centre_de_sante boolean)"
    )
    con.execute(
        "insert into intermediate.int_sante__praticiens_communes values "
        "(2026, 'g1', 'medecin_generaliste', 'liberal', '01001', 1, false), "
        "(2026, 'g2', 'medecin_generaliste', 'salarie', '01001', 1, true), "
        "(2026, 's1', 'medecin_specialiste', 'liberal', '01004', 1, false)"  # not a GP
    )
    con.execute(
        "create table marts.sante__vieillissement (niveau varchar, code_territoire varchar, "
        "profession varchar, source varchar, annee integer, part_65_ans_et_plus double)"
    )
    con.execute(
        "create table marts.territoires__communes "
        "(niveau varchar, code_territoire varchar, code_commune varchar)"
    )
    for niveau, code, members in TERRITORIES:
        for member in members:
            con.execute(
                "insert into marts.territoires__communes values (?, ?, ?)",
                [niveau, code, CODES[member]],
            )
    for path in MODELS:
        model = load_model(SQL / path, SQL)
        con.execute(f"create table {model.table} as {model.sql}")
    return con


def w(a: str, b: str) -> float:
    if a == b:
        return 1.0
    km = DISTANCES.get((a, b), DISTANCES.get((b, a)))
    return 0.0 if km is None else float(decay(np.array(km)))


def test_tiny_world_2sfca_by_hand() -> None:
    """The commune-level APL and the step-1 denominators, from the formula by hand."""
    con = tiny_world()
    rows = {
        code: values
        for code, *values in con.execute(
            "select code_commune, offre, demande, demande_ponderee, apl "
            "from intermediate.int_sante__apl_communes where millesime = 2026"
        ).fetchall()
    }
    # D_j = sum_i w(d_ij) P_i, by hand
    d = {
        "A": 1000 + 2000 + 2 / 3 * 1500,  # D is 26 km away
        "B": 1000 + 2000 + 1500 + 1 / 3 * 600,
        "C": 2 / 3 * 1000 + 2000 + 1500 + 2 / 3 * 600,
        "D": 1 / 3 * 2000 + 2 / 3 * 1500 + 600,
        "E": 0.0,
    }
    r_a = FTE * 2 / d["A"]  # two GPs in A (one libéral, one in a centre de santé) = 2.7
    apl = {"A": r_a, "B": r_a, "C": 2 / 3 * r_a, "D": 0.0, "E": 0.0}
    assert r_a == pytest.approx(2.7)
    for name, code in CODES.items():
        offre, demande, demande_ponderee, value = rows[code]
        assert offre == (2 if name == "A" else 0)
        assert demande == P[name]
        assert demande_ponderee == pytest.approx(d[name])
        assert value == pytest.approx(apl[name])
    # the pairs keep the weights and drop A-D (26 km)
    weights = dict(
        ((a, b), p)
        for a, b, p in con.execute(
            "select code_commune, code_commune_voisine, poids "
            "from intermediate.int_sante__apl_paires"
        ).fetchall()
    )
    assert (CODES["A"], CODES["D"]) not in weights
    assert weights[(CODES["B"], CODES["D"])] == pytest.approx(1 / 3)
    assert weights[(CODES["D"], CODES["C"])] == pytest.approx(2 / 3)


def test_tiny_world_one_more_gp_by_hand() -> None:
    """Before: APL A = B = 2.7, C = 1.8, D = 0 (C and D under-served). One more GP in j adds
    w(d_ij) 5400 / D_j to every i within 20 km; each candidate is evaluated alone."""
    con = tiny_world()
    result = con.execute(
        "select niveau, code_territoire, millesime, rang, code_commune, reduction_deficit, "
        "population_sortie_sous_densite, apl_mg_avant, apl_mg_apres, gain_apl_mg, "
        "part_population_sous_dense_avant, part_population_sous_dense_apres, demande_ponderee "
        "from marts.implantations__medecins order by niveau, code_territoire, rang"
    )
    names = [c[0] for c in result.description]
    rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    # only departement and epci: 'commune', 'region', 'france' are left out; BV-E's only
    # commune, E, has nobody within 20 km (D_E = 0) so it is no candidate and BV-E has no row
    assert {(r["niveau"], r["code_territoire"]) for r in rows} == {
        ("departement", "01"),
        ("epci", "EPCI-CD"),
    }
    epci = [r for r in rows if r["niveau"] == "epci"]
    # GP in D: D_D = 2000/3 + 1000 + 600 = 2266.67, so +2.382 at D, +1.588 at C (w 2/3):
    # C goes from 1.8 to 3.39 (leaves the band: deficit 0.7 per inhabitant recovered), D from 0
    # to 2.38 (still under-served: its whole gain counts).
    d_d = 2000 / 3 + 1000 + 600
    up_d = FTE / d_d
    reduction_d = 1500 * (2.5 - 1.8) + 600 * up_d
    # GP in C: D_C = 2000/3 + 2000 + 1500 + 400 = 4566.67, +1.182 at C (crosses 2.5), +0.788 at D
    d_c = 1000 * 2 / 3 + 2000 + 1500 + 600 * 2 / 3
    up_c = FTE / d_c
    reduction_c = 1500 * (2.5 - 1.8) + 600 * (2 / 3 * up_c)
    assert reduction_d > reduction_c
    assert [r["code_commune"] for r in epci] == [CODES["D"], CODES["C"]]
    assert [r["rang"] for r in epci] == [1, 2]
    assert epci[0]["reduction_deficit"] == pytest.approx(reduction_d, abs=1e-3)
    assert epci[1]["reduction_deficit"] == pytest.approx(reduction_c, abs=1e-3)
    mean_before = 1500 * 1.8 / 2100
    assert epci[0]["apl_mg_avant"] == pytest.approx(mean_before, abs=1e-4)
    after_d = (1500 * (1.8 + 2 / 3 * up_d) + 600 * up_d) / 2100
    after_c = (1500 * (1.8 + up_c) + 600 * 2 / 3 * up_c) / 2100
    assert epci[0]["apl_mg_apres"] == pytest.approx(after_d, abs=1e-4)
    assert epci[1]["apl_mg_apres"] == pytest.approx(after_c, abs=1e-4)
    assert epci[0]["gain_apl_mg"] == pytest.approx(after_d - mean_before, abs=1e-6)
    for row in epci:  # either GP takes C (1,400 inhabitants) out of the band, not D
        assert row["population_sortie_sous_densite"] == M["C"]
        assert row["part_population_sous_dense_avant"] == 1.0
        assert row["part_population_sous_dense_apres"] == pytest.approx(650 / 2050, abs=1e-6)
    assert epci[0]["demande_ponderee"] == pytest.approx(d_d, abs=1e-3)

    dep = [r for r in rows if r["niveau"] == "departement"]
    # in the département, the GP's consultations that reach A and B (above 2.5 already) reduce
    # no deficit: D (2479.4) then B: D_B = 4700, +1.149 at C (crosses), +0.383 at D (w 1/3)
    d_b = 1000 + 2000 + 1500 + 600 / 3
    reduction_b = 1500 * 0.7 + 600 * (FTE / d_b / 3)
    assert reduction_c > reduction_b
    assert [r["code_commune"] for r in dep] == [CODES["D"], CODES["C"], CODES["B"]]
    assert [r["reduction_deficit"] for r in dep] == pytest.approx(
        [reduction_d, reduction_c, reduction_b], abs=1e-3
    )
    # the département's mean APL counts A and B too (E has no standardised population)
    total = sum(P.values())
    before = (1000 * 2.7 + 2000 * 2.7 + 1500 * 1.8) / total
    assert dep[0]["apl_mg_avant"] == pytest.approx(before, abs=1e-4)
    gain_d = (2000 * up_d / 3 + 1500 * 2 / 3 * up_d + 600 * up_d) / total  # A is 26 km from D
    assert dep[0]["gain_apl_mg"] == pytest.approx(gain_d, abs=1e-6)
    assert dep[0]["part_population_sous_dense_avant"] == pytest.approx(
        (1400 + 650) / sum(M.values()), abs=1e-6
    )


def failing_checks(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for name in CHECKS
        if con.execute((SQL / "tests" / f"{name}.sql").read_text(encoding="utf-8")).fetchall()
    }


@pytest.mark.parametrize(
    ("damage", "check"),
    [
        ("update marts.implantations__medecins set rang = 3 where rang = 2", CHECKS[0]),
        (
            "update marts.implantations__medecins set reduction_deficit = 99999 "
            "where rang = 2 and niveau = 'epci'",
            CHECKS[0],
        ),
        (
            "update marts.implantations__medecins set code_commune = '01001' "
            "where niveau = 'epci' and rang = 1",  # A is not in EPCI-CD
            CHECKS[1],
        ),
        (
            "update marts.implantations__medecins set apl_mg_avant = apl_mg_avant + 0.01 "
            "where niveau = 'departement' and rang = 3",
            CHECKS[2],
        ),
    ],
)
def test_the_sql_checks_catch_a_damaged_mart(damage: str, check: str) -> None:
    con = tiny_world()
    assert failing_checks(con) == set()
    con.execute(damage)
    assert failing_checks(con) == {check}


# --- the sample --------------------------------------------------------------------------------


def sample_world(warehouse: duckdb.DuckDBPyConnection):
    """Points, supply, demand of the latest extraction, read from the warehouse's inputs of the
    2SFCA (not from its outputs), and the weight matrix from haversine distances."""
    millesime = warehouse.execute(
        "select max(millesime) from intermediate.int_sante__praticiens_communes"
    ).fetchone()[0]
    points = warehouse.execute(
        "select pts.code_commune, pts.latitude, pts.longitude "
        "from intermediate.int_cog__points_communes as pts "
        "inner join intermediate.int_cog__communes_cible using (code_commune) "
        "where pts.latitude is not null order by pts.code_commune"
    ).fetchall()
    codes = [p[0] for p in points]
    index = {c: k for k, c in enumerate(codes)}
    lat = np.array([p[1] for p in points])
    lon = np.array([p[2] for p in points])
    weights = decay(haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]))
    supply = np.zeros(len(codes))
    for code, poids in warehouse.execute(
        "select code_commune, poids from intermediate.int_sante__praticiens_communes "
        "where millesime = ? and profession = 'medecin_generaliste' "
        "and (mode in ('liberal', 'mixte') or centre_de_sante)",
        [millesime],
    ).fetchall():
        supply[index[code]] += poids
    demand = np.zeros(len(codes))
    municipal = np.zeros(len(codes))
    for code, standardised, population in warehouse.execute(
        "select code_commune, population_standardisee, population_municipale "
        "from intermediate.int_population__en_vigueur where annee = ?",
        [millesime],
    ).fetchall():
        if code in index:
            demand[index[code]] = standardised or 0
            municipal[index[code]] = population or 0
    return millesime, codes, index, weights, supply, demand, municipal


def two_step(weights: np.ndarray, supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """The whole 2SFCA: R_j = 5400 S_j / sum_i w_ij P_i, APL_i = sum_j w_ij R_j."""
    denominators = weights.T @ demand
    ratios = np.divide(
        FTE * supply, denominators, out=np.zeros_like(supply), where=denominators > 0
    )
    return weights @ ratios


def territory_figures(apl, members, demand, municipal):
    """Mean APL weighted by standardised population (plain mean without any), deficit, share of
    the population municipale below 2.5, as the marts define them."""
    p, m, a = demand[members], municipal[members], apl[members]
    mean = (a * p).sum() / p.sum() if p.sum() > 0 else a.mean()
    deficit = (p * np.maximum(0, THRESHOLD - a)).sum()
    share = m[a < THRESHOLD].sum() / m.sum() if m.sum() > 0 else None
    return mean, deficit, share


def test_sample_every_candidate_recomputed_in_numpy(warehouse) -> None:
    millesime, codes, index, weights, supply, demand, municipal = sample_world(warehouse)
    base = two_step(weights, supply, demand)
    stored = dict(
        warehouse.execute(
            "select code_commune, apl from intermediate.int_sante__apl_communes "
            "where millesime = ?",
            [millesime],
        ).fetchall()
    )
    assert set(stored) == set(codes)
    assert all(stored[c] == pytest.approx(base[index[c]], abs=1e-9) for c in codes)
    assert (base < THRESHOLD).all()  # the sample's communes are all under-served before

    membership = defaultdict(list)
    for niveau, territory, code in warehouse.execute(
        "select niveau, code_territoire, code_commune from marts.territoires__communes"
    ).fetchall():
        if code in index:
            membership[(niveau, territory)].append(index[code])
    result = warehouse.execute("select * from marts.implantations__medecins")
    names = [c[0] for c in result.description]
    reported = defaultdict(list)
    for row in result.fetchall():
        r = dict(zip(names, row, strict=True))
        reported[(r["niveau"], r["code_territoire"])].append(r)

    expected_territories = set()
    leaving_seen = 0
    for (niveau, territory), members in membership.items():
        if niveau not in LEVELS:
            assert (niveau, territory) not in reported
            continue
        members = np.array(sorted(members))
        mean0, deficit0, share0 = territory_figures(base, members, demand, municipal)
        evaluated = []
        for j in members:  # every candidate of the territory, each with its own 2SFCA
            if weights[:, j] @ demand <= 0:
                continue
            added = supply.copy()
            added[j] += 1
            after = two_step(weights, added, demand)
            mean1, deficit1, share1 = territory_figures(after, members, demand, municipal)
            crossing = members[(base[members] < THRESHOLD) & (after[members] >= THRESHOLD)]
            evaluated.append(
                {
                    "code_commune": codes[j],
                    "reduction_deficit": deficit0 - deficit1,
                    "gain_apl_mg": mean1 - mean0,
                    "apl_mg_avant": mean0,
                    "apl_mg_apres": mean1,
                    "population_sortie_sous_densite": municipal[crossing].sum(),
                    "part_population_sous_dense_avant": share0,
                    "part_population_sous_dense_apres": share1,
                    "demande_ponderee": weights[:, j] @ demand,
                }
            )
        if not evaluated:
            continue
        expected_territories.add((niveau, territory))
        rows = sorted(reported[(niveau, territory)], key=lambda r: r["rang"])
        assert [r["rang"] for r in rows] == list(range(1, min(3, len(evaluated)) + 1))
        by_code = {e["code_commune"]: e for e in evaluated}
        best = sorted(
            evaluated,
            key=lambda e: (-round(e["reduction_deficit"], 3), -e["gain_apl_mg"], e["code_commune"]),
        )
        for k, row in enumerate(rows):
            mine = by_code[row["code_commune"]]
            for column, tolerance in (
                ("reduction_deficit", 2e-3),
                ("gain_apl_mg", 2e-6),
                ("apl_mg_avant", 1e-4),
                ("apl_mg_apres", 1e-4),
                ("population_sortie_sous_densite", 0),
                ("part_population_sous_dense_avant", 1e-6),
                ("part_population_sous_dense_apres", 1e-6),
                ("demande_ponderee", 1e-3),
            ):
                assert row[column] == pytest.approx(mine[column], abs=tolerance), (
                    niveau,
                    territory,
                    row["rang"],
                    column,
                )
            # the k-th best single commune, whatever the ties between equal objectives
            assert mine["reduction_deficit"] == pytest.approx(
                best[k]["reduction_deficit"], abs=2e-3
            )
            leaving_seen += row["population_sortie_sous_densite"] > 0
    assert set(reported) == expected_territories
    assert leaving_seen > 0  # the sample has GPs that take a commune out of the band
