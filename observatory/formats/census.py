"""The census IRIS file `base-ic-evol-struct-pop-YYYY`: its header and its dictionary.

INSEE ships the 76-column IRIS file (formats.md §3.1) with a `meta_` dictionary, one row per
variable, in the same zip; the pipeline reads both. The column names carry the census year
(P21_POP, C21_POP15P), and each generator writes the same header and dictionary around its own
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from observatory.formats.delimited import Cell, csv_bytes

BANDS = ("0014", "1529", "3044", "4559", "6074", "75P")
"""The six age bands of the census file, each with a male and a female column."""


def census_header(millesime: int) -> list[str]:
    """The 76 columns of formats.md §3.1, prefixed with the census year (P21_, C21_...)."""
    p, c = f"P{millesime % 100:02d}_", f"C{millesime % 100:02d}_"
    fine = ("0002", "0305", "0610", "1117", "1824", "2539", "4054", "5564", "6579", "80P")
    broad = ("0019", "2064", "65P")
    header = ["IRIS", "COM", "TYP_IRIS", "LAB_IRIS", f"{p}POP"]
    header += [f"{p}POP{a}" for a in (*fine, *BANDS, *broad)]
    for sex in ("H", "F"):
        header += [f"{p}POP{sex}"] + [f"{p}{sex}{a}" for a in (*BANDS, *broad)]
    for who in ("POP", "H", "F"):
        header += [f"{c}{who}15P"] + [f"{c}{who}15P_CS{k}" for k in range(1, 9)]
    header += [f"{p}POP_FR", f"{p}POP_ETR", f"{p}POP_IMM", f"{p}PMEN", f"{p}PHORMEN"]
    return header


def decimal(value: float) -> str:
    """INSEE's writing of a weighted count: 15 significant digits, `806` when integral."""
    text = f"{value:.15g}"
    return "0" if text == "-0" else text


_AGE_LABELS = {
    "0002": "de 0 à 2 ans",
    "0305": "de 3 à 5 ans",
    "0610": "de 6 à 10 ans",
    "1117": "de 11 à 17 ans",
    "1824": "de 18 à 24 ans",
    "2539": "de 25 à 39 ans",
    "4054": "de 40 à 54 ans",
    "5564": "de 55 à 64 ans",
    "6579": "de 65 à 79 ans",
    "80P": "de 80 ans ou plus",
    "0014": "de 0 à 14 ans",
    "1529": "de 15 à 29 ans",
    "3044": "de 30 à 44 ans",
    "4559": "de 45 à 59 ans",
    "6074": "de 60 à 74 ans",
    "75P": "de 75 ans ou plus",
    "0019": "de 0 à 19 ans",
    "2064": "de 20 à 64 ans",
    "65P": "de 65 ans ou plus",
}
_CS_LABELS = (
    "Agriculteurs exploitants",
    "Artisans, Commerçants, Chefs entreprise",
    "Cadres, Professions intellectuelles supérieures",
    "Professions intermédiaires",
    "Employés",
    "Ouvriers",
    "Retraités",
    "Autres sans activité professionnelle",
)


def _census_label(code: str) -> str:
    """A French label for one column of the census file (dictionary wording, abridged)."""
    fixed = {
        "IRIS": "Code IRIS",
        "COM": "Code du département suivi du numéro de commune ou d'arrondissement municipal",
        "TYP_IRIS": "Type d'IRIS",
        "LAB_IRIS": "Label de qualité de l'IRIS",
    }
    if code in fixed:
        return fixed[code]
    prefix, name = code.split("_", 1)
    year = f"20{prefix[1:]}"
    source = "princ" if prefix[0] == "P" else "compl"
    if name == "POP":
        return f"Population en {year} ({source})"
    if name in ("POPH", "POPF"):
        return f"Pop {'Hommes' if name == 'POPH' else 'Femmes'} en {year} ({source})"
    if name in ("POP_FR", "POP_ETR", "POP_IMM"):
        what = {"POP_FR": "Français", "POP_ETR": "Étrangers", "POP_IMM": "Immigrés"}[name]
        return f"Pop {what} en {year} ({source})"
    if name == "PMEN":
        return f"Pop ménages en {year} ({source})"
    if name == "PHORMEN":
        return f"Pop hors ménages en {year} ({source})"
    if "15P" in name:
        who = {"POP": "Pop", "H": "Hommes", "F": "Femmes"}[name.split("15P")[0]]
        if "_CS" in name:
            return f"{who} 15 ans ou plus {_CS_LABELS[int(name[-1]) - 1]} en {year} ({source})"
        return f"{who} 15 ans ou plus en {year} ({source})"
    who = {"POP": "Pop", "H": "Hommes", "F": "Femmes"}[name[:3] if name[:3] == "POP" else name[0]]
    ages = name[3:] if name.startswith("POP") else name[1:]
    return f"{who} {_AGE_LABELS[ages]} en {year} ({source})"


def census_dictionary_csv(header: Sequence[str], millesime: int) -> bytes:
    """The `meta_<name>.CSV` beside the census file in its zip: one row per variable, as INSEE
    writes it (`;`, CRLF, latin-1)."""
    lengths = {"IRIS": 9, "COM": 5, "TYP_IRIS": 1, "LAB_IRIS": 1}
    rows: list[list[Cell]] = []
    for code in header:
        label = _census_label(code)
        kind = "CHAR" if code in lengths else "NUM"
        rows.append([code, label, label, "", "", kind, lengths.get(code, 17)])
    return csv_bytes(
        ["COD_VAR", "LIB_VAR", "LIB_VAR_LONG", "COD_MOD", "LIB_MOD", "TYPE_VAR", "LONG_VAR"],
        rows,
        separator=";",
        crlf=True,
        encoding="latin-1",
    )
