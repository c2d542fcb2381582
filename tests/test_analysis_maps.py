"""The maps (observatory.analysis.maps), without a warehouse: classes, palettes, projection,
escaping of labels and links."""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from observatory.analysis import map_classes, map_geometry, maps
from observatory.formats.projection import (
    UTM_ZONES,
    lambert93_point,
    overseas_departement,
    project,
    utm,
)
from tests.conftest import REAL

SOUS_DENSE = map_classes.Threshold(2.5, "sous-dense < 2,5")


def bounds(classification: map_classes.Classification) -> list[tuple[float, float]]:
    return [(c.lower, c.upper) for c in classification.classes]


# --- classes ---------------------------------------------------------------------------------


def test_quantiles_put_as_many_values_in_each_class():
    # mapclassify.Quantiles(1..10, k=5).bins == [2.8, 4.6, 6.4, 8.2, 10]
    result = map_classes.classify([float(v) for v in range(1, 11)], "quantiles", 5)
    assert bounds(result) == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert result.assignments == (0, 0, 1, 1, 2, 2, 3, 3, 4, 4)
    assert map_classes.scheme_text(result) == "5 classes, quantiles"


def test_natural_breaks_find_the_gaps():
    values = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 30.0, 31.0]
    result = map_classes.classify(values, "natural breaks", 3)
    assert bounds(result) == [(1, 3), (10, 12), (30, 31)]
    assert map_classes.scheme_text(result) == "3 classes, seuils naturels (Fisher-Jenks)"


def test_few_distinct_values_give_fewer_classes():
    result = map_classes.classify([1.0, 1.0, 2.0, 2.0, 2.0], "natural breaks", 5)
    assert bounds(result) == [(1, 1), (2, 2)]
    assert bounds(map_classes.classify([4.0, 4.0], "quantiles", 5)) == [(4, 4)]
    assert map_classes.classify([None, None], "quantiles").classes == ()


def test_the_apl_threshold_is_a_class_break_named_in_the_legend():
    values = [1.0, 1.5, 2.0, 2.4, 2.6, 3.0, 4.0, 5.0, 6.0]
    for scheme in map_classes.SCHEMES:
        result = map_classes.classify(values, scheme, 3, SOUS_DENSE)
        assert all(c.upper < 2.5 or c.lower >= 2.5 for c in result.classes), scheme
        below = [c for c in result.classes if c.below_threshold]
        assert below and max(c.upper for c in below) == 2.4
        assert [result.classes[a].below_threshold for a in result.assignments] == [
            v < 2.5 for v in values
        ]
        labels = [text for text, _, _ in map_classes.legend_items(result, "apl")]
        assert [("sous-dense < 2,5" in t) for t in labels] == [
            c.below_threshold for c in result.classes
        ]
    # exactly on the threshold: not under-served
    result = map_classes.classify([1.0, 2.5, 3.0], "quantiles", 2, SOUS_DENSE)
    assert not result.classes[result.assignments[1]].below_threshold


def test_missing_values_are_a_hatched_class_of_their_own():
    values = [1.0, None, 3.0, math.nan, 5.0]
    result = map_classes.classify(values, "quantiles", 5)
    assert result.assignments[1] is None and result.assignments[3] is None
    assert result.missing == 2
    assert map_classes.legend_items(result, "km")[-1] == ("donnée absente", "", 2)
    shapes = [
        maps.Shape(str(i), f"C{i}", shapely.box(5 + 0.1 * i, 46, 5.1 + 0.1 * i, 46.1), v)
        for i, v in enumerate(values)
    ]
    html = maps.choropleth("m", shapes, "Distance", "km")
    assert html.count('fill="url(#m-absente)"') == 2
    assert '<pattern id="m-absente"' in html
    assert "C1 : donnée absente" in html and 'class="case absente"' in html


def test_palettes_get_darker_strictly_so_maps_read_in_black_and_white():
    for name, colours in map_classes.PALETTES.items():
        luminance = [map_classes.relative_luminance(c) for c in colours]
        assert all(a > b for a, b in itertools.pairwise(luminance)), name
        for n in range(1, 8):
            chosen = [map_classes.relative_luminance(c) for c in map_classes.class_colours(name, n)]
            assert len(chosen) == n
            assert all(a > b for a, b in itertools.pairwise(chosen)), (name, n)
    assert (
        map_classes.relative_luminance("#ffffff") == 1
        and map_classes.relative_luminance("#000000") == 0
    )


# --- projection ------------------------------------------------------------------------------


def test_lambert93_of_notre_dame_de_paris():
    # 48.853 N 2.3499 E -> PROJ 9.5.1 (pyproj 3.7.2), EPSG:4326 -> EPSG:2154:
    # x = 652 296.97, y = 6 861 636.36
    x, y = lambert93_point(48.853, 2.3499)
    assert abs(x - 652_297) <= 1 and abs(y - 6_861_636) <= 1


def test_reunion_is_projected_in_utm_40_south():
    # Saint-Denis, 20.8789 S 55.4504 E -> PROJ 9.5.1, EPSG:4326 -> EPSG:2975 (RGR92 / UTM 40S):
    # x = 338 807.61, y = 7 690 477.75
    assert overseas_departement(-20.8789, 55.4504) == "974"
    assert overseas_departement(48.853, 2.3499) is None
    assert UTM_ZONES["974"] == (40, True)
    x, y = project(np.array([-20.8789]), np.array([55.4504]), "974")
    assert abs(x[0] - 338_807.61) < 0.5 and abs(y[0] - 7_690_477.75) < 0.5
    assert (x.round(), y.round()) == utm(np.array([-20.8789]), np.array([55.4504]), 40, True)


def test_projection_agrees_with_proj_when_it_is_installed():
    pyproj = pytest.importorskip("pyproj")
    lat = np.array([48.853, 43.3, 50.6, 42.0, 46.0])
    lon = np.array([2.3499, 5.4, 3.06, 9.0, -1.1])
    ours = project(lat, lon)
    theirs = pyproj.Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat)
    assert np.abs(np.array(ours) - np.array(theirs)).max() <= 1
    for code, epsg, (la, lo) in (("974", 2975, (-21.1, 55.5)), ("972", 5490, (14.6, -61.0))):
        ours = project(np.array([la]), np.array([lo]), code)
        theirs = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(lo, la)
        assert np.abs(np.array(ours).ravel() - np.array(theirs)).max() <= 1, code


def test_a_map_of_reunion_is_drawn_in_its_utm_zone():
    geometries = [shapely.box(55.3, -21.2, 55.5, -21.0), shapely.box(55.5, -21.2, 55.7, -21.0)]
    assert map_geometry.projection_of(geometries) == "974"
    assert map_geometry.projection_of([shapely.box(5.0, 46.0, 5.1, 46.1)]) is None


# --- paths -----------------------------------------------------------------------------------


def rings(d: str) -> list[list[tuple[float, float]]]:
    """The absolute points of each subpath of `M x y l dx dy ... z` paths."""
    result = []
    for start, steps in re.findall(r"M([^l]+)l([^z]*)z", d):
        x, y = (float(n) for n in start.split())
        points = [(x, y)]
        numbers = [float(n) for n in steps.split()]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = round(x + dx, 1), round(y + dy, 1)
            points.append((x, y))
        result.append(points)
    return result


def test_paths_are_framed_rounded_and_share_their_borders():
    left, right = shapely.box(5.0, 46.0, 5.07, 46.05), shapely.box(5.07, 46.0, 5.14, 46.05)
    paths, frame = map_geometry.screen_paths([left, right])
    assert frame.width == map_geometry.WIDTH and 0 < frame.height < map_geometry.WIDTH
    points = []
    for d in paths:
        assert d.startswith("M") and d.endswith("z")
        assert all(re.fullmatch(r"-?(\d+|\d*\.\d)", n) for n in re.split(r"[Mlz ]+", d) if n)
        (ring,) = rings(d)
        assert len(ring) == 4
        assert all(0 <= x <= frame.width and 0 <= y <= frame.height for x, y in ring)
        points.append(set(ring))
    # the shared border: the same two points in both paths
    assert len(points[0] & points[1]) == 2


def test_a_detailed_outline_is_simplified_for_the_screen():
    circle = shapely.Point(5.0, 46.0).buffer(0.2, quad_segs=2000)
    (d,), _ = map_geometry.screen_paths([circle])
    assert 20 < len(rings(d)[0]) < 1000
    assert len(d) < 20_000


# --- labels and links ------------------------------------------------------------------------


def test_names_are_escaped_and_only_safe_links_kept():
    box = shapely.box(5.0, 46.0, 5.1, 46.1).wkb
    shapes = [
        maps.Shape("01", "<script>alert(1)</script> & Cie", box, 1.0, href="javascript:x()"),
        maps.Shape("02", 'Saint-"Quote"', box, 2.0, href="/epci/2009?a=1&b=2",
                   data={"niveau": "epci", "nom": "A & <B>"}),
        maps.Shape("03", "Trois", box, None, href="https://example.org/x"),
    ]  # fmt: skip
    html = maps.choropleth(
        "site-<carte>", shapes, "Part <b>", "part", source="Insee & co", licence="Licence <L>"
    )
    assert "<script>" not in html and "<b>" not in html and "<carte>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie : 100,0 %" in html
    assert "javascript:" not in html
    assert (
        '<a href="/epci/2009?a=1&amp;b=2">' in html and '<a href="https://example.org/x">' in html
    )
    assert 'data-niveau="epci" data-nom="A &amp; &lt;B&gt;"' in html
    assert "Source : Insee &amp; co — Licence &lt;L&gt;." in html
    assert html.count('class="mark zone"') == 3 and html.count("<title>") == 4
    with pytest.raises(ValueError, match="data attribute"):
        maps.choropleth("m", [maps.Shape("1", "x", box, 1.0, data={'x" onload="y': "1"})], "", "km")


def test_the_locator_map_highlights_the_territory():
    boxes = [shapely.box(5 + 0.1 * i, 46, 5.1 + 0.1 * i, 46.1) for i in range(4)]
    context = [maps.Shape(str(i), f"C{i}", b) for i, b in enumerate(boxes)]
    html = maps.locator(
        "situation", context, shapely.union_all(boxes[1:3]), "EPCI <x>", inside=[0, 1, 1, 0]
    )
    assert html.count("zone dedans") == 2 and html.count("zone contexte") == 2
    assert 'class="contour"' in html and "EPCI &lt;x&gt;" in html


def test_a_national_map_puts_overseas_departements_in_insets_with_the_same_classes():
    shapes = [
        maps.Shape("01", "Ain", shapely.box(5.0, 45.6, 6.0, 46.5), 1.0, href="/departement/01"),
        maps.Shape("2A", "Corse-du-Sud", shapely.box(8.5, 41.4, 9.4, 42.3), 2.0),
        maps.Shape("69", "Rhône", shapely.box(4.3, 45.4, 5.0, 46.3), 3.0),
        maps.Shape("974", "La Réunion", shapely.box(55.2, -21.4, 55.85, -20.85), 10.0),
        maps.Shape("972", "Martinique", shapely.box(-61.25, 14.4, -60.8, 14.9), None),
    ]
    groups = map_geometry.by_projection(shapes)
    assert {k: [s.code for s in v] for k, v in groups.items()} == {
        None: ["01", "2A", "69"],
        "974": ["974"],
        "972": ["972"],
    }
    every = [s.value for s in shapes]
    inset = maps.choropleth("reunion", groups["974"], "Indicateur", "nombre", k=2,
                            class_values=every)  # fmt: skip
    main = maps.choropleth("metropole", groups[None], "Indicateur", "nombre", k=2,
                           class_values=every)  # fmt: skip
    # the same legend on both maps, Réunion in the darkest class
    legend = re.compile(r'<ul class="legende-carte">.*?</ul>')
    assert legend.search(inset).group(0) == legend.search(main).group(0)
    darkest = map_classes.class_colours("YlOrRd", 2)[-1]
    assert f'fill="{darkest}"' in inset and 'data-code="974"' in inset
    assert main.count('class="mark zone"') == 3 and '<a href="/departement/01">' in main
    # each drawn in its own projection: Réunion's box fills its inset
    width = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', inset).group(1))
    assert width == map_geometry.WIDTH


def test_the_site_s_national_map_draws_overseas_departements_as_insets():
    """site_maps.draw_level: the mainland map, then one inset per overseas département in its
    own projection, coloured by the classes of all the shapes under the one legend."""
    from observatory.analysis import site_maps

    shapes = [
        maps.Shape("01", "Ain", shapely.box(5.0, 45.6, 6.0, 46.5), 1.0, href="departement/01.html"),
        maps.Shape("2A", "Corse-du-Sud", shapely.box(8.5, 41.4, 9.4, 42.3), 2.0),
        maps.Shape("69", "Rhône", shapely.box(4.3, 45.4, 5.0, 46.3), 3.0),
        maps.Shape("974", "La Réunion", shapely.box(55.2, -21.4, 55.85, -20.85), 10.0),
        maps.Shape("972", "Martinique", shapely.box(-61.25, 14.4, -60.8, 14.9), None),
    ]
    indicator = site_maps.MapIndicator("x", "Indicateur", "nombre")
    html = site_maps.draw_level("departement", shapes, indicator, {"974": "La Réunion"})
    assert "<figcaption>La Réunion.</figcaption>" in html
    figures = dict(re.findall(r'<figure class="carte" data-carte="([^"]+)">(.*?)</figure>', html))
    assert list(figures) == [
        "carte-departement",
        "carte-departement-972",
        "carte-departement-974",
    ]
    codes = {k: re.findall(r'data-code="([^"]+)"', v) for k, v in figures.items()}
    assert codes["carte-departement"] == ["01", "2A", "69"]
    assert codes["carte-departement-974"] == ["974"] and codes["carte-departement-972"] == ["972"]
    assert html.count('<ul class="legende-carte">') == 1  # one legend, counting every shape
    legend = re.search(r'<ul class="legende-carte">.*?</ul>', html).group(0)
    assert 'donnée absente <span class="effectif">(1)</span>' in legend
    classification = map_classes.classify([s.value for s in shapes], "quantiles", 5, None, "YlOrRd")
    darkest = classification.classes[-1].colour
    assert f'fill="{darkest}"' in figures["carte-departement-974"]  # Réunion: the largest value
    assert "url(#carte-departement-972-absente)" in figures["carte-departement-972"]
    inset = re.search(r'viewBox="0 0 (\d+) (\d+)"', figures["carte-departement-974"])
    assert int(inset.group(1)) == site_maps.INSET_WIDTH


def test_class_of_any_value_respects_the_threshold():
    result = map_classes.classify([1.0, 2.0, 3.0, 4.0], "quantiles", 2, SOUS_DENSE)
    assert [result.class_of(v) for v in (0.5, 2.49, 2.5, 3.5, 99.0, None)] == [0, 0, 1, 1, 1, None]


CREUSE = REAL / "ign_adminexpress2018_creuse_francegeojson" / "communes-23-creuse.geojson"


@pytest.mark.skipif(not CREUSE.is_file(), reason="../shared/data/real is absent")
def test_the_creuse_real_outlines_make_a_small_map():
    """258 real commune outlines (IGN ADMIN EXPRESS 2018, 25,000 vertices): every commune drawn,
    the map small enough to repeat for each indicator of a report."""
    features = json.loads(CREUSE.read_text("utf-8"))["features"]
    shapes = [
        maps.Shape(f["properties"]["code"], f["properties"]["nom"], shape(f["geometry"]), float(i))
        for i, f in enumerate(features)
    ]
    html = maps.choropleth("creuse", shapes, "Rang", "nombre", scheme="natural breaks")
    paths = re.findall(r' d="([^"]*)"', html)
    assert len(paths) == len(features) == 258 and all(rings(d) for d in paths)
    assert len(html) < 150_000
