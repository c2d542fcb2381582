"""The deterministic generator of the bundled sample (`assets/sample/`).

Every dataset of the catalog has a writer here producing, for each of its millésimes, a small
synthetic file in the exact official format (same headers, separators, encodings, packaging).
The files are committed; `python -m observatory.sample --check` (and a test) proves they are
exactly what this code generates, so the sample can never drift from its generator.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from observatory.catalog import Catalog
from observatory.sample import (
    annuaire,
    bpe,
    contours,
    densite,
    laposte,
    sante,
    territoires,
    zonages,
)

Writer = Callable[[int], bytes]

WRITERS: dict[str, Writer] = {
    "insee_cog_communes": territoires.cog_communes,
    "insee_cog_departements": territoires.cog_departements,
    "insee_cog_regions": territoires.cog_regions,
    "insee_cog_mouvements": territoires.cog_mouvements,
    "insee_populations_reference": territoires.populations_reference,
    "dgcl_epci_composition": zonages.epci_composition,
    "insee_appartenance_geo": zonages.appartenance_geo,
    "communes_centroides": zonages.communes_centroides,
    "etalab_contours_communes": contours.contours_communes,
    "insee_population_ages": zonages.population_ages,
    "insee_grille_densite": densite.grille_densite,
    "insee_bpe": bpe.bpe,
    "insee_bpe_nomenclature": bpe.bpe_nomenclature,
    "insee_bpe_gammes": bpe.bpe_gammes,
    "ans_annuaire_sante": annuaire.annuaire_sante,
    "ameli_demographie": sante.demographie_ameli,
    "drees_demographie": sante.demographie_drees,
    "laposte_codes_postaux": laposte.codes_postaux,
}

EXTRA_FILES: dict[str, Callable[[], bytes]] = {
    # what a user would write to define their own territories (setting
    # OBSERVATORY_CUSTOM_TERRITORIES); the sample mode uses it when none is configured
    "territoires_personnalises.csv": zonages.territoires_personnalises,
}


class SampleError(RuntimeError):
    """The sample cannot be generated, or differs from what the generator produces."""


def generate(catalog: Catalog) -> dict[str, bytes]:
    """Relative path (`<dataset>/<millesime>/<official file name>`, and EXTRA_FILES) -> content."""
    missing = [d.id for d in catalog if d.id not in WRITERS]
    if missing:
        raise SampleError(
            f"no sample writer for dataset(s) {', '.join(missing)} (add one to observatory/sample)"
        )
    files = {}
    for dataset in catalog:
        for edition in dataset.millesimes:
            path = f"{dataset.id}/{edition.millesime}/{edition.file_name}"
            files[path] = WRITERS[dataset.id](edition.millesime)
    for path, extra in EXTRA_FILES.items():
        files[path] = extra()
    return files


def write(catalog: Catalog, out_dir: Path) -> list[Path]:
    """Write the sample, removing files the generator no longer produces."""
    files = generate(catalog)
    written = []
    for relative, content in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
        written.append(path)
    for stale in out_dir.rglob("*"):
        if (
            stale.is_file()
            and stale.relative_to(out_dir).as_posix() not in files
            and stale.name != "README.md"
        ):
            stale.unlink()
    return written


def _comparable(name: str, content: bytes) -> object:
    """Zips, and xlsx workbooks (zips too), compare by member names and contents, nested ones
    included (compressed bytes depend on the zlib build)."""
    if not name.lower().endswith((".zip", ".xlsx")):
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(i.filename, _comparable(i.filename, archive.read(i))) for i in archive.infolist()]


def differences(catalog: Catalog, out_dir: Path) -> list[str]:
    """Files of out_dir that differ from, lack, or are absent from the generator's output."""
    files = generate(catalog)
    problems = []
    for relative, content in files.items():
        path = out_dir / relative
        if not path.exists():
            problems.append(f"missing: {relative}")
        elif _comparable(relative, path.read_bytes()) != _comparable(relative, content):
            problems.append(f"differs: {relative}")
    for extra in sorted(out_dir.rglob("*")):
        relative = extra.relative_to(out_dir).as_posix()
        if extra.is_file() and relative not in files and extra.name != "README.md":
            problems.append(f"not generated: {relative}")
    return problems
