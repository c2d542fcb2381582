"""The territory profile as one self-contained HTML page with charts (`observatory report`).

It renders the same `Profile` as the terminal (cli/profile_text.py); nothing here queries the
warehouse. The page is for elected officials and local development agencies: French labels, the
territory against its département and France in every chart, a sentence under each chart saying
how to read it, and the method's caveats (straight-line distances, estimated ages) where the
figure is. It has no external resource (inline CSS, inline SVG, a few lines of inline script that
only record that the charts were laid out), so it opens offline, prints, and can be e-mailed.

The page is the Jinja2 template `templates/report.html.j2` (its style `report.css`, its script
`report.js`), shipped with the package so an agency can restyle its reports without touching
Python; autoescape is on, so a territory named `<script>` or `A & B` is shown, never run. This
module only prepares what the template lays out: the figures already formatted, the charts
already drawn (charts.py, which escapes its own labels).

Its length (over 400 lines) is one job: each key figure, chart and table of the page gets its
few lines here, next to the others, so the page's contents read in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup, escape

from observatory.analysis import charts, implantations_carte, map_classes, map_geometry, maps
from observatory.analysis.formatting import (
    CREDITS_TITLE,
    NO_AGES,
    NO_CREDITS,
    access_median,
    ageing_notes,
    comparable_rows,
    credits_intro,
    diagnostic_rows,
    format_value,
    licence_texts,
    needs_rows,
    ou_agir_tables,
    services,
    sources_line,
)
from observatory.analysis.map_data import CONTOURS_DATASET, MapData
from observatory.analysis.profile import (
    LIBELLES_GAMMES,
    TRANCHES_AGE,
    Comparison,
    Profile,
)
from observatory.analysis.territories import LIBELLES_NIVEAUX, Reference

COULEURS_REFERENCES = {
    "territoire": "#1b5e9e",
    "departement": "#e0892b",
    "region": "#e0892b",
    "france": "#8c939c",
}
COULEURS_TRANCHES = ("#2e8b57", "#8cc084", "#f2c14e", "#f08a4b", "#c8423b")
SOURCES_AGES = {
    "drees": "DREES (tous médecins en activité)",
    "ameli": "ameli (libéraux)",
}


@dataclass(frozen=True)
class CardLine:
    """`supérieur à Dép. 01 (12,3)` under a key figure; `tone` colours the word when the
    comparison is good (`meilleur`) or bad (`moins-bon`) news for the territory."""

    word: str
    tone: str | None
    reference: str
    value: str


@dataclass(frozen=True)
class Card:
    """A key figure: the territory's value, its label, and how it compares with each reference."""

    value: str
    label: str
    lines: tuple[CardLine, ...]


@dataclass(frozen=True)
class Link:
    """A link of a site page's navigation; `href` is empty for a territory without a page (its
    name is then shown as text: a site never links to a page it did not write)."""

    label: str
    href: str = ""


@dataclass(frozen=True)
class Navigation:
    """What turns a report into a page of the static site (site.py): the relative path to the
    site's root (`../`), where the shared `site.css` and `site.js` are, and the links to the
    index, the parents, the children (grouped by level) and the neighbours of the territory
    (`None` when the published edition has no neighbours table: `no_neighbours` says so)."""

    root: str
    parents: tuple[Link, ...] = ()
    children: tuple[tuple[str, tuple[Link, ...]], ...] = ()
    neighbours: tuple[Link, ...] | None = None
    no_neighbours: str = ""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("observatory.analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def table_html(
    headers: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1
) -> Markup:
    """`<table>` with a header row and one row per item, every cell escaped; the first
    `text_columns` columns are text (class `texte`: left-aligned), the others figures."""

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f'<{tag} class="texte">{escape(v)}</{tag}>'
            if i < text_columns
            else f"<{tag}>{escape(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return Markup(
        f"<table><thead><tr>{cells('th', headers)}</tr></thead><tbody>{body}</tbody></table>"
    )


def _fmt(unit: str) -> charts.Formatter:
    """A chart's value formatter: the same French formatting as the tables."""
    return lambda value: format_value(value, unit)


def _series(refs: Sequence[Reference]) -> list[tuple[str, str]]:
    """(name, colour) per reference: the same colour means the same place in every chart."""
    return [(r.long, COULEURS_REFERENCES[r.role]) for r in refs]


def _compare(
    value: float | None, reference: float | None, higher_is_better: bool
) -> tuple[str, str | None]:
    """(`supérieur à` / `inférieur à` / `égal à`, its tone): whether it is good news."""
    if value is None or reference is None or abs(value - reference) < 1e-9:
        return ("égal à" if value is not None and reference is not None else ""), None
    higher = value > reference
    good = higher == higher_is_better
    return ("supérieur à" if higher else "inférieur à"), ("meilleur" if good else "moins-bon")


def _card(
    label: str,
    comparison: Comparison | None,
    refs: Sequence[Reference],
    higher_is_better: bool | None,
) -> Card | None:
    """A key figure: the territory's value, then each reference (coloured when it is better or
    worse news; `higher_is_better=None` for a figure that is neither, like the population)."""
    if comparison is None or not comparison.values:
        return None
    lines = []
    if higher_is_better is not None:
        for ref, ref_value in zip(refs[1:], comparison.values[1:], strict=True):
            if ref_value is None:
                continue
            word, tone = _compare(comparison.values[0], ref_value, higher_is_better)
            lines.append(CardLine(word, tone, ref.court, format_value(ref_value, comparison.unit)))
    return Card(format_value(comparison.values[0], comparison.unit), label, tuple(lines))


def _by_code(items: Sequence[Comparison], code: str) -> Comparison | None:
    return next((c for c in items if c.code == code), None)


def _cards(profile: Profile) -> list[Card]:
    """The key figures at the top of the page, in their order."""
    refs = profile.references
    population = _by_code(profile.population_indicators, "population_municipale")
    variation = _by_code(profile.population_indicators, "variation_population")
    part_75 = _by_code(profile.population_indicators, "part_75_ans_et_plus")
    proximite = _by_code(profile.service_densities, "proximite")
    mg = _by_code(profile.health_densities, "medecin_generaliste")
    apl = _by_code(profile.accessibility, "apl_mg")
    mg_age = next((a for a in profile.ageing if a.profession == "medecin_generaliste"), None)
    cards = [
        _card(population.label if population else "", population, refs, None),
        _card(variation.label if variation else "", variation, refs, True),
        _card(part_75.label if part_75 else "", part_75, refs, False),
        _card("Équipements de proximité pour 10 000 hab.", proximite, refs, True),
        _card("Médecins généralistes pour 10 000 hab.", mg, refs, True),
        _card(
            "Médecins généralistes de 60 ans et plus"
            + (" (estimation)" if mg_age and mg_age.estimation else ""),
            Comparison("part_60", "", "part", mg_age.part_60_ans_et_plus) if mg_age else None,
            refs,
            False,
        ),
        _card("Accessibilité aux généralistes (consultations/an/hab.)", apl, refs, True),
    ]
    return [card for card in cards if card is not None]


def _rows(items: Sequence[Comparison]) -> list[list[str]]:
    """One table row per indicator: its label, then the territory and each reference."""
    return [[c.label, *(format_value(v, c.unit) for v in c.values)] for c in items]


def _densities(
    chart_id: str, label: str, items: Sequence[Comparison], series: list[tuple[str, str]]
) -> str:
    """Grouped bars of densities per 10,000 inhabitants: one group per indicator."""
    return charts.grouped_bars(
        chart_id,
        label,
        [c.label for c in items],
        series,
        [c.values for c in items],
        _fmt("densite"),
    )


def _charts(profile: Profile, series: list[tuple[str, str]]) -> dict[str, object]:
    """Every chart of the page, drawn (inline SVG, marked safe: charts.py escapes its labels)."""
    ter = profile.territory
    refs = profile.references
    drawn: dict[str, object] = {}
    if profile.population:
        drawn["population"] = charts.columns(
            "population",
            f"Population municipale de {ter.nom} par millésime",
            [p.millesime for p in profile.population],
            [float(p.population_municipale) for p in profile.population],
            COULEURS_REFERENCES["territoire"],
            _fmt("nombre"),
        )
    if profile.service_densities:
        drawn["services"] = _densities(
            "densites-services",
            "Équipements pour 10 000 habitants, par gamme et par domaine",
            profile.service_densities,
            series,
        )
    distances = []
    for gamme in dict.fromkeys(a.gamme for a in profile.access):
        chosen = [a for a in profile.access if a.gamme == gamme]
        label = LIBELLES_GAMMES.get(gamme, gamme)
        distances.append(
            (
                label,
                charts.bars_with_markers(
                    f"distances-{gamme}",
                    f"Distance au plus proche équipement, {label}",
                    [a.libelle for a in chosen],
                    series,
                    [a.distances for a in chosen],
                    _fmt("km"),
                ),
            )
        )
    drawn["distances"] = distances
    if profile.health_densities:
        drawn["sante"] = _densities(
            "densites-sante",
            "Professionnels de santé pour 10 000 habitants",
            profile.health_densities,
            series,
        )
    if profile.ageing:
        drawn["ages"] = charts.stacked_shares(
            "ages",
            "Structure par âge des praticiens",
            [a.label for a in profile.ageing],
            list(zip(TRANCHES_AGE, COULEURS_TRANCHES, strict=True)),
            [a.tranches for a in profile.ageing],
            [
                f"{SOURCES_AGES.get(a.source, a.source).split(' ')[0]} {a.annee}"
                for a in profile.ageing
            ],
        )
    editions = sorted({p.millesime for p in profile.density_evolution})
    evolution = []
    for gamme in dict.fromkeys(p.gamme for p in profile.density_evolution):
        by_year = {p.millesime: p.values for p in profile.density_evolution if p.gamme == gamme}
        values = [
            [by_year.get(m, (None,) * len(refs))[rang] for m in editions]
            for rang in range(len(refs))
        ]
        label = LIBELLES_GAMMES.get(gamme, gamme)
        evolution.append(
            (
                label,
                charts.lines(
                    f"evolution-{gamme}",
                    f"{label} : équipements pour 10 000 habitants par édition de la BPE",
                    editions,
                    series,
                    values,
                    _fmt("densite"),
                    breaks=[r.millesime for r in profile.series_breaks if r.general],
                ),
            )
        )
    drawn["evolution"] = evolution
    return drawn


def _tables(profile: Profile) -> dict[str, list[list[str]]]:
    """Every table's rows, figures formatted as in the terminal."""
    commune = profile.territory.niveau == "commune"
    comparables = profile.comparables.group is not None
    return {
        "population": _rows(profile.population_indicators),
        "distances": [
            [
                a.libelle,
                format_value(a.distances[0], "km"),
                "sur place"
                if a.distances[0] == 0
                else (a.libelle_commune_equipement or a.code_commune_equipement or ""),
            ]
            + ([access_median(profile, a.code_regroupement)] if comparables else [])
            if commune
            else [
                a.libelle,
                format_value(a.distances[0], "km"),
                format_value(a.distance_mediane_km, "km"),
                format_value(a.part_plus_10_km, "part"),
                format_value(a.part_plus_20_km, "part"),
            ]
            + ([access_median(profile, a.code_regroupement)] if comparables else [])
            for a in profile.access
        ],
        "effectifs": [
            [c.label, *(format_value(v, "effectif") for v in c.values)]
            for c in profile.health_headcounts
        ],
        "ages": [
            [
                a.label,
                f"{SOURCES_AGES.get(a.source, a.source)} {a.annee}"
                + (" — estimation" if a.estimation else ""),
                *(format_value(v, "part") for v in a.part_60_ans_et_plus),
                format_value(a.departs_5_ans_estimes, "effectif"),
            ]
            for a in profile.ageing
        ],
        "accessibilite": _rows(profile.accessibility),
        "comparables": comparable_rows(profile),
        "defavorables": diagnostic_rows(profile.comparables.unfavourable),
        "favorables": diagnostic_rows(profile.comparables.favourable, population=False),
        "besoins": needs_rows(profile),
        "changements": [
            [
                c.libelle + (" (série rompue)" if c.rupture_serie else ""),
                LIBELLES_GAMMES.get(c.gamme, c.gamme),
                f"{c.variation:+d}",
                str(c.nb_equipements),
            ]
            for c in profile.changes
        ],
        "sante": [
            [
                str(h.millesime),
                format_value(h.densite_mg, "densite"),
                format_value(h.densite_infirmiers, "densite"),
                format_value(h.apl_mg, "apl"),
            ]
            for h in profile.health_evolution
        ],
    }


def _licence(profile: Profile, producer: str) -> str:
    """The licence of the producer's data, as meta.sources names it."""
    return next((c.licence for c in profile.sources if c.producer == producer), "")


_LOCATOR_WORK: dict = {}
"""The locator maps' outlines of the contexts already drawn (maps.locator's `reuse`): a
département's communes are drawn on the page of each of its territories."""


def _maps(profile: Profile, data: MapData | None, shared: bool = False) -> dict[str, object]:
    """The locator map and one choropleth per indicator of `data` (drawn and escaped by
    maps.py), with each map's sentence on how to read it. The communes' outlines are projected
    once for all the maps; with `shared` (the site's pages) they are also written once in the
    page (`defs`) and each map refers to them."""
    if data is None:
        return {"locator": None, "maps": [], "defs": "", "candidats": ""}
    ter = profile.territory
    locator = None
    if data.locator is not None:
        locator = maps.locator(
            "carte-situation",
            data.locator.shapes,
            data.locator.outline,
            f"{ter.nom} dans {data.locator.context}",
            inside=data.locator.flags,
            context_label=f"{ter.nom} (en bleu) dans {data.locator.context}.",
            reuse=_LOCATOR_WORK if shared else None,
        )
    background = next((c for c in profile.sources if c.dataset_id == CONTOURS_DATASET), None)
    credit = f" ; fond : {background.title}, {background.licence}" if background else ""
    drawn = []
    with_outline = [c for c in data.communes if c.geometry is not None]
    paths = map_geometry.outlines([c.geometry for c in with_outline]) if with_outline else None
    use = "forme-" if shared and with_outline else None
    shapes = [maps.Shape(c.code, c.name, c.geometry) for c in with_outline]
    for indicator in data.indicators:
        if not shapes:
            continue
        values = [
            value
            for c, value in zip(data.communes, indicator.values, strict=True)
            if c.geometry is not None
        ]
        threshold = (
            map_classes.Threshold(
                indicator.threshold,
                f"sous-dense < {format_value(indicator.threshold, 'densite')}",
            )
            if indicator.threshold is not None
            else None
        )
        svg = maps.choropleth(
            f"carte-{indicator.code}",
            shapes,
            indicator.label,
            indicator.unit,
            scheme=indicator.scheme,
            palette=indicator.palette,
            threshold=threshold,
            source=indicator.source,
            licence=_licence(profile, indicator.producer) + credit,
            suffix=indicator.suffix,
            paths=paths,
            use=use,
            values=values,
        )
        drawn.append((indicator.label, Markup(svg), indicator.reading))
    candidates = (
        implantations_carte.candidates_map(
            "carte-ou-agir",
            [(c.code, c.name, c.geometry) for c in with_outline],
            profile.implantations.candidates,
            paths,
            f"Où agir ? Communes candidates de {ter.nom}",
            use,
            f"Source : Insee, BPE {profile.millesime_bpe or 'n.d.'} ; Agence du numérique en "
            f"santé, Annuaire santé {profile.millesime_sante or 'n.d.'} ; calcul de "
            f"l'observatoire — {_licence(profile, 'Insee')}{credit}",
        )
        if paths and profile.implantations.candidates
        else ""
    )
    defs = maps.outline_defs(use, paths[0]) if use and paths and (drawn or candidates) else ""
    return {
        "locator": Markup(locator) if locator else None,
        "maps": drawn,
        "defs": Markup(defs),
        "candidats": Markup(candidates),
    }


def render_html(
    profile: Profile,
    generated_at: dt.datetime | None = None,
    map_data: MapData | None = None,
    site: Navigation | None = None,
) -> str:
    """The profile as one HTML page with inline CSS, inline SVG charts and no external link;
    with `map_data` (map_data.load_map_data), its locator map and maps of its communes; with
    `site`, a page of the static site instead: the site's shared stylesheet and script linked
    (not inlined) and a navigation block to the other pages."""
    ter = profile.territory
    refs = profile.references
    series = _series(refs)
    niveau = LIBELLES_NIVEAUX.get(ter.niveau, ter.niveau)
    context = [f"{ter.nb_communes} commune{'s' if ter.nb_communes > 1 else ''}"]
    context += [r.long for r in refs[1:] if r.role in ("departement", "region")]
    drawn = _charts(profile, series)
    names = [ter.nom, *(r.court for r in refs[1:])]
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            profile=profile,
            ter=ter,
            niveau=niveau[:1].upper() + niveau[1:],
            context=" · ".join(context),
            names=names,
            effectif_headers=[f"effectif — {n}" for n in names],
            age_headers=[f"60 ans et plus — {n}" for n in names],
            pour_1000_headers=[f"pour 1 000 — {n}" for n in names],
            comparables_median=(
                ["médiane des comparables"] if profile.comparables.group is not None else []
            ),
            references=" et à ".join(r.long for r in refs[1:]),
            cards=_cards(profile),
            charts={k: _safe(v) for k, v in drawn.items()},
            editions=sorted({p.millesime for p in profile.density_evolution}),
            legend=Markup(charts.legend(series)),
            legend_dots=Markup(charts.legend(series, marker="dot")),
            legend_markers=Markup(
                charts.legend(
                    [(series[0][0], series[0][1])]
                    + [(f"{name} (repère)", color) for name, color in series[1:]]
                )
            ),
            legend_ages=Markup(
                charts.legend(list(zip(TRANCHES_AGE, COULEURS_TRANCHES, strict=True)))
            ),
            tables=_tables(profile),
            missing=[g for g in profile.gammes if g.manquants],
            ageing_notes=" ".join(ageing_notes(profile)),
            no_ages=NO_AGES,
            ruptures=" ".join(
                f"Rupture de série en {r.millesime} ({services(r.nb_services)}) : {r.motif}."
                for r in profile.series_breaks
            ),
            libelles_gammes=LIBELLES_GAMMES,
            sources=sources_line(profile),
            credits_title=CREDITS_TITLE,
            credits_intro=credits_intro(profile),
            no_credits=NO_CREDITS,
            licences=licence_texts(profile),
            web=("https://", "http://"),
            generated=(generated_at or dt.datetime.now()).strftime("%d/%m/%Y %H:%M"),
            format_value=format_value,
            site=site,
            table_html=table_html,
            cartes=_maps(profile, map_data, shared=site is not None),
            map_data=map_data,
            map_css=Markup(maps.MAP_CSS + implantations_carte.CSS),
            ou_agir=ou_agir_tables(profile),
        )
    )
    return page.rstrip("\n") + "\n"


def _safe(value: object) -> object:
    """Charts are SVG strings drawn (and escaped) by charts.py: mark them safe for Jinja."""
    if isinstance(value, list):
        return [(label, Markup(svg)) for label, svg in value]
    return Markup(value)


def site_assets() -> tuple[str, str]:
    """(site.css, site.js): the report's own style and script, shared by every page of the site,
    followed by the site's additions (its navigation, the index's search box and maps)."""
    folder = resources.files("observatory.analysis") / "templates"
    css = [(folder / name).read_text(encoding="utf-8") for name in ("report.css", "site.css")]
    css.insert(1, (maps.MAP_CSS + implantations_carte.CSS).strip("\n"))
    js = [(folder / name).read_text(encoding="utf-8") for name in ("report.js", "site.js")]
    return "\n".join(css), "\n".join(js)
