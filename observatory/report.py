"""The territory profile as text (terminal) and as one self-contained HTML page with charts.

Both render the same `observatory.profile.Profile`; nothing here queries the warehouse. The page
is for elected officials and local development agencies: French labels, the territory against
its département and France in every chart, a sentence under each chart saying how to read it,
and the method's caveats (straight-line distances, estimated ages) where the figure is.
It has no external resource (inline CSS, inline SVG, a few lines of inline script that only
record that the charts were laid out), so it opens offline, prints, and can be e-mailed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from observatory import charts
from observatory.profile import (
    LIBELLES_GAMMES,
    LIBELLES_NIVEAUX,
    TRANCHES_AGE,
    Comparison,
    Profile,
    Reference,
    format_value,
    french_number,
)

COULEURS_REFERENCES = {
    "territoire": "#1b5e9e",
    "departement": "#e0892b",
    "region": "#e0892b",
    "france": "#8c939c",
}
COULEURS_TRANCHES = ("#2e8b57", "#8cc084", "#f2c14e", "#f08a4b", "#c8423b")
GAMMES_COURTES = {
    "proximite": "proximité",
    "intermediaire": "intermédiaire",
    "superieure": "supérieure",
    "sante": "santé",
}
NO_AGES = (
    "Pas de structure par âge pour ce territoire : aucun praticien recensé, ou les sources "
    "d'âge (ameli, DREES) ne sont pas chargées."
)
SOURCES_AGES = {
    "drees": "DREES (tous médecins en activité)",
    "ameli": "ameli (libéraux)",
}


def _fmt(unit: str) -> charts.Formatter:
    """A chart's value formatter: the same French formatting as the tables."""
    return lambda value: format_value(value, unit)


# --- terminal ------------------------------------------------------------------------------------


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 1,
    text: Sequence[int] = (),
) -> str:
    """Aligned columns: the first `left` columns and those in `text` left-aligned (labels),
    the others (figures) right-aligned."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left or i in text else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _comparison_rows(items: Sequence[Comparison]) -> list[list[str]]:
    """One text row per indicator: its label, then the territory and each reference."""
    return [[c.label, *(format_value(v, c.unit) for v in c.values)] for c in items]


def _heading(text: str) -> str:
    """An underlined section title: sections stay findable when the output is scrolled."""
    return f"\n{text}\n{'=' * len(text)}"


def render_text(profile: Profile) -> str:
    """The profile as plain text tables, readable in an 100-column terminal."""
    ter = profile.territory
    refs = profile.references
    names = ["territoire", *(r.court for r in refs[1:])]
    out: list[str] = [f"Diagnostic territorial : {ter.designation}"]
    context = [f"{ter.nb_communes} commune{'s' if ter.nb_communes > 1 else ''}"]
    context += [f"{r.long}" for r in refs[1:] if r.role in ("departement", "region")]
    out.append(" · ".join(context))
    out.append(_sources_line(profile))
    if profile.source_mode == "sample":
        out.append(
            "Attention : échantillon synthétique (communes inventées), pas des données réelles."
        )
    for niveau in profile.other_levels:
        out.append(
            f"Ce code désigne aussi un {LIBELLES_NIVEAUX.get(niveau, niveau)} : "
            f"observatory profile {ter.code} --niveau {niveau}"
        )

    out.append(_heading("Population"))
    out.append(_table(["indicateur", *names], _comparison_rows(profile.population_indicators)))
    if profile.population:
        out.append(
            "Par millésime : "
            + " · ".join(
                f"{p.millesime} {french_number(p.population_municipale)}"
                for p in profile.population
            )
        )

    out.append(
        _heading(f"Équipements pour 10 000 habitants (BPE {profile.millesime_bpe or 'n.d.'})")
    )
    out.append(_table(["gamme ou domaine", *names], _comparison_rows(profile.service_densities)))
    if profile.gammes:
        out.append(
            "\nServices de chaque gamme présents (dans la commune ; ailleurs, quelque part "
            "dans le territoire) :"
        )
        out.append(
            _table(
                ["gamme", "services", *names],
                [
                    [
                        g.label,
                        str(g.nb_regroupements),
                        *("n.d." if p is None else str(p) for p in g.presents),
                    ]
                    for g in profile.gammes
                ],
            )
        )
        out.append("\nPart de la population vivant dans une commune qui a toute la gamme :")
        out.append(
            _table(
                ["gamme", *names],
                [
                    [g.label, *(format_value(v, "part") for v in g.part_population_complete)]
                    for g in profile.gammes
                ],
            )
        )
        if any(g.manquants for g in profile.gammes):
            out.append(
                "\nServices manquants"
                + (
                    " :"
                    if ter.niveau == "commune"
                    else " (part de la population qui ne les a pas dans sa commune) :"
                )
            )
        for gam in profile.gammes:
            if gam.manquants:
                out.append(f"  {gam.label} : {gam.manquants}")

    out.append(
        _heading(
            f"Distance au service le plus proche (km à vol d'oiseau, BPE "
            f"{profile.millesime_bpe or 'n.d.'})"
        )
    )
    if ter.niveau == "commune":
        headers = ["service", "gamme", "distance", "commune la plus proche", *names[1:]]
        rows = [
            [
                a.libelle,
                GAMMES_COURTES.get(a.gamme, a.gamme),
                format_value(a.distances[0], "km"),
                "(sur place)"
                if a.distances[0] == 0
                else (a.libelle_commune_equipement or a.code_commune_equipement or ""),
                *(format_value(v, "km") for v in a.distances[1:]),
            ]
            for a in profile.access
        ]
        out.append(_table(headers, rows, left=2, text=[3]))
        out.append("Référence : moyenne pondérée par la population du département et de la France.")
    else:
        headers = [
            "service",
            "gamme",
            "moyenne",
            "médiane",
            "> 10 km",
            "> 20 km",
            *(f"moyenne {n}" for n in names[1:]),
        ]
        rows = [
            [
                a.libelle,
                GAMMES_COURTES.get(a.gamme, a.gamme),
                format_value(a.distances[0], "km"),
                format_value(a.distance_mediane_km, "km"),
                format_value(a.part_plus_10_km, "part"),
                format_value(a.part_plus_20_km, "part"),
                *(format_value(v, "km") for v in a.distances[1:]),
            ]
            for a in profile.access
        ]
        out.append(_table(headers, rows, left=2))
        out.append(
            "moyenne, médiane : pondérées par la population des communes ; > 10 km : part de la "
            "population à plus de 10 km."
        )

    out.append(
        _heading(f"Professionnels de santé (Annuaire santé {profile.millesime_sante or 'n.d.'})")
    )
    rows = [
        [
            density.label,
            format_value(count.values[0] if count.values else None, "effectif"),
            *(format_value(v, "densite") for v in density.values),
        ]
        for density, count in zip(profile.health_densities, profile.health_headcounts, strict=True)
    ]
    out.append("effectif du territoire, puis praticiens pour 10 000 habitants :")
    out.append(_table(["profession", "effectif", *names], rows))

    out.append(_heading("Âge des praticiens"))
    if not profile.ageing:
        out.append(NO_AGES)
    else:
        out.append("effectifs par tranche d'âge, puis part des 60 ans et plus :")
        rows = []
        for age in profile.ageing:
            rows.append(
                [
                    age.label,
                    f"{age.source} {age.annee}",
                    *(french_number(t, 1) for t in age.tranches),
                    *(format_value(v, "part") for v in age.part_60_ans_et_plus),
                    format_value(age.departs_5_ans_estimes, "effectif"),
                ]
            )
        out.append(
            _table(
                [
                    "profession",
                    "source",
                    "< 40",
                    "40-54",
                    "55-59",
                    "60-64",
                    "65 +",
                    *(f"60+ {n}" for n in names),
                    "départs 5 ans",
                ],
                rows,
                left=2,
            )
        )
        out.extend(_ageing_notes(profile))

    out.append(_heading(f"Accès aux médecins généralistes (APL {profile.millesime_apl or 'n.d.'})"))
    out.append(_table(["indicateur", *names], _comparison_rows(profile.accessibility)))
    out.append(
        "APL : consultations accessibles par an et par habitant standardisé (distances à vol "
        "d'oiseau ; voir docs/accessibilite_mg.md)."
    )

    out.append(_heading("Évolution d'une édition à l'autre"))
    editions = sorted({p.millesime for p in profile.density_evolution})
    rows = []
    for gamme in dict.fromkeys(p.gamme for p in profile.density_evolution):
        by_year = {p.millesime: p.values for p in profile.density_evolution if p.gamme == gamme}
        for rang, name in enumerate(names):
            rows.append(
                [
                    f"{LIBELLES_GAMMES.get(gamme, gamme)} — {name}",
                    *(
                        format_value(by_year.get(m, (None,) * len(names))[rang], "densite")
                        for m in editions
                    ),
                ]
            )
    out.append(_table(["équipements pour 10 000 hab.", *map(str, editions)], rows))
    for rupture in profile.series_breaks:
        out.append(
            f"Rupture de série en {rupture.millesime} ({_services(rupture.nb_services)}) : "
            f"{rupture.motif}"
        )
    if profile.changes:
        previous = profile.changes[0].millesime_precedent
        out.append(f"\nDepuis la BPE {previous} :")
        for change in profile.changes:
            flag = " (série rompue, comparaison fragile)" if change.rupture_serie else ""
            out.append(
                f"  {change.libelle} : {change.variation:+d} (désormais {change.nb_equipements})"
                f"{flag}"
            )
    elif editions:
        out.append(f"\nAucun service n'a gagné ou perdu d'équipement dans la BPE {editions[-1]}.")
    if len(profile.health_evolution) > 1:
        out.append("")
        out.append(
            _table(
                ["année", "généralistes /10 000", "infirmiers /10 000", "APL"],
                [
                    [
                        str(h.millesime),
                        format_value(h.densite_mg, "densite"),
                        format_value(h.densite_infirmiers, "densite"),
                        format_value(h.apl_mg, "apl"),
                    ]
                    for h in profile.health_evolution
                ],
            )
        )
    return "\n".join(out) + "\n"


def _services(count: int) -> str:
    return f"{count} service{'s' if count > 1 else ''}"


def _sources_line(profile: Profile) -> str:
    """Which editions the figures come from: a diagnostic without its dates is unusable."""
    return (
        f"Sources : populations {profile.millesime_population or 'n.d.'}, BPE "
        f"{profile.millesime_bpe or 'n.d.'}, Annuaire santé {profile.millesime_sante or 'n.d.'}; "
        f"géographie COG {profile.cog_millesime or 'n.d.'}"
    )


def _ageing_notes(profile: Profile) -> list[str]:
    """The caveats of the age figures, said where the figures are (estimates, assumptions)."""
    notes = []
    if any(a.estimation for a in profile.ageing):
        notes.append(
            "Estimation : les praticiens du territoire reçoivent la structure par âge de leur "
            "département (les sources ne publient l'âge que par département)."
        )
    if any(a.rang_tranches > 0 for a in profile.ageing) and len(profile.references) > 1:
        notes.append(f"Âges non publiés à ce niveau : tranches de {profile.references[1].long}.")
    notes.append(
        "Départs à 5 ans : tous les 65 ans et plus et 3/5 des 60-64 ans (arrêt supposé à 67 ans)."
    )
    return notes


# --- HTML ----------------------------------------------------------------------------------------

CSS = """
:root { --territoire: #1b5e9e; --reference: #e0892b; --france: #8c939c; --ink: #1f2933;
  --muted: #5f6b7a; --line: #d9dee5; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 "Marianne", "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 60px; }
header.titre { border-bottom: 4px solid var(--territoire); margin-bottom: 20px; }
h1 { font-size: 1.9rem; margin: 0 0 4px; }
h2 { font-size: 1.35rem; margin: 36px 0 8px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 20px 0 6px; }
.sous-titre { color: var(--muted); margin: 0 0 12px; }
.avertissement { background: #fff4e5; border-left: 4px solid var(--reference); padding: 8px 12px;
  margin: 12px 0; }
.cartes { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px;
  margin: 16px 0; }
.carte { background: var(--bg); border-radius: 8px; padding: 12px 14px; }
.carte .valeur { font-size: 1.6rem; font-weight: 700; color: var(--territoire); }
.carte .libelle { font-size: .9rem; color: var(--muted); }
.carte .comparaison { font-size: .85rem; margin-top: 4px; }
.lecture { color: var(--muted); font-size: .9rem; margin: 4px 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: .92rem; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right;
  vertical-align: top; }
th:first-child, td:first-child, td.texte, th.texte { text-align: left; }
td:not(.texte) { white-space: nowrap; }
thead th { background: var(--bg); font-weight: 600; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.legend { list-style: none; padding: 0; margin: 4px 0 8px; display: flex; flex-wrap: wrap;
  gap: 4px 18px; font-size: .9rem; }
.legend-square, .legend-dot { display: inline-block; width: 12px; height: 12px;
  margin-right: 6px; vertical-align: -1px; }
.legend-dot { border-radius: 50%; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 8px; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart .tick, svg.chart .value-label { fill: var(--muted); font-size: 11px; }
svg.chart .segment-label { fill: #fff; font-size: 11px; font-weight: 600; }
svg.chart .axis { stroke: #9aa5b1; }
svg.chart .grid { stroke: var(--line); }
svg.chart .rupture { stroke: #b3261e; stroke-dasharray: 4 3; }
details { margin: 4px 0 16px; } summary { cursor: pointer; color: var(--territoire); }
@media print { details > *:not(summary) { display: block; } }
.petits-multiples { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
  gap: 8px 20px; }
.petits-multiples figure { margin: 0; }
figcaption { font-weight: 600; font-size: .95rem; }
.meilleur { color: #1e7b3c; } .moins-bon { color: #b3261e; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line);
  color: var(--muted); font-size: .85rem; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; }
  section { break-inside: avoid-page; } }
"""

# Records, once the page is laid out, how many marks of each chart the browser drew
# (data-rendered) and any script error (data-erreur), without writing to the console when all
# is well: the headless-browser test reads both in the dumped DOM.
SCRIPT = """
window.onerror = function (message) {
  document.documentElement.setAttribute('data-erreur', String(message));
  console.error('rapport : ' + message);
  return false;
};
(function () {
  var charts = document.querySelectorAll('svg.chart');
  for (var i = 0; i < charts.length; i++) {
    var marks = charts[i].querySelectorAll('.mark');
    var drawn = 0;
    for (var j = 0; j < marks.length; j++) {
      var box = marks[j].getBBox();
      if (box.width > 0 || box.height > 0) { drawn++; }
    }
    charts[i].setAttribute('data-rendered', String(drawn));
  }
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
"""


def _series(refs: Sequence[Reference]) -> list[tuple[str, str]]:
    """(name, colour) per reference: the same colour means the same place in every chart."""
    return [(r.long, COULEURS_REFERENCES[r.role]) for r in refs]


def _html_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1
) -> str:
    head = "".join(
        f'<th class="texte">{escape(h)}</th>' if i < text_columns else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="texte">{escape(c)}</td>' if i < text_columns else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _compare(value: float | None, reference: float | None, higher_is_better: bool) -> str:
    """`plus élevé que` / `moins élevé que` with a colour saying whether it is good news."""
    if value is None or reference is None or abs(value - reference) < 1e-9:
        return "égal à" if value is not None and reference is not None else ""
    higher = value > reference
    good = higher == higher_is_better
    word = "supérieur à" if higher else "inférieur à"
    return f'<span class="{"meilleur" if good else "moins-bon"}">{word}</span>'


def _card(
    label: str,
    comparison: Comparison | None,
    refs: Sequence[Reference],
    higher_is_better: bool | None,
) -> str:
    """A key figure: the territory's value, then each reference (coloured when it is better or
    worse news; `higher_is_better=None` for a figure that is neither, like the population)."""
    if comparison is None or not comparison.values:
        return ""
    lines = []
    if higher_is_better is not None:
        for ref, ref_value in zip(refs[1:], comparison.values[1:], strict=True):
            if ref_value is None:
                continue
            word = _compare(comparison.values[0], ref_value, higher_is_better)
            lines.append(
                f"{word} {escape(ref.court)} ({escape(format_value(ref_value, comparison.unit))})"
            )
    return (
        '<div class="carte"><div class="valeur">'
        f"{escape(format_value(comparison.values[0], comparison.unit))}</div>"
        f'<div class="libelle">{escape(label)}</div>'
        + "".join(f'<div class="comparaison">{line}</div>' for line in lines)
        + "</div>"
    )


def _capital(text: str) -> str:
    """`EPCI`, `Bassin de vie`: capitalise the first letter only."""
    return text[:1].upper() + text[1:]


def _details(summary: str, content: str) -> str:
    """A long table folded under its chart: the chart says it at a glance, the table is there
    for who wants every figure (and prints unfolded)."""
    return f"<details><summary>{escape(summary)}</summary>{content}</details>"


def _by_code(items: Sequence[Comparison], code: str) -> Comparison | None:
    return next((c for c in items if c.code == code), None)


def render_html(profile: Profile, generated_at: dt.datetime | None = None) -> str:
    """The profile as one HTML page with inline CSS, inline SVG charts and no external link."""
    ter = profile.territory
    refs = profile.references
    series = _series(refs)
    names = [ter.nom, *(r.court for r in refs[1:])]
    generated = (generated_at or dt.datetime.now()).strftime("%d/%m/%Y %H:%M")
    parts: list[str] = []

    # -- title and key figures
    context = [f"{ter.nb_communes} commune{'s' if ter.nb_communes > 1 else ''}"]
    context += [r.long for r in refs[1:] if r.role in ("departement", "region")]
    parts.append(
        '<header class="titre">'
        f"<h1>Diagnostic territorial : {escape(ter.nom)}</h1>"
        f'<p class="sous-titre">{escape(_capital(LIBELLES_NIVEAUX.get(ter.niveau, ter.niveau)))}'
        f" {escape(ter.code)} · {escape(' · '.join(context))}</p></header>"
    )
    if profile.source_mode == "sample":
        parts.append(
            '<p class="avertissement"><strong>Données d\'exemple.</strong> Ce rapport est '
            "calculé sur l'échantillon synthétique fourni avec l'observatoire (communes "
            "inventées) : les chiffres ne décrivent aucun territoire réel.</p>"
        )
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
    parts.append('<section class="cartes">' + "".join(cards) + "</section>")
    parts.append(
        f'<p class="lecture">Chaque chiffre est comparé à '
        f"{escape(' et à '.join(r.long for r in refs[1:]))}"
        + (
            "; en vert quand la comparaison est favorable au territoire, en rouge sinon."
            if len(names) > 1
            else "."
        )
        + "</p>"
    )

    # -- population
    parts.append("<section><h2>Population</h2>")
    if profile.population:
        parts.append(
            charts.columns(
                "population",
                f"Population municipale de {ter.nom} par millésime",
                [p.millesime for p in profile.population],
                [float(p.population_municipale) for p in profile.population],
                COULEURS_REFERENCES["territoire"],
                _fmt("nombre"),
            )
        )
        parts.append(
            '<p class="lecture">Population municipale de chaque millésime des populations de '
            "référence (Insee), dans la géographie au 1er janvier "
            f"{escape(str(profile.cog_millesime or ''))}. L'axe ne part pas de zéro.</p>"
        )
    parts.append(
        _html_table(
            ["indicateur", *names],
            [
                [c.label, *(format_value(v, c.unit) for v in c.values)]
                for c in profile.population_indicators
            ],
        )
    )
    parts.append("</section>")

    # -- services
    parts.append(
        f"<section><h2>Équipements et services (BPE {profile.millesime_bpe or 'n.d.'})</h2>"
    )
    if profile.service_densities:
        parts.append(charts.legend(series))
        parts.append(
            charts.grouped_bars(
                "densites-services",
                "Équipements pour 10 000 habitants, par gamme et par domaine",
                [c.label for c in profile.service_densities],
                series,
                [c.values for c in profile.service_densities],
                _fmt("densite"),
            )
        )
        parts.append(
            '<p class="lecture">Nombre d\'équipements pour 10 000 habitants (Base permanente '
            "des équipements de l'Insee). Les gammes regroupent les services que l'on trouve "
            "ensemble : la gamme de proximité rassemble les plus courants (boulangerie, école, "
            "médecin, poste...).</p>"
        )
    if profile.gammes:
        parts.append("<h3>Couverture des gammes</h3>")
        group = "".join(f"<th>{escape(n)}</th>" for n in names)
        rows = "".join(
            f'<tr><td class="texte">{escape(g.label)}</td>'
            + "".join(
                f"<td>{'n.d.' if p is None else f'{p} sur {g.nb_regroupements}'}</td>"
                for p in g.presents
            )
            + "".join(
                f"<td>{escape(format_value(v, 'part'))}</td>" for v in g.part_population_complete
            )
            + "</tr>"
            for g in profile.gammes
        )
        parts.append(
            f'<table><thead><tr><th class="texte" rowspan="2">gamme</th>'
            f'<th colspan="{len(names)}">services présents</th>'
            f'<th colspan="{len(names)}">population vivant dans une commune qui a toute la '
            f"gamme</th></tr><tr>{group}{group}</tr></thead><tbody>{rows}</tbody></table>"
        )
        parts.append(
            '<p class="lecture">Services présents : dans la commune, ou quelque part dans le '
            "territoire. La seconde partie dit quelle part des habitants trouve tous les services "
            "de la gamme dans sa propre commune.</p>"
        )
        missing = [g for g in profile.gammes if g.manquants]
        if missing:
            title = (
                "Services manquants dans la commune"
                if ter.niveau == "commune"
                else "Services manquant au plus grand nombre d'habitants (part de la population "
                "qui n'en a pas dans sa commune)"
            )
            parts.append(f"<h3>{escape(title)}</h3><ul>")
            parts.extend(
                f"<li><strong>{escape(g.label)}</strong> : {escape(g.manquants or '')}</li>"
                for g in missing
            )
            parts.append("</ul>")
    parts.append("</section>")

    # -- distances
    parts.append(
        "<section><h2>Distance au service le plus proche</h2>"
        + charts.legend(
            [(series[0][0], series[0][1])]
            + [(f"{name} (repère)", color) for name, color in series[1:]]
        )
    )
    for gamme in dict.fromkeys(a.gamme for a in profile.access):
        services = [a for a in profile.access if a.gamme == gamme]
        parts.append(f"<h3>{escape(LIBELLES_GAMMES.get(gamme, gamme))}</h3>")
        parts.append(
            charts.bars_with_markers(
                f"distances-{gamme}",
                f"Distance au plus proche équipement, {LIBELLES_GAMMES.get(gamme, gamme)}",
                [a.libelle for a in services],
                series,
                [a.distances for a in services],
                _fmt("km"),
            )
        )
    if ter.niveau == "commune":
        parts.append(
            "<p class=\"lecture\">Distance à vol d'oiseau entre la mairie et l'équipement le plus "
            "proche (0 quand la commune en a un) ; les repères sont les moyennes du département "
            "et de la France pondérées par la population. La route est plus longue.</p>"
        )
        rows = [
            [
                a.libelle,
                format_value(a.distances[0], "km"),
                "sur place"
                if a.distances[0] == 0
                else (a.libelle_commune_equipement or a.code_commune_equipement or ""),
            ]
            for a in profile.access
        ]
        parts.append(
            _details(
                "Tableau détaillé des distances",
                _html_table(["service", "distance", "commune la plus proche"], rows),
            )
        )
    else:
        parts.append(
            '<p class="lecture">Distance moyenne à vol d\'oiseau, pondérée par la population, '
            "entre la mairie de chaque commune et l'équipement le plus proche (0 quand la "
            "commune en a un). La route est plus longue.</p>"
        )
        rows = [
            [
                a.libelle,
                format_value(a.distances[0], "km"),
                format_value(a.distance_mediane_km, "km"),
                format_value(a.part_plus_10_km, "part"),
                format_value(a.part_plus_20_km, "part"),
            ]
            for a in profile.access
        ]
        parts.append(
            _details(
                "Tableau détaillé des distances",
                _html_table(
                    [
                        "service",
                        "distance moyenne",
                        "distance médiane",
                        "population à plus de 10 km",
                        "à plus de 20 km",
                    ],
                    rows,
                ),
            )
        )
    parts.append("</section>")

    # -- health
    parts.append(
        f"<section><h2>Professionnels de santé (Annuaire santé "
        f"{profile.millesime_sante or 'n.d.'})</h2>"
    )
    if profile.health_densities:
        parts.append(charts.legend(series))
        parts.append(
            charts.grouped_bars(
                "densites-sante",
                "Professionnels de santé pour 10 000 habitants",
                [c.label for c in profile.health_densities],
                series,
                [c.values for c in profile.health_densities],
                _fmt("densite"),
            )
        )
        parts.append(
            '<p class="lecture">Praticiens (personnes) pour 10 000 habitants ; une personne '
            "exerçant dans plusieurs communes compte pour une fraction dans chacune.</p>"
        )
        parts.append(
            _html_table(
                ["profession", *(f"effectif — {n}" for n in names)],
                [
                    [c.label, *(format_value(v, "effectif") for v in c.values)]
                    for c in profile.health_headcounts
                ],
            )
        )
    if not profile.ageing:
        parts.append(f"<h3>Âge des praticiens</h3><p>{escape(NO_AGES)}</p>")
    else:
        parts.append("<h3>Âge des praticiens</h3>")
        parts.append(charts.legend(list(zip(TRANCHES_AGE, COULEURS_TRANCHES, strict=True))))
        parts.append(
            charts.stacked_shares(
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
        )
        notes = _ageing_notes(profile)
        parts.append(
            "<p class=\"lecture\">Répartition par tranche d'âge des praticiens d'âge connu "
            "(DREES : tous les médecins en activité ; ameli : libéraux). "
            + escape(" ".join(notes))
            + "</p>"
        )
        parts.append(
            _html_table(
                [
                    "profession",
                    "source",
                    *(f"60 ans et plus — {n}" for n in names),
                    "départs estimés d'ici 5 ans",
                ],
                [
                    [
                        a.label,
                        f"{SOURCES_AGES.get(a.source, a.source)} {a.annee}"
                        + (" — estimation" if a.estimation else ""),
                        *(format_value(v, "part") for v in a.part_60_ans_et_plus),
                        format_value(a.departs_5_ans_estimes, "effectif"),
                    ]
                    for a in profile.ageing
                ],
                text_columns=2,
            )
        )
    if profile.accessibility:
        parts.append(
            f"<h3>Accessibilité aux médecins généralistes (APL {profile.millesime_apl})</h3>"
        )
        parts.append(
            _html_table(
                ["indicateur", *names],
                [
                    [c.label, *(format_value(v, c.unit) for v in c.values)]
                    for c in profile.accessibility
                ],
            )
        )
        parts.append(
            '<p class="lecture">Accessibilité potentielle localisée : consultations de médecine '
            "générale accessibles par an et par habitant (population standardisée selon l'âge), "
            "dans l'esprit de l'indicateur de la DREES mais avec des distances à vol d'oiseau. "
            "Une commune est dite sous-dotée sous 2,5 consultations.</p>"
        )
    parts.append("</section>")

    # -- evolution
    parts.append("<section><h2>Évolution d'une édition à l'autre</h2>")
    editions = sorted({p.millesime for p in profile.density_evolution})
    if editions:
        parts.append(charts.legend(series, marker="dot"))
        parts.append('<div class="petits-multiples">')
        for gamme in dict.fromkeys(p.gamme for p in profile.density_evolution):
            by_year = {p.millesime: p.values for p in profile.density_evolution if p.gamme == gamme}
            values = [
                [by_year.get(m, (None,) * len(refs))[rang] for m in editions]
                for rang in range(len(refs))
            ]
            label = LIBELLES_GAMMES.get(gamme, gamme)
            parts.append(
                f"<figure><figcaption>{escape(label)}</figcaption>"
                + charts.lines(
                    f"evolution-{gamme}",
                    f"{label} : équipements pour 10 000 habitants par édition de la BPE",
                    editions,
                    series,
                    values,
                    _fmt("densite"),
                    breaks=[r.millesime for r in profile.series_breaks if r.general],
                )
                + "</figure>"
            )
        parts.append("</div>")
        parts.append(
            '<p class="lecture">Équipements pour 10 000 habitants à chaque édition de la BPE. '
            + escape(
                " ".join(
                    f"Rupture de série en {r.millesime} ({_services(r.nb_services)}) : {r.motif}."
                    for r in profile.series_breaks
                )
            )
            + "</p>"
        )
    if profile.changes:
        previous = profile.changes[0].millesime_precedent
        parts.append(f"<h3>Ce qui a changé depuis la BPE {previous}</h3>")
        parts.append(
            _html_table(
                ["service", "gamme", "variation", "équipements aujourd'hui"],
                [
                    [
                        c.libelle + (" (série rompue)" if c.rupture_serie else ""),
                        LIBELLES_GAMMES.get(c.gamme, c.gamme),
                        f"{c.variation:+d}",
                        str(c.nb_equipements),
                    ]
                    for c in profile.changes
                ],
                text_columns=2,
            )
        )
    elif editions:
        parts.append(
            f"<p>Aucun service n'a gagné ou perdu d'équipement dans la BPE {editions[-1]}.</p>"
        )
    if len(profile.health_evolution) > 1:
        parts.append("<h3>Santé</h3>")
        parts.append(
            _html_table(
                ["année", "généralistes pour 10 000 hab.", "infirmiers pour 10 000 hab.", "APL"],
                [
                    [
                        str(h.millesime),
                        format_value(h.densite_mg, "densite"),
                        format_value(h.densite_infirmiers, "densite"),
                        format_value(h.apl_mg, "apl"),
                    ]
                    for h in profile.health_evolution
                ],
            )
        )
    parts.append("</section>")

    parts.append(
        "<footer><p>"
        + escape(_sources_line(profile))
        + ". Distances à vol d'oiseau entre mairies. Âges des praticiens des EPCI, bassins de "
        "vie et territoires personnalisés estimés à partir de leur département.</p>"
        f"<p>Rapport produit par l'observatoire des services partagés le {escape(generated)}, "
        "à partir de l'entrepôt publié ; les tables et la méthode sont décrites dans le README "
        "du projet.</p></footer>"
    )

    title = f"Diagnostic territorial : {ter.designation}"
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main><script>{SCRIPT}</script></body></html>\n"
    )
