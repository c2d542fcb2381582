"""The national maps of the static site's index: départements and EPCI coloured by an indicator.

A separate module so that the maps can change without touching the site: `site.py` calls
`national_maps` and lays out what it returns. The outlines are `marts.territoires__contours`
(issue 20's commune outlines) and the drawing is the maps module's (`maps.choropleth`: one
`<path>` per territory linking to its page, a legend, classes by quantiles). The SVG is drawn
once per level, coloured by the default indicator; for the other indicators only the classes are
computed here (`maps.classify`, the same classes a drawn map would have) and written to
`cartes.js`, from which the index's script recolours the shapes and rewrites the legend when the
`<select>` changes, so the geometry is not repeated per indicator.

The maps show metropolitan France and Corsica (Lambert-93); the overseas territories are left
out of them (each has its page) and the index says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import duckdb

from observatory.analysis import maps
from observatory.analysis.formatting import format_value
from observatory.analysis.queries import run_query
from observatory.warehouse import table_exists

CONTOURS = "marts.territoires__contours"
MAP_LEVELS = {"departement": "Départements", "epci": "EPCI"}
PALETTE = "YlOrRd"
OVERSEAS = "Les territoires d'outre-mer ne figurent pas sur ces cartes : chacun a sa page."


@dataclass(frozen=True)
class MapIndicator:
    code: str
    label: str
    unit: str


@dataclass(frozen=True)
class NationalMaps:
    """What the index shows: level -> the drawn map (HTML fragment), the data of cartes.js
    (every indicator's classes per level) and a sentence for the reader."""

    drawn: dict[str, str]
    script: str
    note: str


def _legend(label: str, classification: maps.Classification, unit: str) -> str:
    """The legend as maps.choropleth writes it (`ul.legende-carte`), for another indicator."""
    rows = [
        f'<li class="legende-titre">{escape(label)} <span class="methode">'
        f"({escape(maps.scheme_text(classification))})</span></li>"
    ]
    for text, colour, count in maps.legend_items(classification, unit):
        swatch = (
            f'<span class="case" style="background:{escape(colour, quote=True)}"></span>'
            if colour
            else '<span class="case absente"></span>'
        )
        rows.append(
            f'<li class="classe">{swatch}{escape(text)} <span class="effectif">'
            f"({count})</span></li>"
        )
    return '<ul class="legende-carte">' + "".join(rows) + "</ul>"


def national_maps(
    con: duckdb.DuckDBPyConnection,
    levels: Sequence[str],
    names: Mapping[tuple[str, str], str],
    pages: Mapping[tuple[str, str], str],
    indicators: Sequence[MapIndicator],
    values: Callable[[tuple[str, str]], Sequence[float | None]],
    chosen: str,
    sql_dir: Path | None = None,
) -> NationalMaps:
    """The maps of the levels among MAP_LEVELS that the site has pages for. `values(key)` gives
    a territory's value of every indicator (aligned on `indicators`); `chosen` is drawn first."""
    if not table_exists(con, CONTOURS):
        return NationalMaps(
            {},
            "window.CARTES = {};\n",
            "Cartes nationales indisponibles : l'édition publiée ne contient pas les contours "
            f"des territoires ({CONTOURS}).",
        )
    wanted = [level for level in MAP_LEVELS if level in levels]
    if not wanted:
        return NationalMaps(
            {}, "window.CARTES = {};\n", "Pas de carte : ni départements ni EPCI dans ce site."
        )
    outlines: dict[str, list[tuple[str, bytes]]] = {level: [] for level in wanted}
    for niveau, code, geometrie in run_query(con, "site_contours", sql_dir, niveaux=wanted):
        if (niveau, code) in pages:
            outlines[niveau].append((code, geometrie))
    position = [i.code for i in indicators].index(chosen)
    drawn: dict[str, str] = {}
    data: dict[str, object] = {}
    for level, rows in outlines.items():
        if not rows:
            continue
        shapes = [
            maps.Shape(
                code,
                names[(level, code)],
                geometry,
                values((level, code))[position],
                href=pages[(level, code)],
            )
            for code, geometry in rows
        ]
        indicator = indicators[position]
        drawn[level] = maps.choropleth(
            f"carte-{level}",
            shapes,
            indicator.label,
            indicator.unit,
            palette=PALETTE,
            departement=None,
        )
        per_indicator = {}
        for k, other in enumerate(indicators):
            found = [values((level, code))[k] for code, _ in rows]
            classification = maps.classify(found, "quantiles", 5, None, PALETTE)
            per_indicator[other.code] = {
                "couleurs": [c.colour for c in classification.classes],
                "classes": [-1 if i is None else i for i in classification.assignments],
                "valeurs": [
                    maps.MISSING_LABEL if v is None else format_value(v, other.unit) for v in found
                ],
                "legende": _legend(other.label, classification, other.unit),
            }
        data[level] = {"codes": [code for code, _ in rows], "indicateurs": per_indicator}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return NationalMaps(drawn, f"window.CARTES = {text};\n", OVERSEAS)
