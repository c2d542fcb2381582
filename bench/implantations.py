"""`python -m bench.implantations --home HOME`: the "where to act" marts, timed and checked.

On a built warehouse (a benchmark build of `bench.run`, or any `observatory build` home):

- each of the four marts is built again into a temporary table, in its own process, with its
  seconds and the process's peak RSS (`--mart` runs one of them);
- on every département, the location problems of marts.implantations__services are solved
  again with the exact model forced on every set of 2 and 3 facilities (HiGHS), and the
  greedy's gap is measured against it (its distribution is what docs/benchmarks.md reports);
- on every département, `--spopt N` services (spread over the list) are solved a third time by
  spopt's p-median (PySAL; CBC through PuLP): another formulation and another solver, whose
  objective must equal the exact model's.

It works on a copy of the warehouse; it never writes to the warehouse itself.
"""

from __future__ import annotations

import argparse
import atexit
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import numpy as np

from observatory.models import implantation, implantation_exact
from observatory.models.implantation import Territoire
from observatory.settings import REPOSITORY_ROOT

MARTS = (
    "implantations__services",
    "implantations__medecins",
    "implantations__mutualisation",
    "implantations__chevauchements",
)
SQL = REPOSITORY_ROOT / "dbt_like_sql"


def _connect(home: Path) -> duckdb.DuckDBPyConnection:
    """A private copy of the warehouse (macros are created in the database they run on, and
    the warehouse itself is never written), with the project's macros and functions, as a
    build has them. The copy is deleted when the connection's process ends."""
    folder = Path(tempfile.mkdtemp(prefix="bench-implantations-"))
    atexit.register(shutil.rmtree, folder, True)
    copy = folder / "warehouse.duckdb"
    shutil.copyfile(home / "sample" / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    for macro in sorted((SQL / "macros").glob("*.sql")):
        con.execute(macro.read_text(encoding="utf-8"))
    implantation.register(con)
    return con


def time_mart(home: Path, mart: str) -> tuple[float, int, float]:
    """(seconds, rows, peak RSS in MB) of one mart's SELECT on the warehouse."""
    from observatory.models.graph import load_model

    model = load_model(SQL / "marts" / f"{mart}.sql", SQL)
    con = _connect(home)
    try:
        started = time.perf_counter()
        rows = len(con.execute(model.sql).fetchall())
        seconds = time.perf_counter() - started
    finally:
        con.close()
    return seconds, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def problems(home: Path, niveau: str) -> Iterator[tuple[str, Territoire, list[str]]]:
    """(territory code, its inputs, service codes) of every territory of a level, read with
    the mart's own SQL up to the call of its function."""
    text = (SQL / "marts" / "implantations__services.sql").read_text(encoding="utf-8")
    head = text.partition("resultats as (")[0].rstrip().rstrip(",")
    con = _connect(home)
    try:
        services = [
            r[0]
            for r in con.execute(
                f"{head} select code_regroupement from services order by id_service"
            ).fetchall()
        ]
        rows = con.execute(
            f"""{head}
            select mat.code_territoire, mat.poids, mat.distances, pai.paire_demande,
                pai.paire_candidat, pai.paire_distance
            from matrices as mat inner join paires as pai
                on mat.niveau = pai.niveau and mat.code_territoire = pai.code_territoire
            where mat.niveau = ? order by mat.code_territoire""",
            [niveau],
        ).fetchall()
    finally:
        con.close()
    for code, poids, distances, demande, candidat, distance in rows:
        n = len(poids) // len(services)
        ter = Territoire(
            poids=np.nan_to_num(np.array(poids, dtype=float)).reshape(n, len(services)),
            distances=np.array(distances, dtype=float).reshape(n, len(services)),
            paire_demande=np.asarray(demande, dtype=np.int64),
            paire_candidat=np.asarray(candidat, dtype=np.int64),
            paire_distance=np.asarray(distance, dtype=float),
        )
        yield code, ter, services


def objective(ter: Territoire, service: int, chosen: Sequence[int]) -> float:
    """Demand x km once the chosen communes have the service (an absent pair: out of reach)."""
    before = np.nan_to_num(ter.distances[:, service], nan=0.0)
    weight = np.where(np.isnan(ter.distances[:, service]), 0.0, ter.poids[:, service])
    after = before.copy()
    for j in chosen:
        pairs = ter.paire_candidat == j
        np.minimum.at(after, ter.paire_demande[pairs], ter.paire_distance[pairs])
    return float(np.sum(weight * after))


def spopt_objective(ter: Territoire, service: int, k: int) -> float:
    """spopt's p-median on the same inputs: the existing facilities are one predefined site
    costing each commune its present distance; a pair beyond the source's radius costs more
    than anything."""
    import pulp
    from spopt.locate import PMedian

    before = ter.distances[:, service]
    demand = np.flatnonzero(~np.isnan(before) & (ter.poids[:, service] > 0))
    candidates = np.flatnonzero(~np.isnan(before) & (before > 0))
    if len(candidates) <= k:
        return objective(ter, service, candidates.tolist())
    cost = np.full((len(demand), len(candidates) + 1), 1e5)
    cost[:, 0] = before[demand]
    row = {c: i for i, c in enumerate(demand)}
    col = {c: j for j, c in enumerate(candidates, start=1)}
    for i, j, d in zip(ter.paire_demande, ter.paire_candidat, ter.paire_distance, strict=True):
        if i in row and j in col:
            cost[row[i], col[j]] = d
    model = PMedian.from_cost_matrix(
        cost,
        ter.poids[demand, service],
        p_facilities=k + 1,
        predefined_facilities_arr=np.array([0]),
    )
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective))


def agreement(home: Path, spopt_services: int) -> dict[str, object]:
    """The exact model forced everywhere on the départements, the greedy's gaps against it,
    and spopt's objective on a spread of services."""
    implantation_exact.MILP_TOUJOURS[0] = True
    gaps: list[float] = []
    compared, worst, departements, started = 0, 0.0, 0, time.perf_counter()
    for _code, ter, services in problems(home, "departement"):
        departements += 1
        colonnes = implantation.resoudre_colonnes(ter, exact_toujours=True)
        sets: dict[tuple[int, int], list[int]] = {}
        for s, k, j in zip(
            colonnes["service"],
            colonnes["nombre_implantations"],
            colonnes["candidat"],
            strict=True,
        ):
            sets.setdefault((int(s), int(k)), []).append(int(j))
        greedy = implantation.glouton(ter, implantation.triplets(ter))
        for (s, k), chosen in sets.items():
            if k > 1:
                exact = float(
                    np.sum(
                        np.where(np.isnan(ter.distances[:, s]), 0, ter.poids[:, s])
                        * np.nan_to_num(ter.distances[:, s])
                    )
                ) - objective(ter, s, chosen)
                if exact > 0:
                    gaps.append(max(0.0, 1 - greedy.valeurs[s, k - 1] / exact))
        picked = np.linspace(0, len(services) - 1, spopt_services).round().astype(int)
        for s in sorted(set(picked.tolist())):
            for k in (2, 3):
                if (s, k) not in sets:
                    continue
                ours = objective(ter, s, sets[(s, k)])
                theirs = spopt_objective(ter, s, k)
                worst = max(worst, abs(ours - theirs) / max(theirs, 1.0))
                compared += 1
    array = np.array(gaps)
    return {
        "departements": departements,
        "exact_sets": len(gaps),
        "spopt_compared": compared,
        "spopt_worst_relative_difference": worst,
        "gap_zero_share": float(np.mean(array <= 1e-9)) if len(array) else 0.0,
        "gap_quantiles_50_90_99": [float(q) for q in np.quantile(array, [0.5, 0.9, 0.99])]
        if len(array)
        else [],
        "gap_max": float(array.max()) if len(array) else 0.0,
        "gap_above_2_percent": int(np.sum(array > 0.02)),
        "seconds": time.perf_counter() - started,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.implantations", description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--mart", choices=MARTS, help="time this mart only, in this process")
    parser.add_argument("--spopt", type=int, default=8, help="services per département for spopt")
    parser.add_argument("--no-agreement", action="store_true")
    args = parser.parse_args(argv)
    if args.mart:
        seconds, rows, peak = time_mart(args.home, args.mart)
        print(f"{args.mart}: {seconds:.2f} s, {rows:,} rows, peak RSS {peak:,.0f} MB")
        return 0
    for mart in MARTS:
        subprocess.run(
            [sys.executable, "-m", "bench.implantations", "--home", str(args.home), "--mart", mart],
            check=True,
        )
    if not args.no_agreement:
        print(agreement(args.home, args.spopt))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
