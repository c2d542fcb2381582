"""Classes and palettes of the maps: which values share a colour, and which colour.

Values are grouped by quantiles or natural breaks (mapclassify's Quantiles and FisherJenks,
imported only when a map is drawn: it loads scikit-learn), with fewer classes when there are few
distinct values, a class break forced at a threshold when one is given (the APL's under-served
2.5), and no class for missing values (drawn hatched grey by maps.py). Palettes are ColorBrewer
sequential schemes and viridis, light to dark with strictly monotonic lightness, so a map still
reads printed in black and white. The legend's words (`legend_items`, `scheme_text`) live here
with the classes they describe; maps.py writes them as HTML.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from observatory.analysis.formatting import format_value

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
