"""How official files spell place names: COG articles, INSEE's NCC, La Poste's upper case.

The same commune is "L'Abergement-Clémenciat" in the COG's LIBELLE, "ABERGEMENT CLEMENCIAT" in
its NCC and "L ABERGEMENT CLEMENCIAT" at La Poste; the pipeline joins sources on these
spellings, so the generators must reproduce each one exactly.
"""

from __future__ import annotations

import unicodedata

ARTICLES = {"0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'"}
"""The article the COG's TNCC (type de nom en clair) puts before a name in LIBELLE."""


def libelle(name: str, tncc: str) -> str:
    """The COG LIBELLE: the name with the article of its TNCC (none for an unknown TNCC)."""
    return ARTICLES.get(tncc, "") + name


def upper_ascii(name: str) -> str:
    """INSEE's NCC: upper case, no accents, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").replace("'", " ").upper().split())


def cog_names(name: str, tncc: str) -> tuple[str, str, str]:
    """(NCC, NCCENR, LIBELLE) of a name without its article, as every COG file writes them."""
    return upper_ascii(name), name, libelle(name, tncc)


def poste_name(name: str) -> str:
    """La Poste's spelling: upper case, no accents or hyphens, SAINT(E) abbreviated."""
    words = upper_ascii(name).split()
    short = {"SAINT": "ST", "SAINTE": "STE"}
    return " ".join(short.get(w, w) for w in words)
