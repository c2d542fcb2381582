"""`observatory profile`: the diagnostic of one territory as plain text tables.

It renders the same `observatory.analysis.profile.Profile` as the HTML report, with the same
formatting and caveats (analysis.formatting), through the command line's one table printer:
labels left-aligned, figures right-aligned, readable in a 100-column terminal.

One job at 418 lines: every section of the report, in the report's order, as text. The section
helpers (diagnostic, needs, "Où agir ?") already stand apart; splitting the rest by section would
scatter one page's layout over modules that each import the same table helpers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from observatory.analysis.formatting import (
    CREDITS_TITLE,
    GAMMES_COURTES,
    NO_AGES,
    NO_CREDITS,
    OU_AGIR_CHEVAUCHEMENTS,
    OU_AGIR_MEDECINS,
    OU_AGIR_METHODE,
    OU_AGIR_TITLE,
    ageing_notes,
    credit_line,
    credits_intro,
    diagnostic_rows,
    format_value,
    french_number,
    licence_texts,
    needs_rows,
    ou_agir_absence,
    ou_agir_chevauchement_rows,
    ou_agir_chevauchement_title,
    ou_agir_medecin_rows,
    ou_agir_mutualisation_rows,
    ou_agir_service_rows,
    ou_agir_sets,
    services,
    sources_line,
)
from observatory.analysis.profile import LIBELLES_GAMMES, Comparison, Profile
from observatory.analysis.territories import LIBELLES_NIVEAUX
from observatory.cli.tables import format_table


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 1,
    text: Sequence[int] = (),
) -> str:
    """The first `left` columns and those in `text` left-aligned (labels), the others (figures)
    right-aligned."""
    right = [i for i in range(len(headers)) if i >= left and i not in text]
    return format_table(headers, rows, right=right)


def _comparison_rows(items: Sequence[Comparison]) -> list[list[str]]:
    """One text row per indicator: its label, then the territory and each reference."""
    return [[c.label, *(format_value(v, c.unit) for v in c.values)] for c in items]


def _heading(text: str) -> str:
    """An underlined section title: sections stay findable when the output is scrolled."""
    return f"\n{text}\n{'=' * len(text)}"


def _diagnostic(profile: Profile) -> list[str]:
    """What is satisfactory and what is not, against territories like this one: it opens the
    profile (the worst quartile first, ranked by the population concerned)."""
    out = [_heading("Ce qui est satisfaisant, ce qui ne l'est pas")]
    comparables = profile.comparables
    if comparables.group is None:
        out.append("Pas de territoires comparables dans le fichier publié.")
        return out
    group = comparables.group
    out.append(f"Territoires comparables : {group.label} ({group.size} territoire(s)).")
    headers = ["indicateur", "territoire", "médiane comparables", "population concernée"]
    for title, items, population in (
        (
            "Insatisfaisant (quart le moins favorable des comparables)",
            comparables.unfavourable,
            True,
        ),
        ("Satisfaisant (quart le plus favorable des comparables)", comparables.favourable, False),
    ):
        if items:
            out.append(f"\n{title} :")
            shown = headers if population else headers[:-1]
            out.append(_table(shown, diagnostic_rows(items, population)))
    if not comparables.unfavourable and not comparables.favourable:
        out.append(
            "Aucun indicateur dans le quart le plus ou le moins favorable"
            + (" (moins de quatre territoires comparables)." if group.size < 4 else ".")
        )
    return out


def _needs(profile: Profile, names: Sequence[str]) -> list[str]:
    """Services against their target populations (taux d'équipement), when published."""
    if not profile.needs:
        return []
    first = profile.needs[0]
    out = [
        _heading(
            f"Besoins des publics visés (BPE {first.millesime}, "
            f"recensement {first.millesime_recensement or 'n.d.'})"
        )
    ]
    headers = ["service", "public", "effectif", *(f"/1000 {n}" for n in names)]
    headers += ["places/1000", "distance", "> 20 km"]
    rows = [
        [row[0], f"{need.population_cible} ans", *row[2:]]
        for need, row in zip(profile.needs, needs_rows(profile), strict=True)
    ]
    out.append(_table(headers, rows, left=2))
    out.append(
        textwrap.fill(
            "Pour 1 000 personnes du public visé ; places : capacité que la BPE renseigne ; "
            "distance du public à l'équipement le plus proche (à vol d'oiseau).",
            100,
        )
    )
    return out


def _ou_agir(profile: Profile) -> list[str]:
    """Where to act: the best sites for the services lacking most, a GP, a shared site, and the
    facilities competing in a bassin de vie (implantations.py)."""
    out = [_heading(OU_AGIR_TITLE)]
    absence = ou_agir_absence(profile)
    if absence:
        return [*out, textwrap.fill(absence, 100)]
    imp = profile.implantations
    out.append(f"\nUn équipement de plus (BPE {imp.millesime_bpe or 'n.d.'}) :")
    if imp.services:
        headers = ["service", "commune", "public", "+ < 10 km", "+ < 20 km", "distance moyenne"]
        out.append(_table(headers, ou_agir_service_rows(profile), left=2))
        out.extend(
            textwrap.fill(line, 100, initial_indent="- ", subsequent_indent="  ")
            for line in ou_agir_sets(profile)
        )
    else:
        out.append("Aucun service à rapprocher : un équipement de plus ne gagnerait rien.")
    out.append(textwrap.fill(OU_AGIR_METHODE, 100))
    out.append(
        f"\nUn médecin généraliste de plus (Annuaire santé {imp.millesime_sante or 'n.d.'}) :"
    )
    if imp.medecins:
        headers = ["rang", "commune", "hab. sortis", "APL", "part sous-dotée", "déficit"]
        out.append(_table(headers, ou_agir_medecin_rows(profile), left=2))
    else:
        out.append("Aucune commune candidate.")
    out.append(textwrap.fill(OU_AGIR_MEDECINS, 100))
    out.append("\nUne maison de services (gamme de proximité complète à moins de 10 km) :")
    if imp.mutualisation:
        headers = ["rang", "commune", "services", "habitants gagnés", "part avec la gamme"]
        out.append(_table(headers, ou_agir_mutualisation_rows(profile), left=2))
        for site in imp.mutualisation:
            out.append(textwrap.fill(f"{site.commune} accueillerait : {site.services}.", 100))
    else:
        out.append("Tous les habitants ont déjà la gamme de proximité complète à moins de 10 km.")
    if imp.chevauchements:
        out.append(f"\n{ou_agir_chevauchement_title(profile)} :")
        headers = ["service", "commune", "hab. en propre", "seuil", "voisine", "distance", "hab."]
        out.append(_table(headers, ou_agir_chevauchement_rows(profile), left=2, text=[4]))
        out.append(textwrap.fill(OU_AGIR_CHEVAUCHEMENTS, 100))
    return out


def render_text(profile: Profile) -> str:
    """The profile as plain text tables, readable in an 100-column terminal."""
    ter = profile.territory
    refs = profile.references
    names = ["territoire", *(r.court for r in refs[1:])]
    out: list[str] = [f"Diagnostic territorial : {ter.designation}"]
    context = [f"{ter.nb_communes} commune{'s' if ter.nb_communes > 1 else ''}"]
    context += [f"{r.long}" for r in refs[1:] if r.role in ("departement", "region")]
    out.append(" · ".join(context))
    out.append(sources_line(profile))
    if profile.source_mode == "sample":
        out.append(
            "Attention : échantillon synthétique (communes inventées), pas des données réelles."
        )
    for niveau in profile.other_levels:
        out.append(
            f"Ce code désigne aussi un {LIBELLES_NIVEAUX.get(niveau, niveau)} : "
            f"observatory profile {ter.code} --niveau {niveau}"
        )

    out.extend(_diagnostic(profile))
    out.extend(_ou_agir(profile))

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

    out.extend(_needs(profile, names))
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
        out.extend(ageing_notes(profile))

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
            f"Rupture de série en {rupture.millesime} ({services(rupture.nb_services)}) : "
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
    out.extend(_credits(profile))
    return "\n".join(out) + "\n"


def _credits(profile: Profile) -> list[str]:
    """The producers and licences of the figures, last: what the licences ask a reuse to say."""
    if not profile.sources:
        return [_heading(CREDITS_TITLE), NO_CREDITS]
    lines = [_heading(CREDITS_TITLE), textwrap.fill(credits_intro(profile), width=100)]
    lines += [
        textwrap.fill(credit_line(c), width=100, initial_indent="- ", subsequent_indent="  ")
        for c in profile.sources
    ]
    lines += [f"{licence} : {url}" for licence, url in licence_texts(profile)]
    return lines
