"""Choropleth and locator maps drawn on the server as inline SVG: the report's maps, and the
static site's.

A map is an HTML fragment: `<figure class="carte">` holding the SVG (one shape per territory with
its value in a `<title>` for hover), an HTML legend (class bounds with their unit, the scheme
named) and a caption with the source and its licence. Every label is escaped here. Like the
charts, each shape has the class `mark` and the SVG counts them in `data-marks`, so the report's
script and the headless-browser test can check what was laid out. `MAP_CSS` is the style the
fragments expect (the report includes it; the site can too).

The classes and palettes are map_classes.py's; the projected, simplified outlines and their SVG
paths map_geometry.py's. This module writes the figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

import numpy as np
import shapely

from observatory.analysis.formatting import format_value
from observatory.analysis.map_classes import (
    MISSING_LABEL,
    Classification,
    Threshold,
    classify,
    legend_items,
    scheme_text,
)
from observatory.analysis.map_geometry import (
    TOLERANCE,
    WIDTH,
    Frame,
    Outlined,
    as_geometries,
    as_geometry,
    projected,
    projection_of,
    screen_paths,
    simplified,
    svg_path,
    svg_paths,
)

MISSING_FILL = "#d9d9d9"
HATCH_COLOUR = "#737373"

MAP_CSS = """
figure.carte { margin: 8px 0 20px; break-inside: avoid; }
figure.carte svg.carte-svg { display: block; width: 100%; max-width: 640px; height: auto; }
figure.carte svg.carte-svg path.zone { stroke: #fff; stroke-width: .6; stroke-linejoin: round; }
figure.carte svg.carte-svg a:hover path.zone, figure.carte svg.carte-svg path.zone:hover {
  stroke: #1f2933; stroke-width: 1.5; }
figure.carte svg.carte-svg path.contour { fill: none; stroke: #1f2933; stroke-width: 2; }
figure.carte svg.carte-svg path.contexte { fill: #eef1f4; stroke: #b8c0ca; stroke-width: .5; }
figure.carte svg.carte-svg path.dedans { fill: #1b5e9e; stroke: #fff; stroke-width: .5; }
ul.legende-carte { list-style: none; padding: 0; margin: 4px 0; font-size: .88rem; }
ul.legende-carte li { margin: 2px 0; }
ul.legende-carte .legende-titre { font-weight: 600; }
ul.legende-carte .case { display: inline-block; width: 22px; height: 13px; margin-right: 8px;
  vertical-align: -2px; border: 1px solid #9aa5b1; }
ul.legende-carte .case.absente { background: repeating-linear-gradient(45deg, #737373 0 1px,
  #d9d9d9 1px 4px); }
figure.carte figcaption { color: #5f6b7a; font-size: .82rem; font-weight: 400; }
@media print { figure.carte, figure.carte * { -webkit-print-color-adjust: exact;
  print-color-adjust: exact; } }
"""


@dataclass(frozen=True)
class Shape:
    """One territory on a map: its code, name, outline (WKB bytes in WGS84 degrees, or a shapely
    geometry), value (None: missing), an optional link and `data-` attributes."""

    code: str
    name: str
    geometry: bytes | shapely.Geometry
    value: float | None = None
    href: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)


def outline_defs(prefix: str, paths: Sequence[str]) -> str:
    """An invisible SVG defining each path once (`id` = prefix + its rank), for maps drawn with
    `use=prefix`: each map then holds one `<use>` per shape, not the shape's outline again."""
    body = "".join(
        f'<path id="{_attr(prefix)}{i}" d="{d}" fill-rule="evenodd"/>' for i, d in enumerate(paths)
    )
    return (
        '<svg class="carte-formes" width="0" height="0" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><defs>{body}</defs></svg>'
    )


# --- drawing ----------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 17)
def _attr(text: str) -> str:
    """`text` escaped for HTML text and attributes, memoised: a site writes the same commune
    names, codes and colours on every map of every page that shows them (millions of calls)."""
    return escape(str(text), quote=True)


_SAFE_DATA = re.compile(r"^[a-z][a-z0-9-]*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _safe_href(href: str | None) -> str | None:
    """A web address or a relative link; anything else (`javascript:`, `data:`) is dropped."""
    if not href:
        return None
    if _SCHEME.match(href) and not href.lower().startswith(("https://", "http://")):
        return None
    return href


def _data_attributes(data: Mapping[str, str]) -> str:
    if not data:
        return ""
    attrs = []
    for name, value in data.items():
        if not _SAFE_DATA.match(name):
            raise ValueError(f"data attribute {name!r}: lower-case letters, digits and dashes")
        attrs.append(f' data-{name}="{_attr(value)}"')
    return "".join(attrs)


def _pattern(pattern_id: str) -> str:
    return (
        f'<defs><pattern id="{_attr(pattern_id)}" width="5" height="5" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="5" height="5" fill="{MISSING_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{HATCH_COLOUR}" stroke-width="1.5"/>'
        "</pattern></defs>"
    )


def _svg(map_id: str, label: str, frame: Frame, body: list[str], marks: int) -> str:
    return (
        f'<svg class="chart carte-svg" data-chart="{_attr(map_id)}" data-marks="{marks}" '
        f'role="img" aria-label="{_attr(label)}" viewBox="0 0 {frame.width} {frame.height}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        + "".join(body)
        + "</svg>"
    )


def legend_html(title: str, classification: Classification, unit: str) -> str:
    """A map's legend (`ul.legende-carte`): its title and scheme, then one line per class."""
    rows = [
        f'<li class="legende-titre">{escape(title)} <span class="methode">'
        f"({escape(scheme_text(classification))})</span></li>"
    ]
    for text, colour, count in legend_items(classification, unit):
        swatch = (
            f'<span class="case" style="background:{_attr(colour)}"></span>'
            if colour
            else '<span class="case absente"></span>'
        )
        rows.append(
            f'<li class="classe">{swatch}{escape(text)} <span class="effectif">'
            f"({count})</span></li>"
        )
    return '<ul class="legende-carte">' + "".join(rows) + "</ul>"


def _caption(source: str, licence: str, note: str = "") -> str:
    parts = [p for p in (note, f"Source : {source}" if source else "", licence) if p]
    return f"<figcaption>{escape(' — '.join(parts))}.</figcaption>" if parts else ""


def choropleth(
    map_id: str,
    shapes: Sequence[Shape],
    label: str,
    unit: str,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "YlOrRd",
    threshold: Threshold | None = None,
    source: str = "",
    licence: str = "",
    departement: str | None = None,
    width: int = WIDTH,
    note: str = "",
    class_values: Sequence[float | None] | None = None,
    suffix: str = "",
    paths: tuple[Sequence[str], Frame] | None = None,
    use: str | None = None,
    legend: bool = True,
    values: Sequence[float | None] | None = None,
) -> str:
    """A choropleth of any territories (communes, EPCI, départements...) as an HTML fragment:
    `<figure class="carte" data-carte=map_id>` with the SVG (one `<path class="mark zone">` per
    shape, `<title>Name : value</title>`, wrapped in `<a href>` when the shape has a web or
    relative link, its `data-` attributes and `data-code`), the legend (class bounds in `unit`,
    a format of formatting.format_value, and the scheme named) and the caption (source, licence).

    The projection is `departement`'s (Lambert-93 when None and the shapes are in metropolitan
    France; the UTM zone of the overseas département they lie in otherwise): draw the overseas
    départements as separate maps (`by_projection` sorts shapes by projection), with the same
    classes as the main map by giving every value as `class_values` (the classes are then made
    from them, the legend counts them). Colours: `palette` of PALETTES, light for low values.
    `suffix` follows each value in the titles when `unit` does not say it (`consultations`).

    `paths`: the shapes' screen paths and frame already computed (`outlines`), for several maps
    of the same shapes; with `use` too, each shape is a `<use class="mark zone" href="#{use}{i}">`
    of the paths `outline_defs(use, ...)` defines once in the page (a page of seven maps of the
    same communes then carries each outline once). `legend=False`: no legend (an inset sharing
    the main map's). `values`: the shapes' values when not their `value` (the several maps of
    the same shapes then share one list of shapes)."""
    geometries = [] if paths is not None else as_geometries([s.geometry for s in shapes])
    if departement is None and geometries:
        departement = projection_of(geometries)
    values = [s.value for s in shapes] if values is None else list(values)
    classification = classify(
        values if class_values is None else class_values, scheme, k, threshold, palette
    )
    assignments = (
        classification.assignments if class_values is None else classification.classes_of(values)
    )
    pattern_id = f"{map_id}-absente"
    body = [_pattern(pattern_id), '<g class="zones">']
    if paths is not None:
        drawn, frame = list(paths[0]), paths[1]
    elif geometries:
        drawn, frame = screen_paths(geometries, departement, width)
    else:
        drawn, frame = [], None
    rows = zip(shapes, values, drawn, assignments, strict=True)
    for i, (shape, shape_value, d, index) in enumerate(rows):
        fill = f"url(#{pattern_id})" if index is None else classification.classes[index].colour
        value = MISSING_LABEL if index is None else format_value(shape_value, unit)
        if suffix and index is not None:
            value = f"{value} {suffix}"
        title = f"<title>{_attr(shape.name)} : {_attr(value)}</title>"
        if use is not None:
            path = (
                f'<use class="mark zone" data-code="{_attr(shape.code)}"'
                f'{_data_attributes(shape.data)} href="#{_attr(use)}{i}" fill="{_attr(fill)}">'
                f"{title}</use>"
            )
        else:
            path = (
                f'<path class="mark zone" data-code="{_attr(shape.code)}"'
                f"{_data_attributes(shape.data)} "
                f'd="{d}" fill="{_attr(fill)}" fill-rule="evenodd">{title}</path>'
            )
        href = _safe_href(shape.href)
        body.append(f'<a href="{_attr(href)}">{path}</a>' if href else path)
    body.append("</g>")
    svg = _svg(map_id, label, frame or Frame(0, 0, 1, width, 50), body, len(drawn))
    return (
        f'<figure class="carte" data-carte="{_attr(map_id)}">{svg}'
        f"{legend_html(label, classification, unit) if legend else ''}"
        f"{_caption(source, licence, note)}</figure>"
    )


def locator(
    map_id: str,
    context: Sequence[Outlined],
    outline: bytes | shapely.Geometry,
    label: str,
    *,
    inside: Sequence[bool] | None = None,
    context_label: str = "",
    departement: str | None = None,
    width: int = 360,
    reuse: dict | None = None,
) -> str:
    """A locator map: the territory's `outline` drawn over its context's shapes (the communes
    of its département, the départements of its région), those `inside` it filled.

    `reuse`: a dict kept across the maps of many territories (the static site's pages), where
    each context's outlines are projected and simplified once, by themselves, and their paths
    written once per frame (every EPCI of a département lies in the same frame): the context's
    shapes are then simplified without the territory's outline, so the drawing may differ by a
    pixel from the map drawn without `reuse` (the report's, unchanged)."""
    written: dict[tuple[int, bool], str] | None = None
    if reuse is not None:
        paths, frame, written = _reused_paths(
            context, as_geometry(outline), departement, width, reuse
        )
    else:
        geometries = as_geometries([s.geometry for s in context])
        own = as_geometry(outline)
        if departement is None:
            departement = projection_of([*geometries, own])
        paths, frame = screen_paths([*geometries, own], departement, width)
    flags = list(inside) if inside is not None else [False] * len(context)
    body = ['<g class="zones">']
    for i, (shape, d, flag) in enumerate(zip(context, paths[:-1], flags, strict=True)):
        if written is not None and (i, flag) in written:
            body.append(written[(i, flag)])
            continue
        text = (
            f'<path class="mark zone {"dedans" if flag else "contexte"}" '
            f'data-code="{_attr(shape.code)}" d="{d}" fill="{"#1b5e9e" if flag else "#eef1f4"}" '
            f'fill-rule="evenodd"><title>{_attr(shape.name)}</title></path>'
        )
        if written is not None:
            written[(i, flag)] = text
        body.append(text)
    body.append(
        f'<path class="contour" d="{paths[-1]}" fill="none" stroke="#1f2933" stroke-width="2">'
        f"<title>{escape(label)}"
        "</title></path></g>"
    )
    svg = _svg(map_id, label, frame, body, len(context))
    caption = f"<figcaption>{escape(context_label)}</figcaption>" if context_label else ""
    return f'<figure class="carte situation" data-carte="{_attr(map_id)}">{svg}{caption}</figure>'


def _reused_paths(
    context: Sequence[Outlined],
    own: shapely.Geometry,
    departement: str | None,
    width: int,
    reuse: dict,
) -> tuple[list[str], Frame, dict[tuple[int, bool], str]]:
    """The locator's paths (the context's shapes, then the territory's outline) with the
    context's work kept in `reuse`: projected once, simplified and written once per frame, each
    shape's element too (the dict returned, filled by `locator`)."""
    key = (departement, width, tuple(s.code for s in context))
    found = reuse.get(key)
    if found is None:
        if len(reuse) > 512:
            reuse.clear()
        geometries = as_geometries([s.geometry for s in context])
        projection = departement or projection_of(geometries)
        shapes = projected(geometries, projection)
        found = reuse[key] = (projection, shapes, shapely.total_bounds(shapes), {})
    projection, shapes, bounds, written = found
    mine = projected([own], projection)
    framing = np.asarray([shapely.box(*bounds), mine[0]], dtype=object)
    frame = Frame.around(framing, width)
    if frame not in written:
        extent = max(frame.width, frame.height) / frame.scale
        simple = simplified(shapes, extent * TOLERANCE)
        written[frame] = (extent, svg_paths(simple, frame), {})
    extent, paths, elements = written[frame]
    (simple,) = simplified(mine, extent * TOLERANCE)
    return [*paths, svg_path(simple, frame)], frame, elements
