"""Choropleth maps drawn on the server as inline SVG: the report's maps, and the static site's.

Outlines come as WKB in WGS84 degrees (`marts.territoires__contours.geometrie`). They are
projected as the State maps France, Lambert-93 in metropolitan France and Corsica and the UTM zone
of each overseas département (formats/projection.py: the formulas live there once), simplified
for the screen (in projected metres, a tolerance relative to the map's extent, shared borders kept
shared) and written with coordinates rounded to a tenth of a pixel, so a page with a few hundred
communes stays small.

Values are grouped into classes by quantiles or natural breaks (mapclassify's Quantiles and
FisherJenks, imported only when a map is drawn: it loads scikit-learn), with fewer classes when
there are few distinct values, a class break forced at a threshold when one is given (the APL's
under-served 2.5), and a hatched grey class for missing values. Palettes are ColorBrewer
sequential schemes and viridis, light to dark with strictly monotonic lightness, so a map still
reads printed in black and white.

A map is an HTML fragment: `<figure class="carte">` holding the SVG (one `<path>` per territory
with its value in a `<title>` for hover), an HTML legend (class bounds with their unit, the scheme
named) and a caption with the source and its licence. Every label is escaped here. Like the
charts, each shape has the class `mark` and the SVG counts them in `data-marks`, so the report's
script and the headless-browser test can check what was laid out. `MAP_CSS` is the style the
fragments expect (the report includes it; the site can too).

At about 670 lines it holds three jobs that should become three modules (classes and palettes;
projection and SVG paths; the choropleth and locator figures): left for a later change, said in
the closing note of issue 20.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import Protocol

import numpy as np
import shapely

from observatory.analysis.formatting import format_value
from observatory.formats.projection import overseas_departement, project

# ColorBrewer 9-class sequential schemes (Cynthia Brewer, colorbrewer2.org, colour-blind safe)
# and viridis (colour-blind safe, perceptually uniform), all light to dark.
PALETTES: dict[str, tuple[str, ...]] = {
    "YlOrRd": (
        "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
        "#fc4e2a", "#e31a1c", "#bd0026", "#800026",
    ),
    "Blues": (
        "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
        "#4292c6", "#2171b5", "#08519c", "#08306b",
    ),
    "PuBuGn": (
        "#fff7fb", "#ece2f0", "#d0d1e6", "#a6bddb", "#67a9cf",
        "#3690c0", "#02818a", "#016c59", "#014636",
    ),
    "viridis": (
        "#fde725", "#addc30", "#5ec962", "#28ae80", "#21918c",
        "#2c728e", "#3b528b", "#472d7b", "#440154",
    ),
}  # fmt: skip
SCHEMES = {"quantiles": "quantiles", "natural breaks": "seuils naturels (Fisher-Jenks)"}
MISSING_LABEL = "donnée absente"
MISSING_FILL = "#d9d9d9"
HATCH_COLOUR = "#737373"
WIDTH = 600
MARGIN = 6
TOLERANCE = 0.0025
"""Simplification tolerance as a share of the map's larger side (1.5 pixel at 600): the square
root of the smallest triangle area kept (coverage simplification is Visvalingam-Whyatt's)."""

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


# --- classes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A class break forced at `value`, the class below it named `label` (`sous-dense < 2,5`)."""

    value: float
    label: str


@dataclass(frozen=True)
class MapClass:
    """One class: the smallest and largest value it holds, how many shapes, its colour."""

    lower: float
    upper: float
    count: int
    colour: str = ""
    below_threshold: bool = False


@dataclass(frozen=True)
class Classification:
    """Classes of the values (sorted), each value's class index (None: missing), the scheme."""

    scheme: str
    classes: tuple[MapClass, ...]
    assignments: tuple[int | None, ...]
    threshold: Threshold | None = None

    @property
    def missing(self) -> int:
        return sum(1 for a in self.assignments if a is None)

    def class_of(self, value: float | None) -> int | None:
        """The class of any value (None when missing): the last class whose lower bound it
        reaches, below the threshold only when it is below it."""
        if not _present(value) or not self.classes:
            return None
        value = float(value)  # type: ignore[arg-type]
        index = max(0, int(np.searchsorted([c.lower for c in self.classes], value, "right")) - 1)
        threshold = self.threshold
        if threshold is not None and self.classes[index].below_threshold:
            index += value >= threshold.value
        return min(index, len(self.classes) - 1)

    def classes_of(self, values: Sequence[float | None]) -> tuple[int | None, ...]:
        """`class_of` of every value at once (numpy), the same answers."""
        if not self.classes:
            return (None,) * len(values)
        numbers = _numbers(values)
        present = ~np.isnan(numbers)
        numbers = np.where(present, numbers, 0.0)
        lowers = np.asarray([c.lower for c in self.classes])
        index = np.maximum(0, np.searchsorted(lowers, numbers, "right") - 1)
        if self.threshold is not None:
            below = np.asarray([c.below_threshold for c in self.classes])
            index = index + (below[index] & (numbers >= self.threshold.value))
        index = np.minimum(index, len(self.classes) - 1)
        found = index.tolist()
        return tuple(i if p else None for i, p in zip(found, present.tolist(), strict=True))


def _numbers(values: Sequence[float | None]) -> np.ndarray:
    """The values as floats, NaN for a missing one (None or NaN)."""
    return np.fromiter((math.nan if v is None else v for v in values), float, len(values))


def _present(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _upper_bounds(values: np.ndarray, scheme: str, k: int) -> list[float]:
    """mapclassify's class upper bounds (a value v is in the first class whose bound >= v).

    Natural breaks are mapclassify's FisherJenks (exact; O(n²) in pure Python without numba:
    170 ms for 350 values), so the report's and the site's maps use quantiles, and natural
    breaks are there for a caller who asks."""
    import mapclassify  # 2 s: scikit-learn; only when a map is drawn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "quantiles":  # Quantiles(y, k).bins without the classifier's summaries
            bins = mapclassify.classifiers.quantile(values, k=k)
        elif scheme == "natural breaks":
            bins = mapclassify.FisherJenks(values, k=k).bins
        else:
            raise ValueError(f"unknown scheme {scheme!r}: quantiles or natural breaks")
    return sorted({float(b) for b in bins})


def classify(
    values: Sequence[float | None],
    scheme: str = "quantiles",
    k: int = 5,
    threshold: Threshold | None = None,
    palette: str = "YlOrRd",
) -> Classification:
    """Classes of `values` by `scheme` (`quantiles` or `natural breaks`), at most `k` of them and
    never more than there are distinct values; a break at `threshold.value` (values below it form
    their own classes, named by the threshold in the legend). Each class spans the values it
    holds (lower = its smallest, upper = its largest). Missing values get no class."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}: quantiles or natural breaks")
    numbers = _numbers(values)
    present = np.sort(numbers[~np.isnan(numbers)])
    distinct = np.unique(present)
    # each class as the range [start, end) of the sorted values it holds
    groups: list[tuple[int, int]] = []
    if len(distinct):
        k = max(1, min(k, len(distinct)))
        # no more distinct values than classes: one class each, whatever the scheme
        uppers = distinct.tolist() if len(distinct) <= k else _upper_bounds(present, scheme, k)
        uppers[-1] = max(uppers[-1], float(distinct[-1]))
        ends = np.searchsorted(present, uppers, "right").tolist()
        groups = [(s, e) for s, e in zip([0, *ends[:-1]], ends, strict=True) if e > s]
    below: set[int] = set()
    if threshold is not None and groups:
        cut = int(np.searchsorted(present, threshold.value, "left"))
        split = []
        for start, end in groups:
            split.extend(g for g in ((start, min(end, cut)), (max(start, cut), end)) if g[1] > g[0])
        groups = split
        below = {i for i, (_, end) in enumerate(groups) if end <= cut}
    colours = class_colours(palette, len(groups))
    bounds = present.tolist()
    classes = tuple(
        MapClass(bounds[start], bounds[end - 1], end - start, colours[i], i in below)
        for i, (start, end) in enumerate(groups)
    )
    result = Classification(scheme, classes, (), threshold if below else None)
    return dataclasses.replace(result, assignments=result.classes_of(values))


def class_colours(palette: str, n: int) -> list[str]:
    """`n` colours of a palette, light to dark, spread over it (its lightest, almost white,
    left out so the first class stands out from the page)."""
    colours = PALETTES[palette]
    if n <= 0:
        return []
    if n == 1:
        return [colours[len(colours) // 2]]
    return [colours[round(1 + i * (len(colours) - 2) / (n - 1))] for i in range(n)]


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of `#rrggbb` (0 black, 1 white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# --- geometry ---------------------------------------------------------------------------------


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


class Outlined(Protocol):
    """What a locator map draws of each context member: a `Shape`, or any record with these
    (map_data.LocatorShape, so a page does not copy its département's 350 communes)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def geometry(self) -> bytes | shapely.Geometry: ...


def _geometry(value: bytes | shapely.Geometry) -> shapely.Geometry:
    if isinstance(value, shapely.Geometry):
        return value
    return shapely.from_wkb(bytes(value))


def _geometries(values: Sequence[bytes | shapely.Geometry]) -> list[shapely.Geometry]:
    """`_geometry` of each, the WKB parsed in one call."""
    found = list(values)
    raw = [i for i, v in enumerate(found) if not isinstance(v, shapely.Geometry)]
    if raw:
        parsed = shapely.from_wkb(np.asarray([bytes(found[i]) for i in raw], dtype=object))
        for i, geometry in zip(raw, parsed, strict=True):
            found[i] = geometry
    return found


def projection_of(geometries: Sequence[shapely.Geometry]) -> str | None:
    """The overseas département whose UTM zone fits these outlines (their bounding box's centre),
    None for Lambert-93 (metropolitan France and Corsica)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(geometries, dtype=object))
    if not np.isfinite([xmin, ymin, xmax, ymax]).all():
        return None
    return overseas_departement((ymin + ymax) / 2, (xmin + xmax) / 2)


def by_projection(shapes: Sequence[Shape]) -> dict[str | None, list[Shape]]:
    """Shapes grouped by the projection they are drawn in: None (Lambert-93, metropolitan France
    and Corsica) and each overseas département's code, by the centre of each outline's bounds;
    for a national map with the overseas départements as separate insets."""
    groups: dict[str | None, list[Shape]] = {}
    for shape in shapes:
        groups.setdefault(projection_of([_geometry(shape.geometry)]), []).append(shape)
    return groups


def projected(geometries: Sequence[shapely.Geometry], departement: str | None = None) -> np.ndarray:
    """Outlines in metres of the département's projection (Lambert-93 when None)."""

    def transformation(coords: np.ndarray) -> np.ndarray:
        x, y = project(coords[:, 1], coords[:, 0], departement)
        return np.column_stack([x, y]).astype(float)

    return shapely.transform(np.asarray(geometries, dtype=object), transformation)


def _simplified(geometries: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplified for the screen; borders shared by neighbours stay shared (coverage
    simplification) unless the outlines do not form a clean coverage."""
    try:
        simple = shapely.coverage_simplify(geometries, tolerance)
        if not shapely.is_empty(simple).any():
            return simple
    except shapely.errors.GEOSException:
        pass
    return shapely.simplify(geometries, tolerance, preserve_topology=True)


@dataclass(frozen=True)
class Frame:
    """Projected metres -> SVG pixels (y downwards), for a map `width` x `height`."""

    xmin: float
    ymax: float
    scale: float
    width: int
    height: int

    @classmethod
    def around(cls, geometries: np.ndarray, width: int = WIDTH) -> Frame:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geometries)
        span_x, span_y = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
        scale = (width - 2 * MARGIN) / span_x
        height = min(round(span_y * scale + 2 * MARGIN), int(1.4 * width))
        scale = min(scale, (height - 2 * MARGIN) / span_y)
        return cls(xmin - MARGIN / scale, ymax + MARGIN / scale, scale, width, height)


def svg_path(geometry: shapely.Geometry, frame: Frame) -> str:
    """The SVG path `d` of one projected (Multi)Polygon (see `svg_paths`)."""
    return svg_paths([geometry], frame)[0]


def svg_paths(geometries: Sequence[shapely.Geometry] | np.ndarray, frame: Frame) -> list[str]:
    """The SVG path `d` of each projected (Multi)Polygon: one subpath per ring, its first point
    in whole pixels then relative steps (`l`, shorter), repeated points after rounding dropped
    (holes drawn with fill-rule evenodd); `""` for an empty outline. Whole pixels: the
    outlines are simplified to 1.5 pixels first, and neighbours round their shared vertices
    alike, so borders stay shared; integers are also quick to write.

    All the rings of all the outlines are rounded and differenced in one numpy pass (a national
    site writes 160,000 paths of a few rings each: per-ring numpy calls cost more than the
    arithmetic); only the text is written ring by ring."""
    shapes = np.asarray(geometries, dtype=object)
    if not len(shapes):
        return []
    parts, owner = shapely.get_parts(shapes, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, owner = parts[polygon], owner[polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    points = np.column_stack(
        [
            np.rint((coords[:, 0] - frame.xmin) * frame.scale),
            np.rint((frame.ymax - coords[:, 1]) * frame.scale),
        ]
    ).astype(np.int64)
    same_ring = np.zeros(len(points), dtype=bool)
    same_ring[1:] = point_ring[1:] == point_ring[:-1]
    keep = ~same_ring
    keep[1:] |= np.any(points[1:] != points[:-1], axis=1)
    points, point_ring = points[keep], point_ring[keep]
    starts = np.searchsorted(point_ring, np.arange(len(rings)), "left")
    ends = np.searchsorted(point_ring, np.arange(len(rings)), "right")
    # a ring closed on its first point after rounding loses that last point
    closed = (ends - starts > 1) & np.all(
        points[np.maximum(ends - 1, 0)] == points[np.minimum(starts, len(points) - 1)], axis=1
    )
    ends = ends - closed
    # each point's step from the previous one, except a ring's first point: the point itself
    steps = points.copy()
    steps[same_ring[keep]] -= points[np.flatnonzero(same_ring[keep]) - 1]
    flat = list(map(str, steps.ravel().tolist()))
    texts: list[list[str]] = [[] for _ in range(len(shapes))]
    ring_owner = owner[ring_part].tolist()
    for ring, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        if end - start < 3:
            continue
        body = " ".join(flat[2 * start + 2 : 2 * end])
        texts[ring_owner[ring]].append(f"M{flat[2 * start]} {flat[2 * start + 1]}l{body}z")
    return ["".join(t) for t in texts]


def screen_paths(
    geometries: Sequence[shapely.Geometry],
    departement: str | None = None,
    width: int = WIDTH,
    frame_of: Sequence[shapely.Geometry] | None = None,
) -> tuple[list[str], Frame]:
    """The `d` of each outline, projected, simplified and framed (the frame fits `frame_of`
    when given, else every outline), with the frame."""
    shapes = projected(geometries, departement)
    framing = shapes if frame_of is None else projected(frame_of, departement)
    frame = Frame.around(framing, width)
    extent = max(frame.width, frame.height) / frame.scale
    simple = _simplified(shapes, extent * TOLERANCE)
    return svg_paths(simple, frame), frame


def outlines(
    geometries: Sequence[bytes | shapely.Geometry], width: int = WIDTH
) -> tuple[list[str], Frame]:
    """The screen paths of shapes as `choropleth` draws them (the projection of where they lie):
    computed once for the several maps of the same shapes and given to each as `paths`."""
    shapes = _geometries(geometries)
    if not shapes:
        return [], Frame(0, 0, 1, width, 50)
    return screen_paths(shapes, projection_of(shapes), width)


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


def _range(lower: float, upper: float, unit: str) -> str:
    low, high = format_value(lower, unit), format_value(upper, unit)
    return low if low == high else f"{low} – {high}"


def legend_items(classification: Classification, unit: str) -> list[tuple[str, str, int]]:
    """(label, colour — `""` for the hatched missing class, count) of each class."""
    items = []
    for c in classification.classes:
        text = _range(c.lower, c.upper, unit)
        if c.below_threshold and classification.threshold is not None:
            text = f"{text} ({classification.threshold.label})"
        items.append((text, c.colour, c.count))
    if classification.missing:
        items.append((MISSING_LABEL, "", classification.missing))
    return items


def scheme_text(classification: Classification) -> str:
    """`5 classes, quantiles` (with the forced threshold when there is one)."""
    n = len(classification.classes)
    text = f"{n} classe{'s' if n > 1 else ''}, {SCHEMES[classification.scheme]}"
    if classification.threshold is not None:
        text += f", seuil « {classification.threshold.label} »"
    return text


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
    geometries = [] if paths is not None else _geometries([s.geometry for s in shapes])
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
            context, _geometry(outline), departement, width, reuse
        )
    else:
        geometries = _geometries([s.geometry for s in context])
        own = _geometry(outline)
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
        geometries = _geometries([s.geometry for s in context])
        projection = departement or projection_of(geometries)
        shapes = projected(geometries, projection)
        found = reuse[key] = (projection, shapes, shapely.total_bounds(shapes), {})
    projection, shapes, bounds, written = found
    mine = projected([own], projection)
    framing = np.asarray([shapely.box(*bounds), mine[0]], dtype=object)
    frame = Frame.around(framing, width)
    if frame not in written:
        extent = max(frame.width, frame.height) / frame.scale
        simple = _simplified(shapes, extent * TOLERANCE)
        written[frame] = (extent, svg_paths(simple, frame), {})
    extent, paths, elements = written[frame]
    (simple,) = _simplified(mine, extent * TOLERANCE)
    return [*paths, svg_path(simple, frame)], frame, elements
