"""The section "Où agir ?" of the profile, the text profile and the report (issue 22, Surfaces).

Its figures are checked against the marts' rows read here with plain SQL from the published file
(not through the analysis queries), the services "lacking most" re-chosen here in Python from
the rule the section states (largest share of the public newly within 10 km, then the largest cut
of the mean distance), and the map's symbols found by parsing the page: on the right communes,
inside their outlines. The section says why it is empty for the levels the marts do not cover
and for a file written before them; the report is laid out in headless chromium.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from html.parser import HTMLParser

import duckdb
import pytest
import shapely

from observatory.analysis import implantations as module
from observatory.analysis.formatting import format_value
from observatory.analysis.map_data import load_map_data
from observatory.analysis.profile import Profile, load_profile
from observatory.analysis.report import Navigation, render_html
from observatory.cli.profile_text import render_text
from observatory.warehouse import READER_CONFIG
from tests.test_analyst import report_in_chromium

ABSENT_LEVEL = "ne sont calculés que pour les départements"


@pytest.fixture(scope="module")
def epci(published: duckdb.DuckDBPyConnection) -> str:
    """The sample EPCI with the most communes: the largest map."""
    return published.execute(
        "select code_territoire from marts.territoires where niveau = 'epci' "
        "order by nb_communes desc, code_territoire limit 1"
    ).fetchall()[0][0]


@pytest.fixture(scope="module")
def profile(published: duckdb.DuckDBPyConnection, epci: str) -> Profile:
    return load_profile(published, epci, "epci")


def names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select code_territoire, libelle from marts.territoires where niveau = 'commune'"
        ).fetchall()
    )


def mart_rows(con: duckdb.DuckDBPyConnection, table: str, niveau: str, code: str) -> list[dict]:
    cursor = con.execute(
        f"select * from marts.{table} where niveau = ? and code_territoire = ?", [niveau, code]
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def lacking_most(rows: list[dict]) -> list[str]:
    """The services the section must show, chosen here from the stated rule."""
    firsts = [r for r in rows if r["nombre_implantations"] == 1 and r["gain_distance_km"] > 0]
    firsts.sort(
        key=lambda r: (
            -(r["population_nouvelle_10_km"] / r["population_demande"]),
            -r["gain_distance_km"],
            r["libelle_regroupement"],
            r["code_regroupement"],
        )
    )
    return [r["code_regroupement"] for r in firsts[: module.SERVICES_MAX]]


def covered_territories(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "select distinct niveau, code_territoire from marts.territoires "
        "where niveau not in ('commune', 'region', 'france') order by 1, 2"
    ).fetchall()


def test_the_services_shown_are_those_lacking_most_with_the_marts_figures(published):
    communes = names(published)
    checked = 0
    for niveau, code in covered_territories(published):
        rows = mart_rows(published, "implantations__services", niveau, code)
        chosen = lacking_most(rows)
        shown = load_profile(published, code, niveau).implantations.services
        assert [s.code_regroupement for s in shown] == chosen, (niveau, code)
        for service in shown:
            mine = [r for r in rows if r["code_regroupement"] == service.code_regroupement]
            for k in (1, 2, 3):
                expected = sorted(
                    (r for r in mine if r["nombre_implantations"] == k), key=lambda r: r["rang"]
                )
                got = service.sets.get(k, ())
                assert [s.code_commune for s in got] == [r["code_commune"] for r in expected]
                for site, row in zip(got, expected, strict=True):
                    assert site.commune == communes[row["code_commune"]]
                    assert site.distance_avant_km == row["distance_moyenne_avant_km"]
                    assert site.distance_apres_km == row["distance_moyenne_apres_km"]
                    assert site.nouvelle_10_km == row["population_nouvelle_10_km"]
                    assert site.nouvelle_20_km == row["population_nouvelle_20_km"]
            checked += 1
    assert checked >= 20  # 14 covered territories in the sample, five services each


def test_the_text_profile_shows_each_service_s_best_site_and_the_useful_larger_sets(
    published, epci, profile
):
    text = render_text(profile)
    section = text[text.index("Où agir ?") : text.index("\nPopulation\n")]
    rows = mart_rows(published, "implantations__services", "epci", epci)
    communes = names(published)
    for code in lacking_most(rows):
        (best,) = [
            r for r in rows if r["code_regroupement"] == code and r["nombre_implantations"] == 1
        ]
        line = next(
            li for li in section.splitlines() if li.startswith(best["libelle_regroupement"])
        )
        assert f"{communes[best['code_commune']]} ({best['code_commune']})" in line
        assert "+" + format_value(best["population_nouvelle_10_km"], "nombre") in line
        assert "+" + format_value(best["population_nouvelle_20_km"], "nombre") in line
        before = format_value(best["distance_moyenne_avant_km"], "km")
        assert f"{before} → {format_value(best['distance_moyenne_apres_km'], 'km')}" in line
        # the sets of 2 and 3: mentioned when each adds a quarter of the first site's cut
        totals = {1: best["gain_distance_km"]}
        for k in (2, 3):
            mine = [
                r for r in rows if r["code_regroupement"] == code and r["nombre_implantations"] == k
            ]
            first = min(mine, key=lambda r: r["rang"])
            last = max(mine, key=lambda r: r["rang"])
            totals[k] = first["distance_moyenne_avant_km"] - last["distance_moyenne_apres_km"]
            said = f"{best['libelle_regroupement']} : avec {k} implantations" in section.replace(
                "\n  ", " "
            )
            assert said == (totals[k] - totals[k - 1] >= 0.25 * totals[1]), (code, k)


def test_the_gp_and_shared_site_choices_are_the_marts_rows(published, epci, profile):
    communes = names(published)
    imp = profile.implantations
    gps = sorted(
        mart_rows(published, "implantations__medecins", "epci", epci), key=lambda r: r["rang"]
    )
    assert len(gps) == 3
    assert [(g.code_commune, g.commune) for g in imp.medecins] == [
        (r["code_commune"], communes[r["code_commune"]]) for r in gps
    ]
    for gp, row in zip(imp.medecins, gps, strict=True):
        assert gp.population_sortie == row["population_sortie_sous_densite"]
        assert (gp.apl_avant, gp.apl_apres) == (row["apl_mg_avant"], row["apl_mg_apres"])
        assert gp.reduction_deficit == row["reduction_deficit"]
    sites = sorted(
        mart_rows(published, "implantations__mutualisation", "epci", epci), key=lambda r: r["rang"]
    )
    assert sites and [s.code_commune for s in imp.mutualisation] == [
        r["code_commune"] for r in sites
    ]
    text = render_text(profile)
    for gp in gps:
        apl = (
            f"{format_value(gp['apl_mg_avant'], 'apl')} → {format_value(gp['apl_mg_apres'], 'apl')}"
        )
        line = next(
            li for li in text.splitlines() if li.startswith(f"{gp['rang']}  ") and apl in li
        )
        assert communes[gp["code_commune"]] in line
    for site in sites:
        assert f"+{format_value(site['population_gagnee'], 'nombre')} (" in text
        hosted = (
            f"{communes[site['code_commune']]} accueillerait : {site['services_a_accueillir']}."
        )
        assert hosted in " ".join(text.split())


def test_competing_facilities_are_listed_with_both_communes(published):
    rows = published.execute(
        "select niveau, code_territoire, count(*) from marts.implantations__chevauchements "
        "group by all order by 3 desc, 1, 2 limit 1"
    ).fetchall()
    assert rows, "the sample has competing facilities"
    niveau, code, count = rows[0]
    communes = names(published)
    imp = load_profile(published, code, niveau).implantations
    assert imp.nb_chevauchements == count
    expected = mart_rows(published, "implantations__chevauchements", niveau, code)
    assert {
        (o.code_commune, o.code_concurrente, o.population_exclusive) for o in imp.chevauchements
    } == {
        (r["code_commune"], r["code_commune_concurrente"], r["population_exclusive"])
        for r in expected
    }
    assert all(o.concurrente == communes[o.code_concurrente] for o in imp.chevauchements)
    text = render_text(load_profile(published, code, niveau))
    assert "Équipements en concurrence dans un bassin de vie" in text


@pytest.mark.parametrize("niveau", ["commune", "region", "france", "departement", "bv2022", "pays"])
def test_the_section_is_there_at_every_level_and_says_why_when_not_computed(published, niveau):
    code = published.execute(
        "select min(code_territoire) from marts.territoires where niveau = ?", [niveau]
    ).fetchall()[0][0]
    profile = load_profile(published, code, niveau)
    text = render_text(profile)
    page = render_html(profile)
    assert "Où agir ?" in text and 'id="ou-agir"' in page
    covered = niveau not in module.NIVEAUX_NON_COUVERTS
    assert ("Un équipement de plus" in text) == covered
    assert (ABSENT_LEVEL in text) == (not covered)
    assert (ABSENT_LEVEL in " ".join(page.split())) == (not covered)
    has_rows = published.execute(
        "select count(*) from marts.implantations__services where niveau = ? "
        "and code_territoire = ?",
        [niveau, code],
    ).fetchall()[0][0]
    assert bool(has_rows) == covered  # the marts cover exactly the levels the section says


def test_a_file_without_the_marts_says_so(sample_build, tmp_path):
    settings, _ = sample_build
    copy = tmp_path / "ancien.duckdb"
    shutil.copy(settings.published_path, copy)
    with duckdb.connect(str(copy)) as con:
        for table in ("services", "medecins", "mutualisation", "chevauchements"):
            con.execute(f"drop table marts.implantations__{table}")
    with duckdb.connect(str(copy), read_only=True, config=dict(READER_CONFIG)) as con:
        code = con.execute(
            "select min(code_territoire) from marts.territoires where niveau = 'epci'"
        )
        profile = load_profile(con, code.fetchall()[0][0], "epci")
    assert not profile.implantations.published and not profile.implantations.services
    assert "ne contient pas les tables « où agir »" in render_text(profile)


class Candidates(HTMLParser):
    """The `<g class="candidat">` symbols of the "Où agir ?" map, their shape's centre, and the
    outline of every commune of that map."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.current: tuple[str, str] | None = None
        self.symbols: list[tuple[str, str, float, float]] = []
        self.zones: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and a.get("data-carte") == "carte-ou-agir":
            self.inside = True
        if not self.inside:
            return
        if tag == "path" and "zone" in (a.get("class") or ""):
            self.zones[a["data-code"]] = a["d"]
        elif tag == "g" and a.get("class") == "candidat":
            self.current = (a["data-code"], a["data-role"])
        elif self.current and tag == "circle":
            self.symbols.append((*self.current, float(a["cx"]), float(a["cy"])))
        elif self.current and tag == "rect":
            x = float(a["x"]) + float(a["width"]) / 2
            self.symbols.append((*self.current, x, float(a["y"]) + float(a["height"]) / 2))
        elif self.current and tag == "path":
            points = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", a["d"])]
            xs, ys = points[0::2], points[1::2]
            self.symbols.append((*self.current, sum(xs) / 4, sum(ys) / 4))

    def handle_endtag(self, tag):
        if tag == "g":
            self.current = None
        if tag == "figure":
            self.inside = False


def outline(d: str) -> shapely.Geometry:
    """An SVG path of map_geometry.svg_paths (`M x y l dx dy ... z` per ring) as a shape."""
    rings = []
    for ring in re.findall(r"M([^z]*)z", d):
        start, rest = ring.split("l") if "l" in ring else (ring, "")
        x, y = (int(v) for v in start.split())
        steps = [int(v) for v in rest.split()]
        points = [(x, y)]
        for dx, dy in zip(steps[0::2], steps[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        rings.append(shapely.Polygon(points).buffer(0))
    return shapely.union_all(rings)


def test_the_map_marks_the_candidate_communes(published, epci, profile):
    page = render_html(profile, map_data=load_map_data(published, profile))
    parser = Candidates()
    parser.feed(page)
    rows = mart_rows(published, "implantations__services", "epci", epci)
    chosen = set(lacking_most(rows))
    expected = {
        (r["code_commune"], "service")
        for r in rows
        if r["code_regroupement"] in chosen and r["nombre_implantations"] == 1
    }
    expected |= {
        (r["code_commune"], "medecin")
        for r in mart_rows(published, "implantations__medecins", "epci", epci)
    }
    expected |= {
        (r["code_commune"], "mutualisation")
        for r in mart_rows(published, "implantations__mutualisation", "epci", epci)
    }
    assert {(code, role) for code, role, _, _ in parser.symbols} == expected
    members = {
        code
        for (code,) in published.execute(
            "select code_commune from marts.territoires__communes "
            "where niveau = 'epci' and code_territoire = ?",
            [epci],
        ).fetchall()
    }
    assert set(parser.zones) == members
    # each commune's symbols sit side by side around a point inside its outline
    centres: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for code, _, x, y in parser.symbols:
        centres[code].append((x, y))
    for code, points in centres.items():
        x = sum(p[0] for p in points) / len(points)
        y = sum(p[1] for p in points) / len(points)
        assert outline(parser.zones[code]).buffer(2).contains(shapely.Point(x, y)), code
    legend = re.search(r'data-carte="carte-ou-agir".*?</figure>', page, re.S).group(0)
    assert {role for _, role in expected} == set(
        re.findall(r'<li class="role" data-role="(\w+)"', legend)
    )


def test_on_a_site_page_the_map_uses_outlines_the_page_defines(published, profile):
    page = render_html(
        profile, map_data=load_map_data(published, profile), site=Navigation(root="../")
    )
    section = page[page.index('data-carte="carte-ou-agir"') :]
    section = section[: section.index("</figure>")]
    used = re.findall(r'<use class="mark zone" data-code="[^"]+" href="#([\w-]+)"', section)
    defined = re.findall(r'<path id="([\w-]+)"', page)
    assert sorted(used) == sorted(defined)  # one shape per commune, each outline defined once


def test_the_report_lays_out_the_map_in_chromium(capsys, sample_build, published, epci, tmp_path):
    dom = report_in_chromium(capsys, sample_build, epci, tmp_path)
    svg = re.search(r'<svg [^>]*data-chart="carte-ou-agir"[^>]*>', dom).group(0)
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', svg))
    communes = published.execute(
        "select count(*) from marts.territoires__communes where niveau = 'epci' "
        "and code_territoire = ?",
        [epci],
    ).fetchall()[0][0]
    assert int(attributes["data-rendered"]) == int(attributes["data-marks"]) == communes
