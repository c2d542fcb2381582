"""Inline SVG charts drawn on the server, for a report that opens offline in any browser.

No JavaScript library and no network: each chart is a string of SVG written into the page, so the
report is one file an elected official can e-mail, print or open years later. Every drawn mark (a
bar, a stacked segment, a point, a reference marker) has the class `mark`, its value in a
`<title>` (the browser's tooltip) and the chart counts its marks in `data-marks`; the page's
script then records how many the browser actually laid out (`data-rendered`), which is what the
headless-browser test compares with the published figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from html import escape as html_escape

Formatter = Callable[[float | None], str]

FONT = "font-family:inherit"
LABEL_WIDTH = 250
WIDTH = 760


@lru_cache(maxsize=1 << 16)
def escape(text: str, quote: bool = True) -> str:
    """html.escape, memoised: a site of every territory escapes the same labels and figures
    (services, references, formatted values) thousands of times."""
    return html_escape(text, quote)


def _attr(text: str) -> str:
    """Escape an attribute value: labels come from the data (names with quotes, ampersands)."""
    return escape(text, quote=True)


def _scale_max(values: Sequence[float | None]) -> float:
    """A rounded axis maximum (1, 2, 2.5, 5 x 10^n) above the largest value, never zero."""
    top = max((v for v in values if v is not None), default=0.0)
    if top <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return 10 * magnitude


def _svg(
    chart_id: str,
    label: str,
    width: int,
    height: int,
    body: list[str],
    marks: int,
    fixed: bool = False,
) -> str:
    """The chart's root: full width for the large charts, its own size for the small ones."""
    size = f'width="{width}" height="{height}"' if fixed else 'width="100%"'
    return (
        f'<svg class="chart" data-chart="{_attr(chart_id)}" data-marks="{marks}" '
        f'role="img" aria-label="{_attr(label)}" viewBox="0 0 {width} {height}" '
        f'{size} preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        + "".join(body)
        + "</svg>"
    )


def legend(items: Sequence[tuple[str, str]], marker: str = "square") -> str:
    """An HTML legend (wraps on small screens better than SVG text)."""
    shape = "legend-dot" if marker == "dot" else "legend-square"
    return (
        '<ul class="legend">'
        + "".join(
            f'<li><span class="{shape}" style="background:{_attr(color)}"></span>'
            f"{escape(name)}</li>"
            for name, color in items
        )
        + "</ul>"
    )


def grouped_bars(
    chart_id: str,
    label: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float | None]],
    fmt: Formatter,
) -> str:
    """Horizontal bars, one group per category and one bar per series (territory, references).

    A missing value draws no bar and says `n.d.`; a zero draws an empty bar with its label, so
    "none" and "unknown" never look alike."""
    bar, gap = 13, 12
    group = bar * len(series) + gap
    height = 8 + group * len(categories)
    top = _scale_max([v for row in values for v in row])
    area = WIDTH - LABEL_WIDTH - 70
    body: list[str] = []
    marks = 0
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        y0 = 6 + i * group
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y0 + group / 2 - 3:.1f}" text-anchor="end" '
            f'class="axis-label">{escape(category)}</text>'
        )
        for j, ((name, color), value) in enumerate(zip(series, row, strict=True)):
            y = y0 + j * bar
            if value is None:
                body.append(
                    f'<text x="{LABEL_WIDTH + 4}" y="{y + bar - 3}" class="value-label">'
                    f"n.d. ({escape(name)})</text>"
                )
                continue
            w = area * max(value, 0) / top
            body.append(
                f'<rect class="mark bar" data-series="{j}" x="{LABEL_WIDTH}" y="{y}" '
                f'width="{w:.1f}" height="{bar - 2}" fill="{_attr(color)}">'
                f"<title>{escape(category)} — {escape(name)} : {escape(fmt(value))}</title></rect>"
                f'<text x="{LABEL_WIDTH + w + 4:.1f}" y="{y + bar - 3}" class="value-label">'
                f"{escape(fmt(value))}</text>"
            )
            marks += 1
    body.append(f'<line x1="{LABEL_WIDTH}" x2="{LABEL_WIDTH}" y1="0" y2="{height}" class="axis"/>')
    return _svg(chart_id, label, WIDTH, height, body, marks)


def bars_with_markers(
    chart_id: str,
    label: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float | None]],
    fmt: Formatter,
) -> str:
    """One bar per category for the first series (the territory) and a marker per reference:
    compact enough for forty services, and the eye sees at once where the territory is worse."""
    row_height = 20
    height = 10 + row_height * len(categories)
    top = _scale_max([v for row in values for v in row])
    area = WIDTH - LABEL_WIDTH - 70
    body: list[str] = []
    marks = 0
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        y = 5 + i * row_height
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end" class="axis-label">'
            f"{escape(category)}</text>"
        )
        (name, color), value = series[0], row[0]
        if value is None:
            body.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + 13}" class="value-label">n.d.</text>')
        else:
            w = area * max(value, 0) / top
            body.append(
                f'<rect class="mark bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" '
                f'height="{row_height - 6}" fill="{_attr(color)}"><title>{escape(category)} — '
                f"{escape(name)} : {escape(fmt(value))}</title></rect>"
            )
            marks += 1
        for (ref_name, ref_color), ref_value in zip(series[1:], row[1:], strict=True):
            if ref_value is None:
                continue
            x = LABEL_WIDTH + area * max(ref_value, 0) / top
            body.append(
                f'<path class="mark marker" d="M{x:.1f},{y + 1} l5,9 l-5,9 l-5,-9 z" '
                f'fill="{_attr(ref_color)}" stroke="#fff" stroke-width="1"><title>'
                f"{escape(category)} — {escape(ref_name)} : {escape(fmt(ref_value))}</title></path>"
            )
            marks += 1
        if value is not None:
            body.append(
                f'<text x="{WIDTH - 4}" y="{y + 13}" text-anchor="end" class="value-label">'
                f"{escape(fmt(value))}</text>"
            )
    body.append(f'<line x1="{LABEL_WIDTH}" x2="{LABEL_WIDTH}" y1="0" y2="{height}" class="axis"/>')
    return _svg(chart_id, label, WIDTH, height, body, marks)


def stacked_shares(
    chart_id: str,
    label: str,
    categories: Sequence[str],
    parts: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float]],
    notes: Sequence[str],
) -> str:
    """One 100 % bar per category split into parts (age bands): the structure, whatever the
    size. A part worth zero draws nothing; each row is a `stack` group."""
    row_height = 26
    height = 10 + row_height * len(categories)
    area = WIDTH - LABEL_WIDTH - 90
    body: list[str] = []
    marks = 0
    for i, (category, row, note) in enumerate(zip(categories, values, notes, strict=True)):
        y = 5 + i * row_height
        total = sum(row)
        body.append(
            f'<g class="stack"><text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" '
            f'class="axis-label">{escape(category)}</text>'
        )
        x = float(LABEL_WIDTH)
        for (name, color), value in zip(parts, row, strict=True):
            if total <= 0 or value <= 0:
                continue
            w = area * value / total
            share = f"{100 * value / total:.0f} %"
            body.append(
                f'<rect class="mark segment" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" '
                f'height="{row_height - 8}" fill="{_attr(color)}"><title>{escape(category)} — '
                f"{escape(name)} : {share}</title></rect>"
            )
            if w >= 30:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 16}" text-anchor="middle" '
                    f'class="segment-label">{share}</text>'
                )
            x += w
            marks += 1
        body.append(
            f'<text x="{LABEL_WIDTH + area + 6}" y="{y + 16}" class="value-label">'
            f"{escape(note)}</text></g>"
        )
    return _svg(chart_id, label, WIDTH, height, body, marks)


def lines(
    chart_id: str,
    label: str,
    xs: Sequence[int],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float | None]],
    fmt: Formatter,
    breaks: Sequence[int] = (),
    width: int = 300,
    height: int = 190,
) -> str:
    """A small line chart: x = editions, one line per series (values[series][x]); a dashed
    vertical line before each edition in `breaks` (series not comparable across it)."""
    left, right, top_margin, bottom = 40, 12, 14, 24
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    top = _scale_max([v for row in values for v in row])
    body: list[str] = []
    for k in range(6):
        y = top_margin + plot_h * k / 5
        tick = top * (5 - k) / 5
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(fmt(tick))}</text>"
        )

    def x_of(i: int) -> float:
        return left + (plot_w * i / (len(xs) - 1) if len(xs) > 1 else plot_w / 2)

    for i, x_value in enumerate(xs):
        body.append(
            f'<text x="{x_of(i):.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
            f"{x_value}</text>"
        )
        if x_value in breaks and i > 0:
            x = (x_of(i - 1) + x_of(i)) / 2
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_margin}" y2="{top_margin + plot_h}" '
                f'class="rupture"/><text x="{x:.1f}" y="{top_margin - 3}" text-anchor="middle" '
                f'class="tick">rupture</text>'
            )
    marks = 0
    for (name, color), row in zip(series, values, strict=True):
        points = [
            (x_of(i), top_margin + plot_h * (1 - v / top), v)
            for i, v in enumerate(row)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{_attr(color)}" '
                f'stroke-width="2.5"/>'
            )
        present = [x for x, r in zip(xs, row, strict=True) if r is not None]
        for (x, y, v), x_value in zip(points, present, strict=True):
            body.append(
                f'<circle class="mark point" cx="{x:.1f}" cy="{y:.1f}" r="4" '
                f'fill="{_attr(color)}"><title>{escape(name)} {x_value} : {escape(fmt(v))}'
                "</title></circle>"
            )
            marks += 1
    return _svg(chart_id, label, width, height, body, marks, fixed=True)


def columns(
    chart_id: str,
    label: str,
    xs: Sequence[int],
    values: Sequence[float],
    color: str,
    fmt: Formatter,
    width: int = 420,
    height: int = 190,
) -> str:
    """Vertical bars (population per millésime), the axis starting below the smallest value (a
    round number) so a change of one per cent stays visible; the axis labels say where."""
    left, right, top_margin, bottom = 60, 10, 18, 24
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    low, high = min(values, default=0.0), max(values, default=1.0)
    floor = 0.0
    if high > low:
        start = max(0.0, low - (high - low) * 1.5)
        unit = 10 ** max(math.floor(math.log10(start)) - 1, 0) if start >= 1 else 1
        floor = math.floor(start / unit) * unit
    span = (high - floor) or 1.0
    step = plot_w / max(len(xs), 1)
    body: list[str] = [
        f'<text x="{left - 5}" y="{top_margin + 4}" text-anchor="end" class="tick">'
        f"{escape(fmt(high))}</text>",
        f'<text x="{left - 5}" y="{top_margin + plot_h}" text-anchor="end" class="tick">'
        f"{escape(fmt(floor))}</text>",
        f'<line x1="{left}" x2="{width - right}" y1="{top_margin + plot_h}" '
        f'y2="{top_margin + plot_h}" class="axis"/>',
    ]
    for i, (x_value, value) in enumerate(zip(xs, values, strict=True)):
        h = plot_h * (value - floor) / span
        x = left + i * step + step * 0.15
        body.append(
            f'<rect class="mark bar" x="{x:.1f}" y="{top_margin + plot_h - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{_attr(color)}"><title>{x_value} : '
            f"{escape(fmt(value))}</title></rect>"
            f'<text x="{x + step * 0.35:.1f}" y="{height - 6}" text-anchor="middle" '
            f'class="tick">{x_value}</text>'
        )
    return _svg(chart_id, label, width, height, body, len(values), fixed=True)
