"""A static site of every territory (`observatory site -o DIR`): one report page per territory,
an index with a search box, opened from the file system with no server and no network.

Speed is the design: every profile is read with one query per section for ALL the territories
(profile.load_profiles) and every map query once for all of them (map_data.load_maps_data), so
a site of France costs about twenty-five queries; the pages are then rendered by the report's own
template (report.html.j2, a page of the site IS the territory's report, its locator and commune
maps included) with a navigation block and the shared `site.css` / `site.js` linked instead of
inlined. In a page the communes' outlines are written once (an SVG `<defs>`) and each commune
map refers to them (`<use>`); the locator maps' context (a département's communes) is projected
and written once for all the pages that show it (maps.locator's `reuse`). A large site's pages
are rendered by forked workers, one per core (`default_workers`): about 30 s for France on 2
cores (docs/benchmarks.md, static site).

Layout of DIR:

    index.html              search box, national maps, every page listed per level
    site.css, site.js       the one stylesheet and the one script of every page
    territoires.js          the index's data (`<script src>`: fetch() does not work from file://)
    <niveau>/<code>.html    one page per territory (a code that is not filename-safe is escaped)
    .observatory-site       marks a folder this module wrote, so a new build may replace it

Every link of every page points to a page of the site; a territory without a page (a région
when only départements were asked) is named as text. Neighbours (territories of the same level
sharing a border) come from `marts.territoires__voisins` when the published edition holds it;
otherwise each page says that they are not available.

Its length (about 540 lines) is one job: read the published edition once for every page, then
write the pages, the index and their shared files; the national maps are in site_maps.py.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup

from observatory.analysis import site_maps
from observatory.analysis.map_data import MapData, load_maps_data
from observatory.analysis.profile import Comparison, Profile, load_profiles
from observatory.analysis.queries import run_query
from observatory.analysis.report import Link, Navigation, render_html, site_assets
from observatory.analysis.territories import NIVEAUX, Territory
from observatory.warehouse import table_exists

NEIGHBOURS = "marts.territoires__voisins"
"""Territories of the same level sharing a border (the commune outlines' work, issue 20)."""

MARKER = ".observatory-site"

NIVEAUX_PAR_DEFAUT = ("departement", "epci", "bv2022")
"""The default levels, with every custom level (those not in territories.NIVEAUX)."""

PLURIELS = {
    "commune": "Communes",
    "epci": "EPCI",
    "bv2022": "Bassins de vie",
    "departement": "Départements",
    "region": "Régions",
    "france": "France",
}

NO_NEIGHBOURS = (
    "Voisins non disponibles : l'édition publiée ne contient pas la table des territoires "
    "voisins (marts.territoires__voisins)."
)


@dataclass(frozen=True)
class Indicator:
    """A figure of every territory for the index's maps: read from its profile (no query)."""

    code: str
    label: str
    unit: str
    value: Callable[[Profile], float | None]


def _first(items: Callable[[Profile], Sequence[Comparison]], code: str):
    def value(profile: Profile) -> float | None:
        found = next((c for c in items(profile) if c.code == code), None)
        return found.values[0] if found and found.values else None

    return value


INDICATEURS = {
    i.code: i
    for i in (
        Indicator(
            "population_municipale",
            "Population municipale",
            "nombre",
            _first(lambda p: p.population_indicators, "population_municipale"),
        ),
        Indicator(
            "variation_population",
            "Évolution de la population (%)",
            "pct",
            _first(lambda p: p.population_indicators, "variation_population"),
        ),
        Indicator(
            "part_75_ans_et_plus",
            "Part des 75 ans et plus",
            "part",
            _first(lambda p: p.population_indicators, "part_75_ans_et_plus"),
        ),
        Indicator(
            "proximite",
            "Équipements de proximité pour 10 000 hab.",
            "densite",
            _first(lambda p: p.service_densities, "proximite"),
        ),
        Indicator(
            "medecin_generaliste",
            "Médecins généralistes pour 10 000 hab.",
            "densite",
            _first(lambda p: p.health_densities, "medecin_generaliste"),
        ),
        Indicator(
            "apl_mg",
            "Accessibilité aux généralistes (APL)",
            "apl",
            _first(lambda p: p.accessibility, "apl_mg"),
        ),
    )
}
INDICATEUR_PAR_DEFAUT = "medecin_generaliste"


class SiteError(ValueError):
    """The site cannot be built as asked (unknown level or indicator, output folder unusable)."""


@dataclass
class SiteData:
    """Everything the site shows, read from the published file (then the connection may close)."""

    territories: dict[tuple[str, str], Territory]
    """Every published territory (pages or not: parents are named even without a page)."""
    niveaux: tuple[str, ...]
    profiles: dict[tuple[str, str], Profile]
    """One per page, in page order."""
    neighbours: dict[tuple[str, str], list[str]] | None
    indicateur: str
    communes: dict[str, tuple[tuple[str, str | None], ...]] = field(default_factory=dict)
    """Commune code -> its (epci, code) and (bv2022, code): a commune page's parents."""
    maps: site_maps.NationalMaps | None = None
    """The index's national maps (départements, EPCI) when the edition has the outlines."""
    maps_data: dict[tuple[str, str], MapData | None] = field(default_factory=dict)
    """Each page's commune maps and locator (map_data.load_maps_data: one query per map
    query for all the pages), None when the edition has no outlines."""


@dataclass(frozen=True)
class SiteSummary:
    output: Path
    pages: dict[str, int]
    files: int
    size_bytes: int
    seconds_writing: float
    neighbours: bool
    maps: bool


def safe_name(text: str) -> str:
    """A code or level as a file name on any system: letters, digits, `-` and `_` kept, every
    other character (and a leading dot) written `~` and its UTF-8 bytes in hex (`2A~2fB`)."""
    escaped = re.sub(
        r"[^A-Za-z0-9_-]", lambda m: "~" + m.group().encode().hex(), text.replace("~", "~7e")
    )
    return escaped or "~"


def page_path(niveau: str, code: str) -> str:
    """The page of a territory, relative to the site's root."""
    return f"{safe_name(niveau)}/{safe_name(code)}.html"


def default_levels(levels: Iterable[str]) -> tuple[str, ...]:
    """Départements, EPCI, bassins de vie and every custom level that is published."""
    levels = list(levels)
    custom = sorted(n for n in levels if n not in NIVEAUX)
    return tuple(n for n in NIVEAUX_PAR_DEFAUT if n in levels) + tuple(custom)


def load_site(
    con: duckdb.DuckDBPyConnection,
    niveaux: Sequence[str] | None = None,
    indicateur: str | None = None,
    sql_dir: Path | None = None,
) -> SiteData:
    """Read what the site shows: every territory, the profiles of the pages' territories (one
    query per section for all of them), the neighbours and the maps' outlines when published."""
    indicateur = indicateur or INDICATEUR_PAR_DEFAUT
    if indicateur not in INDICATEURS:
        close = difflib.get_close_matches(indicateur, INDICATEURS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SiteError(
            f"unknown indicator {indicateur!r}{hint}; indicators: {', '.join(INDICATEURS)}"
        )
    rows = run_query(con, "site_territoires", sql_dir)
    territories = {
        (niveau, code): Territory(niveau, code, libelle, departement, region, int(nb or 0))
        for niveau, code, libelle, departement, region, _epci, _bv, nb in rows
    }
    communes = {
        code: (("epci", epci), ("bv2022", bv))
        for niveau, code, _lib, _dep, _reg, epci, bv, _nb in rows
        if niveau == "commune"
    }
    published = list(dict.fromkeys(niveau for niveau, _ in territories))
    if niveaux is None:
        chosen = default_levels(published)
    else:
        chosen = tuple(dict.fromkeys(niveaux))
        for niveau in chosen:
            if niveau not in published:
                close = difflib.get_close_matches(niveau, published, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise SiteError(
                    f"no level {niveau!r} in the published warehouse{hint}; levels: "
                    f"{', '.join(published)}"
                )
    if not chosen:
        raise SiteError("no level to publish: the published warehouse has no territory")
    pages = [t for t in territories.values() if t.niveau in chosen]
    pages.sort(key=lambda t: (chosen.index(t.niveau), t.code))
    profiles = load_profiles(con, pages, sql_dir)
    neighbours = None
    if table_exists(con, NEIGHBOURS):
        neighbours = defaultdict(list)
        for niveau, code, voisin in run_query(con, "site_voisins", sql_dir, niveaux=list(chosen)):
            neighbours[(niveau, code)].append(voisin)
    data = SiteData(territories, chosen, profiles, neighbours, indicateur, communes)
    data.maps_data = load_maps_data(con, list(profiles.values()), sql_dir)
    indicators = list(INDICATEURS.values())
    data.maps = site_maps.national_maps(
        con,
        chosen,
        {key: t.nom for key, t in territories.items()},
        {key: page_path(*key) for key in profiles},
        [site_maps.MapIndicator(i.code, i.label, i.unit) for i in indicators],
        lambda key: [i.value(profiles[key]) for i in indicators],
        indicateur,
        sql_dir,
    )
    return data


def _parents(data: SiteData, territory: Territory) -> list[tuple[str, str]]:
    """The territories a territory belongs to, smallest first: for a commune its EPCI and
    bassin de vie, then (for any level below) its département, then its région."""
    found: list[tuple[str, str]] = []
    if territory.niveau in ("region", "france"):
        return [("france", "FR")] if territory.niveau == "region" else []
    if territory.niveau == "commune":
        found += [(n, c) for n, c in data.communes.get(territory.code, ()) if c]
    departement = None
    if territory.niveau != "departement":
        profile = data.profiles.get((territory.niveau, territory.code))
        refs = profile.references if profile else ()
        departement = territory.code_departement or next(
            (r.code for r in refs if r.role == "departement"), None
        )
        if departement:
            found.append(("departement", departement))
    region = territory.code_region
    if region is None and departement:
        parent = data.territories.get(("departement", departement))
        region = parent.code_region if parent else None
    if region:
        found.append(("region", region))
    return [key for key in found if key in data.territories]


def _label(territory: Territory) -> str:
    return territory.designation


def _navigations(data: SiteData) -> dict[tuple[str, str], Navigation]:
    """Each page's navigation: links only to pages of the site."""
    pages = {key: page_path(*key) for key in data.profiles}
    parents = {key: _parents(data, data.territories[key]) for key in data.profiles}
    children: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for key, found in parents.items():
        for parent in found:
            if parent in pages:
                children[parent][key[0]].append(key)
    navigations = {}
    for key in data.profiles:
        niveau = key[0]

        def link(other: tuple[str, str]) -> Link:
            territory = data.territories[other]
            return Link(_label(territory), "../" + pages[other] if other in pages else "")

        groups = tuple(
            (
                f"{PLURIELS.get(level, f'Territoires « {level} »')} de ce territoire",
                tuple(link(child) for child in keys),
            )
            for level, keys in children[key].items()
        )
        neighbours = None
        if data.neighbours is not None:
            neighbours = tuple(
                link((niveau, voisin))
                for voisin in data.neighbours.get(key, [])
                if (niveau, voisin) in pages
            )
        navigations[key] = Navigation(
            root="../",
            parents=tuple(link(parent) for parent in parents[key]),
            children=groups,
            neighbours=neighbours,
            no_neighbours=NO_NEIGHBOURS,
        )
    return navigations


def _prepare_output(output: Path) -> None:
    """Create the output folder, or empty it when a previous site lives there; refuse a folder
    holding anything else, and say so when it cannot be written."""
    if output.exists() and not output.is_dir():
        raise SiteError(f"{output} is a file; give a folder for the site")
    if output.is_dir() and any(output.iterdir()):
        if not (output / MARKER).exists():
            raise SiteError(
                f"{output} is not empty and holds no site written by `observatory site`; "
                "give a new or empty folder"
            )
        for child in output.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    try:
        output.mkdir(parents=True, exist_ok=True)
        (output / MARKER).write_text("written by `observatory site`\n", encoding="utf-8")
    except OSError as exc:
        raise SiteError(f"{output}: the site cannot be written there ({exc.strerror})") from exc


@cache
def _index_template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("observatory.analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("site_index.html.j2")


def _index_data(data: SiteData) -> str:
    """territoires.js: every page (level, code, name, path) and the maps' indicator values."""
    levels = [
        {"niveau": n, "libelle": PLURIELS.get(n, f"Territoires « {n} »")} for n in data.niveaux
    ]
    indicators = [
        {"code": i.code, "libelle": i.label, "unite": i.unit} for i in INDICATEURS.values()
    ]
    rows = []
    for key, profile in data.profiles.items():
        territory = profile.territory
        rows.append(
            [
                territory.niveau,
                territory.code,
                territory.nom,
                page_path(*key),
                [_rounded(i.value(profile)) for i in INDICATEURS.values()],
            ]
        )
    payload = {
        "niveaux": levels,
        "indicateurs": indicators,
        "indicateur": data.indicateur,
        "territoires": rows,
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"window.TERRITOIRES = {text};\n"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _render_chunk(
    items: list[tuple[Profile, Navigation, str, MapData | None]],
    output: str,
    generated_at: dt.datetime,
) -> int:
    """Render and write pages (run in a worker process for large sites); returns bytes written."""
    written = 0
    for profile, navigation, path, map_data in items:
        html = render_html(profile, generated_at, map_data=map_data, site=navigation)
        target = Path(output) / path
        target.write_text(html, encoding="utf-8")
        written += len(html.encode())
    return written


MAX_WORKERS = 4
PAGES_PER_WORKER = 200
"""Below this many pages per worker a fork costs more than it saves (the sample's 14 pages are
rendered in a tenth of a second)."""


def default_workers(pages: int) -> int:
    """One worker per core this process may use (at most MAX_WORKERS, each with at least
    PAGES_PER_WORKER pages); 1 where processes cannot be forked (Windows, and macOS where
    forking a process with threads is unsafe)."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, MAX_WORKERS, pages // PAGES_PER_WORKER))


_FORKED_ITEMS: list = []
"""The pages a forked worker renders: set before the fork, read by the children, never pickled."""


def _render_share(share: int, workers: int, output: str, generated_at: dt.datetime) -> int:
    return _render_chunk(_FORKED_ITEMS[share::workers], output, generated_at)


def _render_forked(
    items: list[tuple[Profile, Navigation, str, MapData | None]],
    output: str,
    generated_at: dt.datetime,
    workers: int,
) -> None:
    """Render the pages in `workers` forks of this process, each every workers-th page. The
    children inherit the profiles and maps rather than receive them pickled (60 MB and more
    for France, and fresh interpreters importing scikit-learn and Jinja: that overhead ate
    the gain of a second core). `gc.freeze` first: without it the children's garbage
    collector walks every inherited object and copies the parent's memory page by page."""
    _FORKED_ITEMS[:] = items
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_render_share, share, workers, output, generated_at)
                for share in range(workers)
            ]
            for future in futures:
                future.result()
    finally:
        gc.unfreeze()
        _FORKED_ITEMS.clear()


def write_site(
    data: SiteData,
    output: Path,
    generated_at: dt.datetime | None = None,
    workers: int | None = None,
) -> SiteSummary:
    """Write the site into `output` (see the module docstring). The pages are rendered in
    `workers` processes (`default_workers` when None: every core for a large site). With the
    commune maps a page costs ~9 ms of CPU (France: ~30 s in one process), and two forked
    workers on 2 cores halve it (docs/benchmarks.md, static site)."""
    started = time.perf_counter()
    generated_at = generated_at or dt.datetime.now()
    _prepare_output(output)
    css, js = site_assets()
    (output / "site.css").write_text(css, encoding="utf-8")
    (output / "site.js").write_text(js, encoding="utf-8")
    (output / "territoires.js").write_text(_index_data(data), encoding="utf-8")
    maps_script = data.maps.script if data.maps else "window.CARTES = {};\n"
    (output / "cartes.js").write_text(maps_script, encoding="utf-8")
    for niveau in data.niveaux:
        (output / safe_name(niveau)).mkdir(exist_ok=True)
    navigations = _navigations(data)
    items = [
        (p, navigations[key], page_path(*key), data.maps_data.get(key))
        for key, p in data.profiles.items()
    ]
    workers = default_workers(len(items)) if workers is None else workers
    if workers > 1:
        _render_forked(items, str(output), generated_at, workers)
    else:
        _render_chunk(items, str(output), generated_at)
    lists = []
    for niveau in data.niveaux:
        links = [
            Link(_label(p.territory), page_path(*key))
            for key, p in data.profiles.items()
            if key[0] == niveau
        ]
        links.sort(key=lambda link: link.label.casefold())
        lists.append((PLURIELS.get(niveau, f"Territoires « {niveau} »"), links))
    sample = next(iter(data.profiles.values()), None)
    index = _index_template().render(
        lists=lists,
        indicators=list(INDICATEURS.values()),
        indicateur=data.indicateur,
        maps={k: Markup(v) for k, v in data.maps.drawn.items()} if data.maps else {},
        maps_note=data.maps.note if data.maps else "",
        maps_titles=site_maps.MAP_LEVELS,
        sample=sample is not None and sample.source_mode == "sample",
        generated=generated_at.strftime("%d/%m/%Y %H:%M"),
        total=len(items),
    )
    (output / "index.html").write_text(index.rstrip("\n") + "\n", encoding="utf-8")
    files = [p for p in output.rglob("*") if p.is_file() and p.name != MARKER]
    pages: dict[str, int] = defaultdict(int)
    for niveau, _code in data.profiles:
        pages[niveau] += 1
    return SiteSummary(
        output=output,
        pages=dict(pages),
        files=len(files),
        size_bytes=sum(p.stat().st_size for p in files),
        seconds_writing=time.perf_counter() - started,
        neighbours=data.neighbours is not None,
        maps=bool(data.maps and data.maps.drawn),
    )
