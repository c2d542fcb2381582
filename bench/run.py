"""The national-scale benchmark: `python -m bench.run` (README, "Benchmark").

For each scale (a fraction of France's communes) it generates the official-format inputs once,
then measures, each in a fresh subprocess so Dagster's start-up and the peak memory are counted:

- floor: DuckDB (and calamine for the workbooks, as ingestion does) reading every input once,
  the columns the pipeline uses: no pipeline can be faster than reading its inputs;
- full build: ingestion + validation + every model + publication (`observatory build`), wall
  time, peak RSS, and the time of each stage from the run's step events (`--timings`);
- writes: DuckDB writing again, into an empty database file, every table the build stored,
  layer by layer, computing nothing: with the floor and the publication, what any build that
  keeps the raw rows and the marts and publishes them must spend;
- no-op refresh: the same build again, inputs unchanged;
- one new edition: one source file changed, the build again;
- baseline: what an analyst would do without the project (pandas read_csv + groupby for the
  density per EPCI, a naive nearest-facility search on a subset of communes, extrapolated).

It prints a table and writes docs/benchmarks.md. Not part of `make test`: a smoke test runs it
at scale 0.001.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from observatory.catalog import load_catalog, normalise_header
from observatory.settings import REPOSITORY_ROOT, load_settings
from observatory.warehouse import quote_identifier

DOCS = REPOSITORY_ROOT / "docs" / "benchmarks.md"
WORK = REPOSITORY_ROOT / "data" / "bench"
ONE_SOURCE = ("laposte_codes_postaux", "insee_populations_reference")
"""The source changed for the 'one new edition' measure: the latest populations de référence."""


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    ok: bool = True
    detail: str = ""


@dataclass
class ScaleResult:
    scale: float
    communes: int = 0
    input_mb: float = 0.0
    input_rows: int = 0
    generate_s: float = 0.0
    floor: Measure | None = None
    build: Measure | None = None
    noop: Measure | None = None
    one_source: Measure | None = None
    baseline: dict[str, float] = field(default_factory=dict)
    marts: dict[str, float] = field(default_factory=dict)
    writes: dict[str, tuple[float, int]] = field(default_factory=dict)
    """Layer -> (seconds, rows) of `write_floor`."""


# --- inputs ----------------------------------------------------------------------------------


def ensure_inputs(scale: float, work: Path, seed: int) -> tuple[Path, float]:
    """Generate the inputs of a scale once (kept under data/bench/, git-ignored)."""
    from bench.generate import generate

    catalog = work / f"scale-{scale:g}" / "catalog"
    done = catalog / ".complete"
    if done.exists():
        return catalog, float(done.read_text() or 0)
    shutil.rmtree(catalog, ignore_errors=True)
    started = time.perf_counter()
    generate(catalog, scale, seed, log=lambda _m: None)
    seconds = time.perf_counter() - started
    done.write_text(f"{seconds:.1f}")
    return catalog, seconds


def _files(catalog_dir: Path) -> list[tuple[object, int, Path]]:
    catalog = load_catalog(catalog_dir)
    found = []
    for dataset in catalog:
        for year in dataset.years:
            folder = catalog_dir / "sample" / dataset.id / str(year)
            for path in sorted(folder.glob("*")) if folder.is_dir() else []:
                found.append((dataset, year, path))
    return found


# --- floor -------------------------------------------------------------------------------------


def _used_columns(dataset, headers: Sequence[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The file's headers that feed a catalog column (what the pipeline reads)."""
    import re

    wanted = []
    keys = {normalise_header(h): h for h in headers}
    for column in dataset.columns:
        found = next((keys[k] for k in column.candidates if k in keys), None)
        if found is None and column.pattern:
            found = next((h for k, h in keys.items() if re.search(column.pattern, k)), None)
        if found is not None and found not in wanted:
            wanted.append(found)
    return wanted or list(headers)


def _floor_one(con: duckdb.DuckDBPyConnection, dataset, year: int, path: Path) -> int:  # type: ignore[no-untyped-def]
    options = dataset.read_options(year)
    fmt = options.format
    with tempfile.TemporaryDirectory() as scratch:
        if fmt == "zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                import fnmatch

                pattern = (options.member or "*").lower()
                member = next(n for n in names if fnmatch.fnmatch(Path(n).name.lower(), pattern))
                path = Path(archive.extract(member, scratch))
            fmt = options.member_format
        if fmt == "csv":
            encoding = (options.encoding or "utf-8").lower().replace("utf-8-sig", "utf-8")
            relation = con.sql(
                f"select * from read_csv(?, delim = ?, header = true, all_varchar = true, "
                f"encoding = '{'latin-1' if 'latin' in encoding else 'utf-8'}', "
                f"quote = '{options.quote if options.quote is not None else chr(34)}', "
                "ignore_errors = true, null_padding = true) limit 0",
                params=[str(path), options.separator],
            )
            columns = _used_columns(dataset, relation.columns)
            select = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            row = con.execute(
                f"select count(*) from (select {select} from read_csv(?, delim = ?, "
                f"header = true, all_varchar = true, encoding = "
                f"'{'latin-1' if 'latin' in encoding else 'utf-8'}', quote = "
                f"'{options.quote if options.quote is not None else chr(34)}', "
                "ignore_errors = true, null_padding = true))",
                [str(path), options.separator],
            ).fetchall()[0]
            return int(row[0])
        if fmt == "parquet":
            columns = _used_columns(
                dataset,
                con.sql("select * from read_parquet(?) limit 0", params=[str(path)]).columns,
            )
            select = ", ".join('"' + c + '"' for c in columns)
            return int(
                con.execute(
                    f"select count(*) from (select {select} from read_parquet(?))", [str(path)]
                ).fetchall()[0][0]
            )
        if fmt == "json":
            return int(
                con.execute("select count(*) from read_json_auto(?)", [str(path)]).fetchall()[0][0]
            )
        if fmt == "geojson":  # DuckDB 2 reads a FeatureCollection as one row per feature
            return int(
                con.execute(
                    "select count(*) from read_json(?, maximum_object_size = 1073741824)",
                    [str(path)],
                ).fetchall()[0][0]
            )
        if fmt == "xlsx":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            try:
                sheet = (
                    book.get_sheet_by_name(options.sheet)
                    if options.sheet
                    else book.get_sheet_by_index(0)
                )
                return len(sheet.to_python(skip_empty_area=False))
            finally:
                book.close()
    raise ValueError(f"{path}: unknown format {fmt}")


def floor(catalog_dir: Path) -> tuple[Measure, int, float]:
    """Every input read once by DuckDB (workbooks by calamine), only the columns used."""
    con = duckdb.connect()
    started = time.perf_counter()
    rows, size = 0, 0.0
    for dataset, year, path in _files(catalog_dir):
        rows += _floor_one(con, dataset, year, path)
        size += path.stat().st_size / 1e6
    return Measure(time.perf_counter() - started), rows, size


# --- the pipeline, in subprocesses ------------------------------------------------------------


def _environment(catalog_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    env.update(
        OBSERVATORY_HOME=str(home),
        OBSERVATORY_CATALOG_DIR=str(catalog_dir),
        OBSERVATORY_CUSTOM_TERRITORIES=str(
            catalog_dir / "sample" / "territoires_personnalises.csv"
        ),
        DAGSTER_HOME=str(home / "dagster"),
        DAGSTER_DISABLE_TELEMETRY="1",
    )
    return env


def run_build(catalog_dir: Path, home: Path) -> Measure:
    """`observatory build --record` in a subprocess: wall time, its own peak RSS, stages."""
    home.mkdir(parents=True, exist_ok=True)
    timings = home / f"timings-{time.time_ns()}.json"
    command = [
        str(Path(sys.executable).with_name("observatory")),
        "build",
        "--timings",
        str(timings),
    ]
    log = home / f"build-{time.time_ns()}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=_environment(catalog_dir, home), stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    measure = Measure(seconds, usage.ru_maxrss / 1024, ok=process.returncode == 0)
    if not measure.ok:
        measure.detail = text.strip().splitlines()[-1] if text.strip() else "failed"
    if timings.exists():
        measure.stages = stage_times(json.loads(timings.read_text()))
    return measure


def stage_times(steps: dict[str, float]) -> dict[str, float]:
    """Seconds per stage, from the build's step timings (`observatory build --timings`)."""
    stages: dict[str, float] = {}
    for key, seconds in steps.items():
        if key.startswith("raw__") or key.startswith("utilisateur"):
            stage = "ingestion"
        elif key == "sql_models":
            stage = "models"
        elif key.startswith("published"):
            stage = "publication"
        elif key.startswith("seeds"):
            stage = "seeds"
        else:
            stage = "checks"
        stages[stage] = stages.get(stage, 0.0) + seconds
    return stages


def mart_timings(home: Path) -> dict[str, float]:
    """Seconds of the quadratic-prone models, timed again on the built warehouse (the APL's
    pairs and sums are in intermediate.int_sante__apl_communes; the GP mart re-evaluates it)."""
    warehouse = home / "sample" / "warehouse.duckdb"
    timings = {}
    con = duckdb.connect(str(warehouse))
    try:
        for table, path in (
            ("intermediate.int_bpe__distances", "intermediate/int_bpe__distances.sql"),
            ("intermediate.int_sante__apl_communes", "intermediate/int_sante__apl_communes.sql"),
            ("marts.implantations__medecins", "marts/implantations__medecins.sql"),
        ):
            from observatory.models.graph import load_model

            model = load_model(
                REPOSITORY_ROOT / "dbt_like_sql" / path, REPOSITORY_ROOT / "dbt_like_sql"
            )
            started = time.perf_counter()
            con.execute(f"create or replace temp table _bench as {model.sql}")
            timings[table] = time.perf_counter() - started
    finally:
        con.close()
    return timings


STORED_LAYERS = ("raw", "staging", "intermediate", "marts")


def write_floor(warehouse: Path, memory_limit: str | None = None) -> dict[str, tuple[float, int]]:
    """Seconds and rows of DuckDB writing again, into an empty database file beside the
    warehouse, every table the build stored, layer by layer: the cost of storing the rows
    (compression included) without computing any of them.

    Why: the floor says what reading the inputs costs; this says what keeping what was read
    and built costs. A build that keeps the raw rows (nothing lost, lineage) and the marts and
    publishes an edition spends at least the floor + raw + marts + publication, before any
    join, sort, validation or start-up. The memory limit is the build's: the benchmark's builds
    run with the default settings (see _environment)."""
    limit = memory_limit or load_settings({}).duckdb_memory_limit
    layers: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(dir=warehouse.parent, prefix=".bench-writes-") as scratch:
        con = duckdb.connect(str(Path(scratch) / "writes.duckdb"))
        try:
            con.execute(f"set memory_limit = '{limit}'")
            con.execute("set enable_progress_bar = false")
            con.execute(
                f"attach '{str(warehouse).replace(chr(39), chr(39) * 2)}' as built (read_only)"
            )
            for layer in STORED_LAYERS:
                names = con.execute(
                    "select table_name from duckdb_tables() "
                    "where database_name = 'built' and schema_name = ? order by table_name",
                    [layer],
                ).fetchall()
                seconds, rows = 0.0, 0
                for (name,) in names:
                    started = time.perf_counter()
                    rows += int(
                        con.execute(
                            f"create table {quote_identifier(f'{layer}__{name}')} as "
                            f"select * from built.{layer}.{quote_identifier(name)}"
                        ).fetchall()[0][0]
                    )
                    con.execute("checkpoint")
                    seconds += time.perf_counter() - started
                layers[layer] = (seconds, rows)
        finally:
            con.close()
    return layers


def change_one_source(catalog_dir: Path) -> str:
    """A new edition of one source: the latest populations de référence, one PMUN changed."""
    dataset = load_catalog(catalog_dir).get(ONE_SOURCE[1])
    year = dataset.years[-1]
    path = next((catalog_dir / "sample" / dataset.id / str(year)).glob("*"))
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    buffer = path.with_suffix(".tmp")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name.lower().endswith(".csv"):
                lines = data.decode("utf-8").splitlines()
                header = lines[0].split(";")
                fields = lines[1].split(";")
                index = header.index("PMUN")
                fields[index] = str(int(fields[index]) + 1)
                data = ("\n".join([lines[0], ";".join(fields), *lines[2:]]) + "\n").encode()
            archive.writestr(name, data)
    buffer.replace(path)
    return f"{dataset.id} {year}"


# --- baseline: the same answers without the project -------------------------------------------


def baseline(catalog_dir: Path, subset: int = 300) -> dict[str, float]:
    """Density of facilities per EPCI with pandas, and the nearest facility of each service for a
    subset of communes by brute force (numpy), extrapolated to every commune."""
    import numpy as np
    import pandas as pd

    catalog = load_catalog(catalog_dir)
    times: dict[str, float] = {}
    started = time.perf_counter()
    bpe = catalog.get("insee_bpe")
    year = 2024 if 2024 in bpe.years else bpe.years[-1]
    path = next((catalog_dir / "sample" / "insee_bpe" / str(year)).glob("*"))
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        with archive.open(member) as handle:
            facilities = pd.read_csv(handle, sep=";", dtype=str)
    epci_path = next((catalog_dir / "sample" / "dgcl_epci_composition").glob("*/*.xlsx"))
    composition = pd.read_excel(epci_path, dtype=str, engine="openpyxl")  # pandas default today
    composition.columns = [c.lower() for c in composition.columns]
    population_path = next((catalog_dir / "sample" / "insee_populations_reference").glob("*/*.zip"))
    with zipfile.ZipFile(population_path) as archive:
        member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        with archive.open(member) as handle:
            population = pd.read_csv(handle, sep=";", dtype={"COM": str})
    merged = facilities.merge(
        composition[["insee", "siren"]], left_on="DEPCOM", right_on="insee", how="inner"
    )
    counts = merged.groupby(["siren", "TYPEQU"]).size().rename("n").reset_index()
    pop = population.merge(composition[["insee", "siren"]], left_on="COM", right_on="insee")
    pop = pop.groupby("siren")["PMUN"].sum().rename("pmun").reset_index()
    density = counts.merge(pop, on="siren")
    density["pour_10000_hab"] = density["n"] / density["pmun"] * 10_000
    times["density_per_epci_s"] = time.perf_counter() - started

    started = time.perf_counter()
    located = (
        facilities.dropna(subset=["LATITUDE", "LONGITUDE"])
        if "LATITUDE" in facilities
        else facilities
    )
    lat = pd.to_numeric(located.get("LATITUDE"), errors="coerce").to_numpy()
    lon = pd.to_numeric(located.get("LONGITUDE"), errors="coerce").to_numpy()
    types = located["TYPEQU"].to_numpy()
    communes = population.sample(n=min(subset, len(population)), random_state=1)
    rng = np.random.default_rng(1)
    c_lat = 43 + rng.random(len(communes)) * 7  # the analyst's commune points (any will do)
    c_lon = -1 + rng.random(len(communes)) * 8
    groups = {t: np.flatnonzero(types == t) for t in np.unique(types)}
    for i in range(len(communes)):
        for index in groups.values():
            dlat = np.radians(lat[index] - c_lat[i])
            dlon = np.radians(lon[index] - c_lon[i])
            a = (
                np.sin(dlat / 2) ** 2
                + np.cos(np.radians(c_lat[i]))
                * np.cos(np.radians(lat[index]))
                * np.sin(dlon / 2) ** 2
            )
            np.nanmin(a)
    elapsed = time.perf_counter() - started
    times["nearest_subset_communes"] = float(len(communes))
    times["nearest_extrapolated_s"] = elapsed * len(population) / max(len(communes), 1)
    return times


# --- report ------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"{memory:.0f} GiB RAM, Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


PROBE_ROWS = 400_000_000


def speed_probe(rows: int = PROBE_ROWS) -> float:
    """Seconds DuckDB takes for a fixed piece of CPU work (hashing and summing `rows` integers
    on every core). The same virtual machine type runs this 1.2 to 1.5 times slower at some
    hours than at others; the probe, taken before and after the run, says which state a table
    was measured in, so runs of different days can be compared."""
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        started = time.perf_counter()
        con.execute(f"select sum(hash(range)) from range({int(rows)})").fetchall()
        return time.perf_counter() - started
    finally:
        con.close()


def _fmt(measure: Measure | None) -> str:
    if measure is None:
        return "—"
    text = f"{measure.seconds:.1f} s"
    return text if measure.ok else f"{text} (FAILED: {measure.detail})"


def render(
    results: list[ScaleResult], notes: str, probes: tuple[float, float] | None = None
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M UTC}: {machine()}.",
        "Inputs generated by `python -m bench.generate` (seeded synthetic France in the official "
        "formats); measured by `python -m bench.run`. Each build runs in its own process "
        "(Dagster start-up included); peak RSS is that process's.",
    ]
    if probes:
        lines.append(
            f"Speed probe (DuckDB hashing {PROBE_ROWS // 1_000_000:,} M integers, see "
            f"`speed_probe`): {probes[0]:.2f} s before the run, {probes[1]:.2f} s after it; "
            "compare runs at equal probes."
        )
    lines += [
        "",
        "| scale | communes | inputs | floor | full build | × floor | peak RSS | no-op refresh "
        "| one new edition | distances | APL | GP sites | pandas baseline (density / nearest, "
        "extrapolated) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = (
            f"{r.build.seconds / r.floor.seconds:.1f}"
            if r.build and r.floor and r.floor.seconds
            else "—"
        )
        lines.append(
            f"| {r.scale:g} | {r.communes:,} | {r.input_mb:,.0f} MB, {r.input_rows:,} rows "
            f"| {_fmt(r.floor)} | {_fmt(r.build)} | {ratio} "
            f"| {r.build.peak_rss_mb:,.0f} MB | {_fmt(r.noop)} | {_fmt(r.one_source)} "
            f"| {r.marts.get('intermediate.int_bpe__distances', 0):.1f} s "
            f"| {r.marts.get('intermediate.int_sante__apl_communes', 0):.1f} s "
            f"| {r.marts.get('marts.implantations__medecins', 0):.1f} s "
            f"| {r.baseline.get('density_per_epci_s', 0):.1f} s / "
            f"{r.baseline.get('nearest_extrapolated_s', 0):.0f} s |"
            if r.build
            else f"| {r.scale:g} | — | — | — | — | — | — | — | — | — | — | — | — |"
        )
    lines += ["", "Stages of the full build (seconds, from the run's step events):", ""]
    lines += ["| scale | ingestion | checks | models | publication |", "|---|---|---|---|---|"]
    for r in results:
        if r.build:
            s = r.build.stages
            lines.append(
                f"| {r.scale:g} | {s.get('ingestion', 0):.1f} | {s.get('checks', 0):.1f} "
                f"| {s.get('models', 0):.1f} | {s.get('publication', 0):.1f} |"
            )
    lines += _writes_table(results)
    return "\n".join(lines) + "\n\n" + notes.strip() + "\n"


def _writes_table(results: list[ScaleResult]) -> list[str]:
    """The floor of storing next to the floor of reading (see `write_floor`)."""
    rows = []
    for r in results:
        if not (r.writes and r.build and r.floor):
            continue
        layer = {name: r.writes.get(name, (0.0, 0)) for name in STORED_LAYERS}
        between = (
            layer["staging"][0] + layer["intermediate"][0],
            layer["staging"][1] + layer["intermediate"][1],
        )
        publication = r.build.stages.get("publication", 0.0)
        bound = r.floor.seconds + layer["raw"][0] + layer["marts"][0] + publication
        rows.append(
            f"| {r.scale:g} | {r.floor.seconds:.1f} s | {_written(*layer['raw'])} "
            f"| {_written(*between)} | {_written(*layer['marts'])} | {publication:.1f} s "
            f"| {bound:.1f} s | {bound / r.floor.seconds:.1f} |"
        )
    if not rows:
        return []
    return [
        "",
        "What storing costs (seconds): DuckDB writing again, into an empty file, the tables the "
        "build stored, computing nothing (`write_floor`); publication as in the full build. "
        "Reading the inputs, keeping the raw rows and the marts and publishing them is what any "
        "build of these outputs spends before joining, sorting or validating anything:",
        "",
        "| scale | floor (reading) | raw | staging + intermediate | marts | publication "
        "| floor + raw + marts + publication | × floor |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]


def _written(seconds: float, rows: int) -> str:
    return f"{seconds:.1f} s ({rows / 1e6:.1f} M rows)"


def run(scales: Sequence[float], work: Path, seed: int, write_docs: bool) -> list[ScaleResult]:
    results = []
    before = speed_probe()
    print(f"speed probe: {before:.2f} s")
    for scale in scales:
        result = ScaleResult(scale)
        catalog, result.generate_s = ensure_inputs(scale, work, seed)
        result.floor, result.input_rows, result.input_mb = floor(catalog)
        print(
            f"scale {scale:g}: inputs {result.input_mb:,.0f} MB, floor {result.floor.seconds:.1f} s"
        )
        home = work / f"scale-{scale:g}" / "home"
        shutil.rmtree(home, ignore_errors=True)
        result.build = run_build(catalog, home)
        print(
            f"  full build {_fmt(result.build)}, peak {result.build.peak_rss_mb:,.0f} MB, "
            f"stages {result.build.stages}"
        )
        if result.build.ok:
            result.noop = run_build(catalog, home)
            print(f"  no-op refresh {_fmt(result.noop)}")
            changed = change_one_source(catalog)
            result.one_source = run_build(catalog, home)
            (catalog / ".complete").unlink()  # the inputs were changed: regenerate next time
            print(f"  one new edition ({changed}) {_fmt(result.one_source)}")
            result.marts = mart_timings(home)
            print(f"  distances / APL / GP sites alone: {result.marts}")
            result.writes = write_floor(home / "sample" / "warehouse.duckdb")
            print(f"  writes (seconds, rows) per layer: {result.writes}")
            con = duckdb.connect(str(home / "sample" / "warehouse.duckdb"), read_only=True)
            result.communes = int(
                con.execute("select count(*) from intermediate.int_cog__communes_cible").fetchall()[
                    0
                ][0]
            )
            con.close()
        result.baseline = baseline(catalog)
        print(f"  baseline {result.baseline}")
        results.append(result)
    after = speed_probe()
    print(f"speed probe: {before:.2f} s before, {after:.2f} s after")
    if write_docs:
        notes = (
            DOCS.read_text(encoding="utf-8").split("<!-- notes -->", 1)[-1] if DOCS.exists() else ""
        )
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(
            render(results, "<!-- notes -->" + notes, (before, after)), encoding="utf-8"
        )
        print(f"wrote {DOCS}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--scales", default="0.01,0.1,1", help="fractions of France (default 0.01,0.1,1)"
    )
    parser.add_argument(
        "--work", type=Path, default=WORK, help="inputs and warehouses (git-ignored)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    scales = [float(x) for x in args.scales.split(",") if x.strip()]
    results = run(scales, args.work, args.seed, not args.no_docs)
    return 0 if all(r.build and r.build.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
