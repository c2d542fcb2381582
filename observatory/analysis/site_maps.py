"""The national maps of the static site's index: départements and EPCI coloured by an indicator.

A separate module so that the maps can change without touching the site: `site.py` calls
`national_maps` and lays out what it returns. The outlines are `marts.territoires__contours`
(issue 20's commune outlines) and the drawing is the maps module's (`maps.choropleth`: one
`<path>` per territory linking to its page, a legend, classes by quantiles). The SVG is drawn
once per level, coloured by the default indicator; for the other indicators only the classes are
computed here (`map_classes.classify`, the same classes a drawn map would have) and written to
`cartes.js`, from which the index's script recolours the shapes and rewrites the legend when the
`<select>` changes, so the geometry is not repeated per indicator.

The maps show metropolitan France and Corsica (Lambert-93) and each overseas département as a
small inset in its own projection (`map_geometry.by_projection`), coloured with the mainland's
classes (`class_values`: the classes are those of every territory of the level) under the one
legend.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from observatory.analysis import map_classes, map_geometry, maps
from observatory.analysis.formatting import format_value
from observatory.analysis.queries import run_query
from observatory.warehouse import table_exists

CONTOURS = "marts.territoires__contours"
MAP_LEVELS = {"departement": "Départements", "epci": "EPCI"}
PALETTE = "YlOrRd"
OVERSEAS = (
    "Les départements d'outre-mer (et leurs EPCI) sont dessinés en encarts, chacun dans sa "
    "projection, avec les classes de la carte principale."
)
INSET_WIDTH = 140


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


def draw_level(
    level: str,
    shapes: Sequence[maps.Shape],
    indicator: MapIndicator,
    departements: Mapping[str, str] | None = None,
) -> str:
    """A level's national map: metropolitan France and Corsica, then one small inset per overseas
    département (its code's order, captioned with its name from `departements`, code -> name),
    every shape classed among all of them (one legend)."""
    groups = map_geometry.by_projection(shapes)
    every = [s.value for s in shapes]
    main = maps.choropleth(
        f"carte-{level}",
        groups.get(None, []),
        indicator.label,
        indicator.unit,
        palette=PALETTE,
        class_values=every,
    )
    insets = [
        maps.choropleth(
            f"carte-{level}-{safe_id(departement)}",
            groups[departement],
            f"{indicator.label} ({departement})",
            indicator.unit,
            palette=PALETTE,
            departement=departement,
            width=INSET_WIDTH,
            class_values=every,
            legend=False,
            note=(departements or {}).get(departement, departement),
        )
        for departement in sorted(d for d in groups if d is not None)
    ]
    if not insets:
        return main
    return main + '<div class="encarts">' + "".join(insets) + "</div>"


def safe_id(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)


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
        overseas = {c: n for (lv, c), n in names.items() if lv == "departement"}
        drawn[level] = draw_level(level, shapes, indicator, overseas)
        per_indicator = {}
        for k, other in enumerate(indicators):
            found = [values((level, code))[k] for code, _ in rows]
            classification = map_classes.classify(found, "quantiles", 5, None, PALETTE)
            per_indicator[other.code] = {
                "couleurs": [c.colour for c in classification.classes],
                "classes": [-1 if i is None else i for i in classification.assignments],
                "valeurs": [
                    map_classes.MISSING_LABEL if v is None else format_value(v, other.unit)
                    for v in found
                ],
                "legende": maps.legend_html(other.label, classification, other.unit),
            }
        data[level] = {"codes": [code for code, _ in rows], "indicateurs": per_indicator}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return NationalMaps(drawn, f"window.CARTES = {text};\n", OVERSEAS)
