"""Figures and sentences as a French reader expects them, shared by the terminal and the HTML.

One formatter and one wording of the caveats for both renderings, so a figure or a warning cannot
read differently in `observatory profile` and in `observatory report`.
"""

from __future__ import annotations

from functools import lru_cache

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
