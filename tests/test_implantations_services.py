"""Where to open one more facility (marts.implantations__services, models/implantation.py).

Hand-worked cases first: a line of five communes whose best site is computed below by hand,
and two clusters where the greedy choice is known to miss the best pair. Then the sample:
every set the mart publishes is checked against a brute force written here (every set of k
communes of the territory tried, from the distances and the demand read back from the
warehouse), against spopt's p-median (PySAL, solved by CBC through PuLP: another model and
another solver), and against the needs mart's distance weighted by the same demand.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import duckdb
import numpy as np
import pytest

from observatory.models import implantation, implantation_exact
from observatory.models.implantation import Territoire, resoudre


def line(weights: list[float], existing_at_zero: bool = True) -> Territoire:
    """Communes on a line, 10 km apart; the only existing facility is in commune 0."""
    n = len(weights)
    positions = np.arange(n) * 10.0
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    distance = np.abs(positions[i] - positions[j]).ravel()
    keep = distance <= 50
    return Territoire(
        poids=np.array(weights, dtype=float)[:, None],
        distances=positions[:, None].copy(),
        paire_demande=i.ravel()[keep],
        paire_candidat=j.ravel()[keep],
        paire_distance=distance[keep],
    )


def by_set(rangs, k: int) -> list:
    return [r for r in rangs if r.nombre_implantations == k]


def test_line_of_five_communes_best_site_worked_by_hand() -> None:
    # communes at 0, 10, 20, 30, 40 km, one inhabitant each, the facility at 0 km.
    # A facility at 30 km saves 0 + 10 (20 -> 10) + 30 (30 -> 0) + 30 (40 -> 10) = 70 km;
    # at 20 km: 0 + 20 + 20 + 20 = 60; at 40 km: 0 + 20 + 40 = 60; at 10 km: 10+10+10+10 = 40.
    rangs = resoudre(line([1, 1, 1, 1, 1]))
    (best,) = by_set(rangs, 1)
    assert best.candidat == 3
    assert best.methode == "enumeration"
    assert best.economie == pytest.approx(70)
    assert best.distance_moyenne_avant_km == pytest.approx(20)  # (0+10+20+30+40) / 5
    assert best.distance_moyenne_apres_km == pytest.approx(6)  # (0+10+10+0+10) / 5
    assert best.nouveaux_10_km == pytest.approx(3)  # 20 -> 10, 30 -> 0, 40 -> 10
    assert best.nouveaux_20_km == pytest.approx(2)  # 30 and 40 were beyond 20 km
    # the existing facility's commune is never a candidate
    assert all(r.candidat != 0 for r in rangs)


def two_clusters() -> Territoire:
    """A (10 inhabitants) at 0 km, M (1) at 25 km, B (10) at 50 km; the nearest facility is
    100 km from all three, so only new facilities count."""
    positions = np.array([0.0, 25.0, 50.0])
    i, j = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    return Territoire(
        poids=np.array([[10.0], [1.0], [10.0]]),
        distances=np.full((3, 1), 100.0),
        paire_demande=i.ravel(),
        paire_candidat=j.ravel(),
        paire_distance=np.abs(positions[i] - positions[j]).ravel(),
    )


@pytest.mark.parametrize("milp", [False, True], ids=["enumeration", "highs"])
def test_two_clusters_the_exact_pair_beats_the_greedy(milp: bool, monkeypatch) -> None:
    # alone, M saves 10*75 + 100 + 10*75 = 1600 and A (or B) 1000 + 75 + 10*50 = 1575: the
    # greedy opens M, then A (+ 250): 1850. The best pair is A and B: 1000 + 75 + 1000 = 2075.
    monkeypatch.setattr(implantation_exact, "MILP_TOUJOURS", [milp])
    rangs = resoudre(two_clusters())
    assert [r.candidat for r in by_set(rangs, 1)] == [1]
    pair = by_set(rangs, 2)
    assert [r.candidat for r in pair] == [0, 2]  # A and B tie alone: the lower index first
    assert [r.economie for r in pair] == pytest.approx([1575, 500])
    assert pair[0].methode == ("milp_highs" if milp else "enumeration")
    assert pair[0].ecart_glouton == pytest.approx(1 - 1850 / 2075)
    # the greedy's bound: f({M}) + the two best marginal savings given M (250 + 250)
    assert pair[0].ecart_glouton_max == pytest.approx(1 - 1850 / 2100)
    # three sites: everybody is served where they live
    assert sorted(r.candidat for r in by_set(rangs, 3)) == [0, 1, 2]
    assert by_set(rangs, 3)[-1].distance_moyenne_apres_km == pytest.approx(0)


def test_greedy_proven_optimal_when_it_reaches_the_bound() -> None:
    # two far apart clusters (A at 0 km, B at 60 km: no pair between them), nothing existing
    # within reach: the two best sites serve disjoint people, the bound is reached.
    positions = np.array([0.0, 60.0])
    territory = Territoire(
        poids=np.array([[5.0], [3.0]]),
        distances=np.full((2, 1), 80.0),
        paire_demande=np.array([0, 1]),
        paire_candidat=np.array([0, 1]),
        paire_distance=np.abs(positions - positions),
    )
    pair = by_set(resoudre(territory), 2)
    assert [r.candidat for r in pair] == [0, 1]
    assert {r.methode for r in pair} == {"glouton_prouve"}
    assert pair[0].ecart_glouton == 0 and pair[0].ecart_glouton_max == 0


def test_the_duckdb_function_reads_flattened_matrices() -> None:
    con = duckdb.connect()
    implantation.register(con)
    ter = line([1, 1, 1, 1, 1])
    # a second service, not measured in commune 4 (NULL) and held by commune 2
    distances = [
        [float(d), None if c == 4 else abs(c - 2) * 10.0] for c, d in enumerate(ter.distances[:, 0])
    ]
    (columns,) = con.execute(
        "select implanter_services(2, ?, ?, ?, ?, ?)",
        [
            [1.0] * 10,
            [d for pair in distances for d in pair],
            ter.paire_demande.tolist(),
            ter.paire_candidat.tolist(),
            ter.paire_distance.tolist(),
        ],
    ).fetchone()
    rows = [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    first = [r for r in rows if r["id_service"] == 0 and r["nombre_implantations"] == 1]
    assert [r["indice_commune"] for r in first] == [3]
    second = [r for r in rows if r["id_service"] == 1 and r["nombre_implantations"] == 1]
    # service 1: distances 20, 10, 0, 10 and commune 4 unmeasured: a site at 0 km saves 20,
    # at 10 km 10 + 10 = 20 ... the mean before is over the 4 measured communes: 40 / 4
    assert second[0]["distance_moyenne_avant_km"] == pytest.approx(10)
    assert second[0]["indice_commune"] != 2


# --- the sample ------------------------------------------------------------------------------


def sample_problems(warehouse) -> dict:
    """(niveau, territory, service) -> (communes, demand, distance before, pairs), read back
    from the warehouse with the mart's definition of demand written again here."""
    millesime = warehouse.execute(
        "select max(millesime) from intermediate.int_bpe__distances"
    ).fetchone()[0]
    demand = {
        (c, s): (p, d)
        for c, s, p, d in warehouse.execute(
            """
            select dis.code_commune, dis.code_regroupement,
                coalesce(bes.population, pop.population_municipale, 0), dis.distance_km
            from intermediate.int_bpe__distances as dis
            left join marts.services__besoins as bes on bes.niveau = 'commune'
                and bes.code_territoire = dis.code_commune and bes.millesime = dis.millesime
                and bes.code_regroupement = dis.code_regroupement
            left join intermediate.int_bpe__population_communes as pop
                on pop.millesime = dis.millesime and pop.code_commune = dis.code_commune
            where dis.millesime = ?
            """,
            [millesime],
        ).fetchall()
    }
    pairs = {
        (a, b): d
        for a, b, d in warehouse.execute(
            "select * from intermediate.int_cog__distances_communes"
        ).fetchall()
    }
    members = defaultdict(list)
    for niveau, code, commune in warehouse.execute(
        "select niveau, code_territoire, code_commune from marts.territoires__communes "
        "where niveau not in ('commune', 'region', 'france') order by code_commune"
    ).fetchall():
        members[(niveau, code)].append(commune)
    services = {s for _c, s in demand}
    return {"demand": demand, "pairs": pairs, "members": members, "services": services}


def brute_force(data, niveau: str, code: str, service: str, k: int):
    """(best total demand x km, every optimal set) trying every set of k candidates."""
    communes = [c for c in data["members"][(niveau, code)] if (c, service) in data["demand"]]
    weight = np.array([data["demand"][(c, service)][0] for c in communes], dtype=float)
    before = np.array([data["demand"][(c, service)][1] for c in communes], dtype=float)
    candidates = [j for j, c in enumerate(communes) if before[j] > 0]

    def total(chosen) -> float:
        after = before.copy()
        for j in chosen:
            for i, c in enumerate(communes):
                d = data["pairs"].get((c, communes[j]))
                if d is not None:
                    after[i] = min(after[i], d)
        return float(np.sum(weight * after))

    size = min(k, len(candidates))
    totals = {s: total(s) for s in itertools.combinations(candidates, size)}
    best = min(totals.values())
    optimal = [{communes[j] for j in s} for s, t in totals.items() if t <= best + 1e-6]
    return best, optimal, float(weight.sum())


@pytest.fixture(scope="module")
def mart(sample_build) -> list[dict]:
    settings, summary = sample_build
    assert summary.success, summary.failure
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        relation = con.execute("select * from marts.implantations__services")
        names = [d[0] for d in relation.description]
        rows = [dict(zip(names, r, strict=True)) for r in relation.fetchall()]
        data = sample_problems(con)
        return rows, data
    finally:
        con.close()


def sets_of(rows: list[dict]) -> dict:
    found = defaultdict(list)
    for r in rows:
        key = (r["niveau"], r["code_territoire"], r["code_regroupement"], r["nombre_implantations"])
        found[key].append(r)
    return {k: sorted(v, key=lambda r: r["rang"]) for k, v in found.items()}


def test_every_published_set_is_optimal_by_brute_force(mart) -> None:
    rows, data = mart
    sets = sets_of(rows)
    assert len(sets) > 300
    assert {r["niveau"] for r in rows} == {"departement", "epci", "bv2022", "pays"}
    assert {"enumeration", "glouton_prouve"} <= {r["methode"] for r in rows}
    for (niveau, code, service, k), ranks in sets.items():
        best, optimal, weight = brute_force(data, niveau, code, service, k)
        published = ranks[-1]["distance_moyenne_apres_km"] * weight
        assert published == pytest.approx(best, rel=1e-6, abs=0.01 * weight), (niveau, code, k)
        if len(ranks) == k:
            assert {r["code_commune"] for r in ranks} in optimal, (niveau, code, service, k)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PuLP 3 announcing its version 4
def test_spopt_p_median_agrees(mart) -> None:
    """spopt's p-median on the same inputs: the existing facilities are one predefined site
    whose cost for each commune is its present distance, the candidates are the territory's
    communes without the service (a pair beyond 50 km costs more than anything)."""
    pulp = pytest.importorskip("pulp")
    from spopt.locate import PMedian

    rows, data = mart
    sets = sets_of(rows)
    chosen = sorted(k for k in sets if k[0] == "departement" and k[3] > 1)
    assert len(chosen) >= 20
    for niveau, code, service, k in chosen:
        communes = [c for c in data["members"][(niveau, code)] if (c, service) in data["demand"]]
        weight = np.array([data["demand"][(c, service)][0] for c in communes], dtype=float)
        before = np.array([data["demand"][(c, service)][1] for c in communes], dtype=float)
        candidates = [c for c, b in zip(communes, before, strict=True) if b > 0]
        if len(candidates) <= k:
            continue
        cost = np.full((len(communes), len(candidates) + 1), 1e4)
        cost[:, 0] = before
        for i, c in enumerate(communes):
            for j, cand in enumerate(candidates, start=1):
                d = data["pairs"].get((c, cand))
                if d is not None:
                    cost[i, j] = d
        model = PMedian.from_cost_matrix(
            cost, weight, p_facilities=k + 1, predefined_facilities_arr=np.array([0])
        )
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
        spopt_total = pulp.value(model.problem.objective)
        published = sets[(niveau, code, service, k)][-1]["distance_moyenne_apres_km"]
        # the mart rounds the mean distance to the metre
        assert published * weight.sum() == pytest.approx(spopt_total, abs=6e-4 * weight.sum())


def test_before_is_the_needs_marts_distance(mart, warehouse) -> None:
    rows, _data = mart
    besoins = {
        (n, c, s): d
        for n, c, s, d in warehouse.execute(
            "select niveau, code_territoire, code_regroupement, distance_km "
            "from marts.services__besoins where millesime = "
            "(select max(millesime) from intermediate.int_bpe__distances)"
        ).fetchall()
    }
    firsts = [r for r in rows if r["rang"] == 1 and r["nombre_implantations"] == 1]
    compared = 0
    for r in firsts:
        reference = besoins.get((r["niveau"], r["code_territoire"], r["code_regroupement"]))
        if reference is not None:
            assert r["distance_moyenne_avant_km"] == pytest.approx(reference, abs=0.002)
            compared += 1
    assert compared > 100


def test_readme_where_to_act_queries_answer_on_the_sample(sample_build) -> None:
    """Each example query of the README's "Where to act" runs on the published file and
    answers something (a renamed column or an empty mart would fail here)."""
    import re

    from tests.conftest import REPOSITORY

    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where to act", 1)[1].split("\n## ", 1)[0]
    queries = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    assert len(queries) == 4
    settings, _summary = sample_build
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        for query in queries:
            assert con.execute(query.strip().rstrip(";")).fetchall(), query
    finally:
        con.close()
