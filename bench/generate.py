"""`python -m bench.generate --scale 0.01 --out DIR [--seed 1]`: national-scale synthetic inputs.

Writes, for every dataset and millésime of the catalog, a synthetic file in the exact official
format (headers, separators, encodings, zip/Parquet/xlsx packaging, file names) describing a
synthetic France of `scale` x 35,000 communes (68 million inhabitants at scale 1): ~2.9 million
BPE facilities per edition, ~2.3 million Annuaire santé activities, ~3.5 million ameli rows at
scale 1. The same seed always gives the same files.

DIR is laid out as a catalog folder in sample mode, so the pipeline ingests it unchanged:

    DIR/<producer>/<dataset>.yaml                       copies of assets/<producer>/*.yaml
    DIR/sample/<dataset>/<millesime>/<official name>    the generated files
    DIR/sample/territoires_personnalises.csv            custom territories (a "pays" level)

    OBSERVATORY_CATALOG_DIR=DIR observatory --home HOME build

Why a copy of the catalog: in sample mode the pipeline reads `<catalog>/sample/...`, so pointing
OBSERVATORY_CATALOG_DIR at DIR swaps the bundled sample for these files without touching the
repository. Generated data is large: write it under /tmp or bench/out/ (git-ignored), never
commit it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic import bpe, contours, sante, territoires, zonages
from bench.synthetic.geography import build
from bench.synthetic.world import World
from observatory.catalog import load_catalog
from observatory.settings import REPOSITORY_ROOT

Writer = Callable[[World, int, Path], None]

WRITERS: dict[str, Writer] = {
    "insee_cog_communes": territoires.cog_communes,
    "insee_cog_departements": territoires.cog_departements,
    "insee_cog_regions": territoires.cog_regions,
    "insee_cog_mouvements": territoires.cog_mouvements,
    "insee_populations_reference": territoires.populations_reference,
    "insee_population_ages": territoires.population_ages,
    "dgcl_epci_composition": zonages.epci_composition,
    "insee_appartenance_geo": zonages.appartenance_geo,
    "insee_grille_densite": zonages.grille_densite,
    "communes_centroides": zonages.communes_centroides,
    "etalab_contours_communes": contours.contours_communes,
    "insee_bpe": bpe.bpe,
    "insee_bpe_nomenclature": bpe.bpe_nomenclature,
    "insee_bpe_gammes": bpe.bpe_gammes,
    "ans_annuaire_sante": sante.annuaire_sante,
    "ameli_demographie": sante.demographie_ameli,
    "drees_demographie": sante.demographie_drees,
    "laposte_codes_postaux": sante.codes_postaux,
}
CUSTOM_TERRITORIES = "territoires_personnalises.csv"


class GenerateError(RuntimeError):
    """The catalog holds something the generator cannot write."""


@dataclass(frozen=True)
class Written:
    """One generated file: where, how big, how long it took."""

    path: Path
    bytes: int
    seconds: float  # writing it, background compression included


def copy_catalog(catalog_dir: Path, out_dir: Path) -> list[Path]:
    """Copy `<catalog>/<producer>/*.yaml` into DIR, so DIR is a catalog folder of its own."""
    copied = []
    for source in sorted(catalog_dir.glob("*/*.yaml")):
        if source.parent.name == "sample":
            continue
        target = out_dir / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(target)
    return copied


def generate(
    out_dir: Path,
    scale: float,
    seed: int = 1,
    *,
    catalog_dir: Path = REPOSITORY_ROOT / "assets",
    log: Callable[[str], None] = print,
) -> list[Written]:
    """Write the inputs of `scale` into `out_dir` (see the module docstring for the layout)."""
    catalog = load_catalog(catalog_dir)
    missing = [d.id for d in catalog if d.id not in WRITERS]
    if missing:
        raise GenerateError(
            f"no national-scale writer for dataset(s) {', '.join(missing)} (add one to bench/)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_catalog(catalog_dir, out_dir)
    sample_dir = out_dir / "sample"
    scratch = out_dir / ".scratch"
    started = time.perf_counter()
    geo = build(scale, seed)
    log(
        f"geography: {geo.n:,} communes ({len(geo.arm_code)} arrondissements municipaux) in "
        f"{len(geo.departements)} départements, {int(geo.place_pmun(2023).sum()):,} inhabitants, "
        f"{len(geo.events)} mergers since 2020 ({time.perf_counter() - started:.1f} s)"
    )
    world = World(geo, scratch)
    written: list[Written] = []
    pending: list[tuple[str, Path, float, Future[float] | None]] = []

    def drain(wait: bool) -> None:
        """Report finished files in order (a zip compressed in the background may still run)."""
        while pending and (wait or pending[0][3] is None or pending[0][3].done()):
            relative, path, foreground, future = pending.pop(0)
            background = future.result() if future else 0.0
            item = Written(path, path.stat().st_size, foreground + background)
            written.append(item)
            zipped = f"  (+{background:.1f} s zip in background)" if future else ""
            log(f"  {relative:<74} {item.bytes / 1e6:>9.1f} MB {foreground:>6.1f} s{zipped}")

    def timed(relative: str, write: Callable[[Path], None]) -> None:
        path = sample_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        begin = time.perf_counter()
        write(path)
        pending.append(
            (relative, path, time.perf_counter() - begin, world.deferred.pop(path, None))
        )
        drain(wait=False)

    try:
        for dataset in catalog:
            writer = WRITERS[dataset.id]
            for edition in dataset.millesimes:
                relative = f"{dataset.id}/{edition.millesime}/{edition.file_name}"
                timed(relative, lambda path, w=writer, m=edition.millesime: w(world, m, path))
        timed(CUSTOM_TERRITORIES, lambda path: zonages.territoires_personnalises(world, path))
        drain(wait=True)
    finally:
        world.background.shutdown(wait=True)
        shutil.rmtree(scratch, ignore_errors=True)
        world.con.close()
    keep = {w.path for w in written}
    for stale in sorted(sample_dir.rglob("*")):
        if stale.is_file() and stale not in keep:
            stale.unlink()
    total = sum(w.bytes for w in written)
    log(
        f"{len(written)} files, {total / 1e6:,.1f} MB in {time.perf_counter() - started:.1f} s "
        f"under {sample_dir}"
    )
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument(
        "--scale", type=float, required=True, help="fraction of France (0.001, 0.01, 0.1, 1)"
    )
    parser.add_argument("--out", type=Path, help="output folder (default bench/out/scale-SCALE)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.scale > 1:
        parser.error("--scale must be in (0, 1]")
    out = args.out or REPOSITORY_ROOT / "bench" / "out" / f"scale-{args.scale:g}"
    out = out.expanduser().resolve()
    try:
        generate(out, args.scale, args.seed)
    except GenerateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\nbuild it with: OBSERVATORY_CATALOG_DIR={out} observatory --home HOME build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
