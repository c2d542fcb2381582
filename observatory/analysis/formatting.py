"""Figures and sentences as a French reader expects them, shared by the terminal and the HTML.

One formatter and one wording of the caveats for both renderings, so a figure or a warning cannot
read differently in `observatory profile` and in `observatory report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from observatory.analysis.comparables import DiagnosticItem
from observatory.analysis.profile import Profile, SourceCredit


def french_number(value: float, decimals: int = 0) -> str:
    """`12 345,6`: how French readers expect numbers (narrow no-break space for thousands)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_value(value: float | None, unit: str) -> str:
    """One figure as a French reader expects it, or `n.d.` when the source has nothing.

    Memoised by (type, value, unit): a site of every territory formats the same references'
    figures (their département, France) thousands of times."""
    try:
        return _format_cached(type(value), value, unit)
    except TypeError:  # an unhashable value: formatted without the memo
        return _format_value(value, unit)


@lru_cache(maxsize=1 << 16)
def _format_cached(_kind: type, value: float | None, unit: str) -> str:
    return _format_value(value, unit)


def _format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n.d."
    if unit == "nombre":
        return french_number(value)
    if unit == "part":
        return french_number(100 * value, 1) + " %"
    if unit == "pct":
        return ("+" if value > 0 else "") + french_number(value, 1) + " %"
    if unit == "km":
        return french_number(value, 1) + " km"
    if unit == "densite":
        return french_number(value, 1)
    if unit == "apl":
        return french_number(value, 2)
    if unit == "pour_1000":  # facilities (0,66) or places (50,3) per 1,000 people
        return french_number(value, 2 if abs(value) < 10 else 1)
    if unit == "effectif":
        return french_number(value, 0 if float(value).is_integer() else 1)
    return str(value)


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


def services(count: int) -> str:
    return f"{count} service{'s' if count > 1 else ''}"


def sources_line(profile: Profile) -> str:
    """Which editions the figures come from: a diagnostic without its dates is unusable."""
    return (
        f"Sources : populations {profile.millesime_population or 'n.d.'}, BPE "
        f"{profile.millesime_bpe or 'n.d.'}, Annuaire santé {profile.millesime_sante or 'n.d.'}; "
        f"géographie COG {profile.cog_millesime or 'n.d.'}"
    )


CREDITS_TITLE = "Producteurs et licences des données"
NO_CREDITS = (
    "Sources non publiées dans ce fichier (édition antérieure à meta.sources) : voir le catalogue "
    "du projet (`observatory datasets`)."
)


def credits_intro(profile: Profile) -> str:
    """What the credits list is: the sources of every figure shown, and, for the bundled sample,
    that its files only imitate the producers' formats."""
    text = "Chiffres calculés par l'observatoire à partir des données suivantes"
    if profile.source_mode == "sample":
        text += " (ici leur échantillon synthétique : mêmes formats, communes inventées)"
    return text + " :"


def credit_line(credit: SourceCredit) -> str:
    """`Insee — Base permanente des équipements (2021, 2023) — Licence Ouverte / Etalab 2.0`."""
    return f"{credit.producer} — {credit.title} ({credit.millesimes}) — {credit.licence}"


def licence_texts(profile: Profile) -> list[tuple[str, str]]:
    """(licence, URL of its text) of every licence of the sources, once each."""
    return list(dict.fromkeys((c.licence, c.licence_url) for c in profile.sources if c.licence_url))


def ageing_notes(profile: Profile) -> list[str]:
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


POSITIONS = {
    "favorable": "parmi les plus favorables",
    "intermediaire": "dans la moyenne",
    "defavorable": "parmi les moins favorables",
}
"""How the report words a territory's quartile among its comparable territories."""


def benchmarked(profile: Profile) -> list[tuple[str, str, str]]:
    """(label, unit, benchmark key) of every indicator the report shows that the comparisons
    place among the comparable territories, in the page's order; the distances, one per
    service, get their comparables' median in the distances table instead (`access_median`)."""
    shown = [
        *((c.label, c.unit, f"population:{c.code}") for c in profile.population_indicators),
        *(
            (c.label, c.unit, f"services_densite:{c.note}:{c.code}")
            for c in profile.service_densities
        ),
        *((c.label, c.unit, f"sante_densite:{c.code}") for c in profile.health_densities),
        *((c.label, c.unit, f"sante_accessibilite:{c.code}") for c in profile.accessibility),
    ]
    return [item for item in shown if item[2] in profile.comparables.benchmarks]


def comparable_rows(profile: Profile) -> list[list[str]]:
    """The territory's value of each indicator beside its comparable territories' quartiles."""
    rows = []
    for label, unit, key in benchmarked(profile):
        b = profile.comparables.benchmarks[key]
        rows.append(
            [
                label,
                format_value(b.value, unit),
                format_value(b.first_quartile, unit),
                format_value(b.median, unit),
                format_value(b.third_quartile, unit),
                POSITIONS.get(b.position or "", "—"),
            ]
        )
    return rows


def diagnostic_rows(items: Sequence[DiagnosticItem], population: bool = True) -> list[list[str]]:
    """An indicator of the diagnostic: its label, the territory's value, the comparable
    territories' median and, with `population`, the population concerned (the ranking key of
    what is unsatisfactory; for what is satisfactory it would mostly read 0: nobody lacks it)."""
    return [
        [
            d.label,
            format_value(d.value, d.unit),
            format_value(d.median, d.unit),
            *([format_value(d.population, "nombre")] if population else []),
        ]
        for d in items
    ]


def needs_rows(profile: Profile) -> list[list[str]]:
    """Each service of a target population: who it serves and how many, the facilities per
    1,000 of them in the territory and each reference, places, distance, share beyond 20 km."""
    return [
        [
            n.label,
            n.target_label,
            format_value(n.populations[0] if n.populations else None, "nombre"),
            *(format_value(v, "pour_1000") for v in n.facilities_per_1000),
            format_value(n.places_per_1000[0] if n.places_per_1000 else None, "pour_1000"),
            format_value(n.distances[0] if n.distances else None, "km"),
            format_value(n.shares_beyond_20_km[0] if n.shares_beyond_20_km else None, "part"),
        ]
        for n in profile.needs
    ]


def access_median(profile: Profile, code_regroupement: str) -> str:
    """The comparable territories' median distance to a service, formatted (`""` without)."""
    benchmark = profile.comparables.benchmarks.get(f"services_distance:{code_regroupement}")
    return "" if benchmark is None else format_value(benchmark.median, "km")
