"""Invented French-sounding place names, deterministic and unique within a département.

Why invented: a benchmark France must look like France to the parsers (articles, accents,
apostrophes, hyphens, `Saint-`, `-sur-`) without ever being taken for real communes.
"""

from __future__ import annotations

import numpy as np

_FIRST = (
    "Bel",
    "Mont",
    "Val",
    "Char",
    "Ver",
    "Lan",
    "Cour",
    "Mar",
    "Sau",
    "Ro",
    "Ber",
    "Fon",
    "Cha",
    "Vil",
    "Bour",
    "Bru",
    "Gra",
    "Pla",
    "Tré",
    "Mé",
    "Lé",
    "Ger",
    "Mas",
    "Sé",
    "Mor",
    "Cro",
    "Bré",
    "Dam",
    "Fré",
    "Lor",
    "Nan",
    "Pon",
    "Ris",
    "Sur",
    "Tor",
    "Vau",
    "Châ",
    "Gué",
)
_VOWEL_FIRST = ("Au", "É", "Es", "Or", "Ar", "Ai", "Am", "Om", "Ur", "Is", "Al", "En")
_MIDDLE = (
    "lan",
    "ver",
    "ri",
    "ma",
    "no",
    "sel",
    "ta",
    "ro",
    "mi",
    "lo",
    "ne",
    "ga",
    "be",
    "di",
    "sa",
    "vi",
    "lu",
    "pé",
    "re",
    "qui",
    "bo",
    "tu",
)
_LAST = (
    "ac",
    "ville",
    "court",
    "ay",
    "y",
    "ange",
    "ieu",
    "oux",
    "elle",
    "ard",
    "ès",
    "in",
    "on",
    "ière",
    "ols",
    "argues",
    "ecourt",
    "heim",
    "ignac",
    "ans",
    "et",
    "eux",
    "ignes",
    "ens",
)
_SUFFIX = (
    "-sur-{r}",
    "-en-{r}",
    "-le-Château",
    "-les-Bains",
    "-la-Forêt",
    "-sous-Bois",
    "-de-{r}",
    "-d'{v}",
    "-le-Vieux",
    "-l'Abbaye",
)
_RIVERS = ("Loinne", "Vézère", "Arve", "Sarre", "Dourbie", "Orgue", "Ancre", "Mérine", "Aube")


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _root(rng: np.random.Generator, vowel: bool) -> str:
    first = _pick(rng, _VOWEL_FIRST if vowel else _FIRST)
    middle = _pick(rng, _MIDDLE) if rng.random() < 0.5 else ""
    return f"{first}{middle}{_pick(rng, _LAST)}"


def commune_name(rng: np.random.Generator) -> tuple[str, str]:
    """(name without its article, TNCC): TNCC 0/1 no article, 2 Le, 3 La, 4 Les, 5 L'."""
    draw = rng.random()
    if draw < 0.10:
        name, tncc = _root(rng, False), "2"
    elif draw < 0.16:
        name, tncc = _root(rng, False), "3"
    elif draw < 0.20:
        name, tncc = _root(rng, False) + "s", "4"
    elif draw < 0.24:
        name, tncc = _root(rng, True), "5"
    elif draw < 0.32:
        name, tncc = _root(rng, True), "1"
    elif draw < 0.47:
        saint = "Sainte-" if rng.random() < 0.2 else "Saint-"
        name, tncc = saint + _root(rng, False), "0"
    else:
        name, tncc = _root(rng, False), "0"
    if rng.random() < 0.14:
        suffix = _pick(rng, _SUFFIX)
        name += suffix.format(r=_pick(rng, _RIVERS), v=_root(rng, True))
    return name, tncc


def unique_names(rng: np.random.Generator, count: int, taken: set[str]) -> list[tuple[str, str]]:
    """`count` names not in `taken` (updated), so two communes of a département never share one."""
    names = []
    while len(names) < count:
        name, tncc = commune_name(rng)
        if name not in taken:
            taken.add(name)
            names.append((name, tncc))
    return names
