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


# --- "Où agir ?" (analysis/implantations.py) --------------------------------------------------

OU_AGIR_TITLE = "Où agir ?"
OU_AGIR_METHODE = (
    "Distances à vol d'oiseau entre mairies, sans capacité : un nouvel équipement sert tous ceux "
    "dont il devient le plus proche. Public rapproché : les personnes qui n'avaient pas le "
    "service à moins de 10 km (20 km) et l'auront. Services retenus : ceux dont la meilleure "
    "implantation unique rapproche à moins de 10 km la plus grande part de leur public (toute la "
    "population, ou le public visé : moins de 3 ans pour l'accueil du jeune enfant, 80 ans et "
    "plus pour l'hébergement des personnes âgées...), puis réduit le plus la distance moyenne."
)
OU_AGIR_MEDECINS = (
    "Un généraliste de plus (un équivalent temps plein, 5 400 consultations par an) dans la "
    "commune, chaque commune évaluée seule : l'accessibilité (APL) est recalculée avec lui ; "
    "classement par la réduction du déficit des communes sous le seuil de 2,5."
)


def _commune(name: str, code: str) -> str:
    return name if name == code else f"{name} ({code})"


def _avant_apres(avant: float | None, apres: float | None, unit: str) -> str:
    return f"{format_value(avant, unit)} → {format_value(apres, unit)}"


def ou_agir_absence(profile: Profile) -> str | None:
    """Why the section has no figures, or None when the marts cover the territory."""
    implantations = profile.implantations
    if not implantations.published:
        return (
            "Ce fichier publié ne contient pas les tables « où agir » "
            "(marts.implantations__*) : il a été écrit avant elles."
        )
    if not implantations.covered:
        return (
            "Les meilleurs sites ne sont calculés que pour les départements, les EPCI, les bassins "
            "de vie et les territoires personnalisés, pas pour une commune, une région ou la "
            "France : voir le profil de l'EPCI ou du département."
        )
    return None


def ou_agir_service_rows(profile: Profile) -> list[list[str]]:
    """The services the territory lacks most: the best single new site of each, its public,
    that public newly within 10 and 20 km, the mean distance before -> after."""
    return [
        [
            s.label,
            _commune(s.best.commune, s.best.code_commune),
            format_value(s.population_demande, "nombre"),
            "+" + format_value(s.best.nouvelle_10_km, "nombre"),
            "+" + format_value(s.best.nouvelle_20_km, "nombre"),
            _avant_apres(s.best.distance_avant_km, s.best.distance_apres_km, "km"),
        ]
        for s in profile.implantations.services
    ]


def ou_agir_sets(profile: Profile) -> list[str]:
    """A sentence per service whose best set of 2 or 3 new facilities adds much to one."""
    lines = []
    for s in profile.implantations.services:
        for k in (2, 3):
            if not s.worth(k):
                continue
            sites = s.sets[k]
            communes = ", ".join(_commune(x.commune, x.code_commune) for x in sites)
            distances = _avant_apres(sites[0].distance_avant_km, sites[-1].distance_apres_km, "km")
            nouvelle = format_value(sum(x.nouvelle_10_km for x in sites), "nombre")
            lines.append(
                f"{s.label} : avec {k} implantations ({communes}), distance moyenne "
                f"{distances}, +{nouvelle} personnes du public à moins de 10 km."
            )
    return lines


def ou_agir_medecin_rows(profile: Profile) -> list[list[str]]:
    """Each candidate commune for one more GP: population leaving the under-served band, the
    territory's APL and under-served share before -> after, the deficit reduction."""
    return [
        [
            str(g.rang),
            _commune(g.commune, g.code_commune),
            format_value(g.population_sortie, "nombre"),
            _avant_apres(g.apl_avant, g.apl_apres, "apl"),
            _avant_apres(g.part_sous_dense_avant, g.part_sous_dense_apres, "part"),
            format_value(g.reduction_deficit, "nombre"),
        ]
        for g in profile.implantations.medecins
    ]


def ou_agir_mutualisation_rows(profile: Profile) -> list[list[str]]:
    """Each candidate shared site: the services it would host, the inhabitants (communes)
    newly with the full gamme de proximité within 10 km, the share before -> after."""
    return [
        [
            str(m.rang),
            _commune(m.commune, m.code_commune),
            str(m.nb_services),
            f"+{format_value(m.population_gagnee, 'nombre')} ({m.nb_communes_gagnees} "
            f"commune{'s' if m.nb_communes_gagnees > 1 else ''})",
            _avant_apres(m.part_avant, m.part_apres, "part"),
        ]
        for m in profile.implantations.mutualisation
    ]


def ou_agir_chevauchement_rows(profile: Profile) -> list[list[str]]:
    """Facilities serving few inhabitants en propre beside another commune of the bassin de
    vie holding the service."""
    return [
        [
            o.label,
            _commune(o.commune, o.code_commune),
            format_value(o.population_exclusive, "nombre"),
            format_value(o.seuil, "nombre"),
            _commune(o.concurrente, o.code_concurrente),
            format_value(o.distance_km, "km"),
            format_value(o.population_exclusive_concurrente, "nombre"),
        ]
        for o in profile.implantations.chevauchements
    ]


def ou_agir_chevauchement_title(profile: Profile) -> str:
    """`Équipements en concurrence dans un bassin de vie (12, les 10 premiers)`."""
    imp = profile.implantations
    cut = len(imp.chevauchements) < imp.nb_chevauchements
    return (
        f"Équipements en concurrence dans un bassin de vie ({imp.nb_chevauchements}"
        + (f", les {len(imp.chevauchements)} moins fréquentés en propre" if cut else "")
        + ")"
    )


OU_AGIR_CHEVAUCHEMENTS = (
    "Commune dont les équipements du service ne sont les plus proches que pour peu d'habitants "
    "(moins que le seuil), à côté d'une autre commune du même bassin de vie qui a le service : "
    "une piste de mutualisation, pas un verdict (capacité, horaires et qualité ne sont pas connus)."
)


def ou_agir_tables(profile: Profile) -> dict[str, object]:
    """What the report's "Où agir ?" section lays out (templates/ou_agir.html.j2)."""
    return {
        "absence": ou_agir_absence(profile),
        "services": ou_agir_service_rows(profile),
        "ensembles": ou_agir_sets(profile),
        "medecins": ou_agir_medecin_rows(profile),
        "mutualisation": ou_agir_mutualisation_rows(profile),
        "chevauchements": ou_agir_chevauchement_rows(profile),
        "titre_chevauchements": ou_agir_chevauchement_title(profile),
        "methode": OU_AGIR_METHODE,
        "methode_medecins": OU_AGIR_MEDECINS,
        "methode_chevauchements": OU_AGIR_CHEVAUCHEMENTS,
    }
