"""The HTML report (observatory.analysis.report) from a profile written by hand, no warehouse.

The page comes from Jinja2 templates with autoescape on: a name from the data is text, never
markup, wherever it is shown (title, headings, tables, cards, chart labels and legends).
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import shapely

from observatory.analysis.map_data import Locator, LocatorShape, MapCommune, MapData, MapIndicator
from observatory.analysis.profile import (
    Comparison,
    GammeCoverage,
    PopulationYear,
    Profile,
    SourceCredit,
)
from observatory.analysis.report import render_html
from observatory.analysis.territories import Reference, Territory

HOSTILE = "<script>alert('x')</script> Bourg & Cie"


def hostile_profile() -> Profile:
    territory = Territory("pays", "P1", HOSTILE, None, None, 2)
    refs = (
        Reference(0, "territoire", "pays", "P1", HOSTILE),
        Reference(1, "departement", "departement", "01", "Ain & <b>Co</b>"),
        Reference(2, "france", "france", "FR", "France"),
    )
    return Profile(
        territory=territory,
        references=refs,
        other_levels=(),
        source_mode="live",
        cog_millesime="2026",
        millesime_population=2023,
        millesime_bpe=2025,
        millesime_sante=2026,
        millesime_apl=2026,
        population=[PopulationYear(2022, 1000, 0.1, 2), PopulationYear(2023, 990, 0.1, 2)],
        population_indicators=[
            Comparison("population_municipale", "Population", "nombre", (990.0, 5e4, 6e7))
        ],
        service_densities=[Comparison("proximite", "Proximité <i>", "densite", (1.0, 2.0, 3.0))],
        gammes=[GammeCoverage("proximite", "Gamme", 3, (2, 3, 3), (0.5, 0.6, 0.7), HOSTILE)],
        sources=[
            SourceCredit(
                "Ain & <b>Co</b>", HOSTILE, "2024", "L", "https://x.org/?a=1&b=2", "javascript:x()"
            )
        ],
    )


def test_territory_names_are_escaped_everywhere():
    html = render_html(hostile_profile(), dt.datetime(2026, 1, 2, 3, 4))
    assert "<script>alert" not in html  # the only script is the page's own
    assert html.count("<script>") == 1
    assert "<b>Co</b>" not in html and "Proximité <i>" not in html
    assert "Bourg &amp; Cie" in html and "Ain &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert re.search(r"&lt;script&gt;alert\((&#39;|&#x27;)x(&#39;|&#x27;)\)", html)
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("Diagnostic territorial : &lt;script&gt;")
    assert "le 02/01/2026 03:04" in html
    # the credits too: escaped text, and only web addresses become links
    assert 'href="https://x.org/?a=1&amp;b=2"' in html and "javascript:" not in html


def test_a_file_without_meta_sources_says_so_instead_of_crediting_nobody():
    profile = hostile_profile()
    html = render_html(Profile(**{**profile.__dict__, "sources": []}))
    assert "Sources non publiées dans ce fichier" in html


def test_templates_ship_with_the_package():
    templates = resources.files("observatory.analysis") / "templates"
    assert {p.name for p in templates.iterdir()} >= {"report.html.j2", "report.css", "report.js"}


def test_a_report_without_outlines_says_why_it_has_no_maps():
    html = render_html(hostile_profile())
    assert "Pas de cartes : ce fichier publié ne contient pas les contours" in html
    big = MapData((), too_many_communes=True)
    html = render_html(hostile_profile(), map_data=big)
    assert "Pas de cartes par commune pour un territoire de 2 communes" in html


def test_maps_escape_commune_names_in_the_report():
    box = shapely.box(5.0, 46.0, 5.1, 46.1).wkb
    data = MapData(
        (MapCommune("01901", HOSTILE, box), MapCommune("01902", "Ain & <b>Co</b>", None)),
        [
            MapIndicator(
                "apl_mg",
                "APL <i>",
                "apl",
                (1.2, None),
                "Blues",
                "Lire <u>",
                "Insee",
                "S & <s>",
                threshold=2.5,
            )
        ],
        Locator("Dép. <01>", (LocatorShape("01901", HOSTILE, box),), box, frozenset({"01901"})),
    )
    html = render_html(hostile_profile(), map_data=data)
    assert "<script>alert" not in html and "<b>Co</b>" not in html and "<i>" not in html
    assert "Bourg &amp; Cie : 1,20</title>" in html  # (no suffix given)
    assert "1 commune(s) sans contour publié" in html
    assert "sous-dense &lt; 2,5" in html and "Lire &lt;u&gt;" in html
    assert 'data-carte="carte-situation"' in html and "Dép. &lt;01&gt;" in html
