"""The map of "Où agir ?": the territory's communes, the candidate communes marked.

The report's commune maps (maps.choropleth) show indicators; this one shows where the answers of
implantations.py lie: every commune of the territory in a pale grey, the candidate communes
tinted, and on each a symbol per kind of answer (a circle for the best site of a service the
territory lacks, a square for a commune where one more GP helps most, a diamond for a shared
site), each with its `<title>` saying why and `data-code` / `data-role` so a test can find it, and
the commune's name under its symbols.
The outlines are those the report's other maps use (`paths`, and `use` on the site's pages);
the symbols sit at a point inside each commune (shapely's point_on_surface) in the same frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import shapely

from observatory.analysis.map_geometry import (
    Frame,
    as_geometries,
    projected,
    projection_of,
)

ROLES = {
    "service": ("Meilleur site d'un équipement manquant", "#d95f02", "rond"),
    "medecin": ("Commune où un généraliste de plus aiderait le plus", "#1b9e77", "carre"),
    "mutualisation": ("Site pour une maison de services", "#7570b3", "losange"),
}
"""Each kind of answer: its legend, colour and symbol (in that order, left to right)."""
FOND = "#eef1f4"
CANDIDATE = "#fde9c9"
SIZE = 6

CSS = """
figure.carte svg.carte-svg g.candidat { stroke: #1f2933; stroke-width: 1; }
figure.carte svg.carte-svg text.nom-candidat { font-size: 11px; fill: #1f2933; text-anchor: middle;
  paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
ul.legende-carte .symbole { display: inline-block; width: 11px; height: 11px; margin: 0 8px 0 5px;
  vertical-align: -1px; border: 1px solid #1f2933; }
ul.legende-carte .symbole.rond { border-radius: 50%; }
ul.legende-carte .symbole.losange { transform: rotate(45deg) scale(.85); }
"""
"""The style the map's symbols and legend expect (the report and the site include it)."""


def _symbol(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "rond":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{SIZE}" fill="{colour}"/>'
    if kind == "carre":
        return (
            f'<rect x="{x - SIZE:.1f}" y="{y - SIZE:.1f}" width="{2 * SIZE}" '
            f'height="{2 * SIZE}" fill="{colour}"/>'
        )
    d = SIZE * 1.3
    return (
        f'<path d="M{x:.1f} {y - d:.1f}L{x + d:.1f} {y:.1f}L{x:.1f} {y + d:.1f}'
        f'L{x - d:.1f} {y:.1f}Z" fill="{colour}"/>'
    )


def _points(geometries: Sequence[bytes], frame: Frame) -> list[tuple[float, float]]:
    """A point inside each outline, on screen (the outlines' projection and frame)."""
    shapes = as_geometries(list(geometries))
    inside = shapely.point_on_surface(np.asarray(shapes, dtype=object))
    metres = projected(list(inside), projection_of(shapes))
    xy = shapely.get_coordinates(metres)
    return [
        ((x - frame.xmin) * frame.scale, (frame.ymax - y) * frame.scale) for x, y in xy.tolist()
    ]


def candidates_map(
    map_id: str,
    communes: Sequence[tuple[str, str, bytes]],
    candidates: Mapping[str, Mapping[str, Sequence[str]]],
    paths: tuple[Sequence[str], Frame],
    label: str,
    use: str | None = None,
    caption: str = "",
) -> str:
    """`<figure class="carte">` of the communes (code, name, outline) drawn with `paths` (their
    screen paths and frame, as for the choropleths; `use`: the page's shared outlines), the
    `candidates` (code -> role -> reasons, implantations.Implantations.candidates) tinted and
    marked, a legend of the roles shown and `caption` (sources, licences) under it; "" when no
    candidate has an outline."""
    drawn, frame = paths
    body = ['<g class="zones">']
    marked = []
    for i, ((code, name, geometry), d) in enumerate(zip(communes, drawn, strict=True)):
        roles = candidates.get(code, {})
        fill = CANDIDATE if roles else FOND
        attrs = f'class="mark zone" data-code="{escape(code)}"'
        title = f"<title>{escape(name)}</title>"
        if use is not None:
            body.append(f'<use {attrs} href="#{escape(use)}{i}" fill="{fill}">{title}</use>')
        else:
            body.append(f'<path {attrs} d="{d}" fill="{fill}" fill-rule="evenodd">{title}</path>')
        if roles:
            marked.append((code, name, geometry, roles))
    body.append("</g>")
    if not marked:
        return ""
    body.append('<g class="candidats">')
    points = _points([geometry for _, _, geometry, _ in marked], frame)
    shown = set()
    for (code, name, _, roles), (x, y) in zip(marked, points, strict=True):
        present = [role for role in ROLES if role in roles]
        for j, role in enumerate(present):
            legend, colour, kind = ROLES[role]
            dx = (j - (len(present) - 1) / 2) * (2 * SIZE + 3)
            why = f"{name} — {legend.lower()} : {', '.join(roles[role])}"
            body.append(
                f'<g class="candidat" data-code="{escape(code)}" data-role="{role}">'
                f"{_symbol(kind, x + dx, y, colour)}<title>{escape(why)}</title></g>"
            )
            shown.add(role)
        body.append(
            f'<text class="nom-candidat" x="{x:.1f}" y="{y + 2 * SIZE + 9:.1f}">'
            f"{escape(name)}</text>"
        )
    body.append("</g>")
    svg = (
        f'<svg class="chart carte-svg" data-chart="{escape(map_id)}" '
        f'data-marks="{len(drawn)}" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {frame.width} {frame.height}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )
    items = "".join(
        f'<li class="role" data-role="{role}"><span class="symbole {ROLES[role][2]}" '
        f'style="background:{ROLES[role][1]}"></span>{escape(ROLES[role][0])}</li>'
        for role in ROLES
        if role in shown
    )
    legend = f'<ul class="legende-carte"><li class="legende-titre">{escape(label)}</li>{items}</ul>'
    note = f"<figcaption>{escape(caption)}.</figcaption>" if caption else ""
    return f'<figure class="carte" data-carte="{escape(map_id)}">{svg}{legend}{note}</figure>'
