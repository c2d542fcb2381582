"""The static site (`observatory site`) of the bundled sample's published edition.

Every page of the levels asked is written, every link of every page resolves to a file of the
site, the pages share one stylesheet and one script, and the index's search box works in
Debian's headless chromium, driven through the DevTools protocol over a pipe (no network, no
extra package): a name or a code typed, Enter opens the first result, the console stays silent.
The profiles read in one batch are those read one by one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest

from observatory.analysis import site as site_module
from observatory.analysis.map_data import load_map_data, load_maps_data
from observatory.analysis.profile import load_profile, load_profiles
from observatory.analysis.site import load_site, safe_name, write_site
from observatory.analysis.territories import NIVEAUX, find_territory
from observatory.cli import main
from tests.browser import Browser, BrowserMissing


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def site(sample_build, tmp_path_factory) -> Path:
    settings, summary = sample_build
    assert summary.success, summary.failure
    output = tmp_path_factory.mktemp("site") / "site"
    code = main(["--home", str(settings.home), "site", "-o", str(output)])
    assert code == 0
    return output


class Links(HTMLParser):
    """Every href and src of a page, its <style> elements and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.styles = 0
        self.inline_scripts = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name) is not None:
                self.links.append(values[name])
        if tag == "style":
            self.styles += 1
        if tag == "script" and "src" not in values:
            self.inline_scripts += 1
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def default_levels(published: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = dict(
        published.execute(
            "select niveau, count(*) from marts.territoires group by niveau"
        ).fetchall()
    )
    return {
        niveau: n
        for niveau, n in counts.items()
        if niveau in ("departement", "epci", "bv2022") or niveau not in NIVEAUX
    }


def test_one_page_per_territory_of_the_default_levels(site, published):
    expected = default_levels(published)
    assert set(expected) >= {"departement", "epci", "bv2022"} and len(expected) > 3  # + custom
    for niveau, count in expected.items():
        assert len(list((site / safe_name(niveau)).glob("*.html"))) == count, niveau
    folders = {p.name for p in site.iterdir() if p.is_dir()}
    assert folders == {safe_name(n) for n in expected}
    assert (site / "index.html").is_file()


def test_every_link_of_every_page_resolves(site):
    pages = sorted(site.rglob("*.html"))
    checked = 0
    for page in pages:
        parsed = parse(page)
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue  # the credits' landing pages and licences: the producers' sites
            if link.startswith("#"):  # a map's <use> of an outline defined in the page
                assert link[1:] in parsed.ids, f"{page.relative_to(site)}: {link} not defined"
                continue
            assert not parts.scheme and not parts.netloc, (page, link)
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {link} does not resolve"
            assert site.resolve() in target.parents, (page, link)
            checked += 1
    assert checked > 3 * len(pages)  # stylesheet, script, navigation: not a vacuous check


def test_pages_share_one_stylesheet_and_one_script(site):
    assert (site / "site.css").stat().st_size > 1000 and (site / "site.js").stat().st_size > 500
    for page in list(site.glob("*/*.html"))[:50]:
        found = parse(page)
        assert "../site.css" in found.links and "../site.js" in found.links, page
        assert found.styles == 0 and found.inline_scripts == 0, page
    index = parse(site / "index.html")
    assert {"site.css", "site.js", "territoires.js"} <= set(index.links)
    assert index.styles == 0 and index.inline_scripts == 0


def test_a_page_is_the_report_with_its_navigation(site, published):
    departement, region = published.execute(
        "select code_territoire, code_region from marts.territoires "
        "where niveau = 'departement' order by 1 limit 1"
    ).fetchone()
    epci = published.execute(
        "select code_territoire from marts.territoires where niveau = 'epci' "
        "and code_departement = ? order by 1 limit 1",
        [departement],
    ).fetchone()[0]
    page = (site / "epci" / f"{epci}.html").read_text(encoding="utf-8")
    assert "Diagnostic territorial" in page and '<svg class="chart"' in page
    assert f'href="../departement/{departement}.html"' in page  # its parent
    assert f"région {region}" in page  # named, not linked: no région pages by default
    assert "../region/" not in page
    dep = (site / "departement" / f"{departement}.html").read_text(encoding="utf-8")
    assert f'href="../epci/{epci}.html"' in dep  # a child
    # its neighbours: every EPCI sharing a border with it (marts.territoires__voisins)
    voisins = [
        code
        for (code,) in published.execute(
            "select code_voisin from marts.territoires__voisins "
            "where niveau = 'epci' and code_territoire = ? order by 1",
            [epci],
        ).fetchall()
    ]
    assert voisins
    block = page[page.index('class="site-voisins"') :]
    block = block[: block.index("</p>")]
    assert sorted(re.findall(r'href="\.\./epci/([^"]+)\.html"', block)) == voisins


def epci_with_communes(published: duckdb.DuckDBPyConnection) -> tuple[str, list[str]]:
    """The sample EPCI with the most communes, and its communes' codes."""
    epci = published.execute(
        "select code_territoire from marts.territoires__communes where niveau = 'epci' "
        "group by 1 order by count(*) desc, 1 limit 1"
    ).fetchone()[0]
    communes = [
        code
        for (code,) in published.execute(
            "select code_commune from marts.territoires__communes "
            "where niveau = 'epci' and code_territoire = ? order by 1",
            [epci],
        ).fetchall()
    ]
    return epci, communes


def test_a_page_carries_the_commune_maps_of_its_territory(site, published):
    """Each commune map of an EPCI's page has one shape per commune of the EPCI (a <use> of
    the outline the page defines once), a title naming it and a legend; the locator map too."""
    epci, communes = epci_with_communes(published)
    assert len(communes) > 1
    page = (site / "epci" / f"{epci}.html").read_text(encoding="utf-8")
    assert "observatory report" not in page  # the maps are here, not in a command to run
    figures = dict(
        re.findall(r'<figure class="carte[^"]*" data-carte="([^"]+)">(.*?)</figure>', page, re.S)
    )
    # the choropleths ("Où agir ?" marks candidates instead: test_profile_implantations.py)
    maps = {k: v for k, v in figures.items() if k not in ("carte-situation", "carte-ou-agir")}
    assert {
        "carte-distance-D265",
        "carte-distance-D307",
        "carte-apl_mg",
        "carte-part_75_ans_et_plus",
        "carte-variation_population",
    } <= set(maps)
    defined = dict(re.findall(r'<path id="(forme-\d+)" d="([^"]+)"', page))
    assert len(defined) == len(communes)  # each outline written once in the page
    for name, figure in maps.items():
        shapes = re.findall(
            r'<use class="mark zone" data-code="([^"]+)" href="#(forme-\d+)" fill="[^"]+">'
            r"<title>[^<]+ : [^<]+</title></use>",
            figure,
        )
        assert sorted(code for code, _ in shapes) == communes, name
        assert {ref for _, ref in shapes} == set(defined), name
        marks = int(re.search(r'data-marks="(\d+)"', figure).group(1))
        assert marks == len(communes), name
        legend = re.search(r'<ul class="legende-carte">(.*?)</ul>', figure, re.S).group(1)
        assert '<li class="classe">' in legend and "legende-titre" in legend, name
    situation = figures["carte-situation"]
    assert situation.count("zone dedans") == len(communes)


def test_without_a_neighbours_table_the_page_says_so(published, tmp_path):
    data = load_site(published, ["departement"])
    assert data.neighbours is not None  # the sample has them: remove them as an older edition
    data.neighbours = None
    write_site(data, tmp_path / "s")
    page = next((tmp_path / "s" / "departement").glob("*.html")).read_text(encoding="utf-8")
    assert "Voisins non disponibles" in page and "Voisins :" not in page


def test_batched_profiles_are_the_profiles_read_one_by_one(published):
    codes = published.execute(
        "select niveau, code_territoire from ("
        "select niveau, code_territoire, row_number() over (partition by niveau "
        "order by code_territoire) as r from marts.territoires) where r <= 2 "
        "and niveau in ('commune', 'epci', 'bv2022', 'departement', 'region', 'pays') "
        "order by 1, 2"
    ).fetchall()
    territories = [find_territory(published, code, niveau)[0] for niveau, code in codes]
    batch = load_profiles(published, territories)
    assert len(batch) == len(codes) >= 12
    for niveau, code in codes:
        single = load_profile(published, code, niveau)
        assert dataclasses.replace(single, other_levels=()) == batch[(niveau, code)], code
        assert single.population and single.service_densities, code  # not empty profiles


def test_batched_map_data_is_the_map_data_read_one_by_one(published):
    """load_maps_data runs each carte_*.sql once for all territories: the same maps as
    load_map_data's, at every level (France too: too many communes, no locator)."""
    codes = published.execute(
        "select niveau, code_territoire from ("
        "select niveau, code_territoire, row_number() over (partition by niveau "
        "order by code_territoire) as r from marts.territoires) where r <= 2 "
        "and niveau in ('commune', 'epci', 'bv2022', 'departement', 'region', 'pays', 'france') "
        "order by 1, 2"
    ).fetchall()
    profiles = [load_profile(published, code, niveau) for niveau, code in codes]
    batch = load_maps_data(published, profiles)
    assert len(batch) == len(codes) >= 13
    for profile in profiles:
        key = (profile.territory.niveau, profile.territory.code)
        single = load_map_data(published, profile)
        assert single is not None and single == batch[key], key
        if key[0] in ("commune", "epci", "departement"):
            assert single.communes and single.indicators and single.locator, key
    assert batch[("france", "FR")].too_many_communes or len(batch[("france", "FR")].communes)


def test_site_errors_are_one_line(capsys, sample_build, tmp_path):
    settings, _ = sample_build
    code, _, err = run(capsys, settings.home, "site", "-o", str(tmp_path / "s"), "--niveaux", "epc")
    assert code == 1 and "no level 'epc'" in err and "did you mean 'epci'" in err
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, settings.home, "site", "-o", str(busy))
    assert code == 1 and "not empty" in err and (busy / "notes.txt").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, settings.home, "site", "-o", str(a_file))
    assert code == 1 and "is a file" in err
    # a folder that cannot be created (under a file: fails even for root, unlike a chmod)
    code, _, err = run(capsys, settings.home, "site", "-o", str(a_file / "s"))
    assert code == 1 and "cannot be written there" in err, err
    code, _, err = run(capsys, tmp_path / "empty-home", "site", "-o", str(tmp_path / "t"))
    assert code == 1 and "run `observatory build` first" in err


def test_a_new_site_replaces_the_previous_one(capsys, sample_build, tmp_path):
    settings, _ = sample_build
    output = tmp_path / "s"
    code, out, err = run(capsys, settings.home, "site", "-o", str(output), "--niveaux", "epci")
    assert code == 0, err
    assert "pages: " in out and " MB" in out and "time: " in out
    code, _, err = run(capsys, settings.home, "site", "-o", str(output), "--niveaux", "departement")
    assert code == 0, err
    assert not (output / "epci").exists() and (output / "departement").is_dir()


# --- headless chromium, driven over the DevTools protocol ------------------------------------


@pytest.fixture
def browser(tmp_path):
    try:
        opened = Browser(tmp_path / "chromium-profile")
    except BrowserMissing as missing:
        pytest.skip(str(missing))
    yield opened
    opened.close()


def test_browser_driver_sees_script_errors(browser, tmp_path):
    """The console check below is not vacuous: a page that throws is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<script>notAFunction();</script>", encoding="utf-8")
    browser.open(page.as_uri())
    browser.evaluate("1")
    assert any(e["method"] == "Runtime.exceptionThrown" for e in browser.console())


def search_and_open(browser: Browser, site: Path, typed: str) -> tuple[str, str, str]:
    """Type into the index's search box, read the first result, press Enter: (first result's
    text, its href, the title of the page Enter opened)."""
    browser.open((site / "index.html").as_uri())
    assert browser.evaluate("document.activeElement.id") == "recherche"  # autofocus
    browser.type_text(typed)
    text = browser.evaluate("document.querySelector('#resultats a').textContent")
    href = browser.evaluate("document.querySelector('#resultats a').href")
    browser.events.clear()
    browser.press_enter()
    browser.wait_for("Page.loadEventFired")
    return text, href, browser.evaluate("document.title")


def test_index_search_by_name_and_by_code_opens_the_page(browser, site, published):
    assert (site / "index.html").is_file()
    niveau, code, libelle = published.execute(
        "select niveau, code_territoire, libelle from marts.territoires "
        "where niveau = 'epci' and libelle is not null order by length(libelle) desc limit 1"
    ).fetchone()
    text, href, title = search_and_open(browser, site, libelle)
    assert text.startswith(libelle) and code in text
    assert href == (site / niveau / f"{safe_name(code)}.html").as_uri()
    assert title == f"Diagnostic territorial : {libelle} (EPCI {code})"
    assert browser.console() == []
    dep, dep_name = published.execute(
        "select code_territoire, libelle from marts.territoires "
        "where niveau = 'departement' order by code_territoire limit 1"
    ).fetchone()
    text, href, title = search_and_open(browser, site, dep)
    assert href == (site / "departement" / f"{dep}.html").as_uri()
    assert title == f"Diagnostic territorial : {dep_name} (département {dep})"
    # the page's own script ran (its charts laid out) and the console stayed silent
    assert int(browser.evaluate("document.documentElement.getAttribute('data-charts')")) > 0
    # and its link back to the index works
    browser.events.clear()
    browser.evaluate("document.querySelector('.site-accueil a').click()")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("document.title").startswith("Diagnostics territoriaux")
    assert browser.console() == []


def test_a_page_s_commune_maps_are_laid_out_in_the_browser(browser, site, published):
    """In chromium, every commune map of an EPCI page lays out one shape per commune (the
    report's script counts the `<use>` elements it measured) and the console stays silent."""
    epci, communes = epci_with_communes(published)
    browser.open((site / "epci" / f"{epci}.html").as_uri())
    found = json.loads(
        browser.evaluate(
            "JSON.stringify(Array.from(document.querySelectorAll('figure.carte svg.carte-svg'))"
            ".map(s => [s.closest('figure').dataset.carte, s.querySelectorAll('.mark').length,"
            " s.getAttribute('data-marks'), s.getAttribute('data-rendered'),"
            " s.querySelectorAll('use.mark > title').length]))"
        )
    )
    maps = [row for row in found if row[0] != "carte-situation"]
    assert len(maps) >= 5
    for name, shapes, marks, rendered, titles in maps:
        assert shapes == int(marks) == int(rendered) == titles == len(communes), name
    assert browser.console() == []


def test_index_maps_change_with_the_indicator(browser, site, published):
    """Two national maps (départements, EPCI) of the sample's outlines, one shape per territory
    linking to its page; choosing another indicator recolours them and rewrites the legend."""
    browser.open((site / "index.html").as_uri())
    counts = dict(
        published.execute(
            "select niveau, count(*) from marts.territoires__contours "
            "where niveau in ('departement', 'epci') and geometrie is not null group by 1"
        ).fetchall()
    )
    for niveau in ("departement", "epci"):
        shapes = browser.evaluate(
            f"document.querySelectorAll('.carte-nationale[data-niveau={niveau}] path.zone').length"
        )
        assert shapes == counts[niveau] > 0, niveau
    state = (
        "Array.from(document.querySelectorAll('.carte-nationale[data-niveau=epci] path.zone'))"
        ".map(p => p.getAttribute('fill')).join() + '|' + "
        "document.querySelector('.carte-nationale[data-niveau=epci] .legende-titre').textContent"
    )
    before = browser.evaluate(state)
    assert "Médecins généralistes" in before  # the default indicator
    browser.evaluate(
        "var s = document.getElementById('indicateur'); s.value = 'population_municipale';"
        "s.dispatchEvent(new Event('change'))"
    )
    after = browser.evaluate(state)
    assert after != before and "Population municipale" in after
    first = browser.evaluate(
        "document.querySelector('.carte-nationale[data-niveau=departement] a').getAttribute('href')"
    )
    assert (site / first).is_file()
    assert browser.console() == []


def test_pages_rendered_by_worker_processes_are_the_same(published, tmp_path):
    """`workers` > 1 renders in forked processes: the same bytes as in this process."""
    data = load_site(published, ["epci", "departement"])
    at = dt.datetime(2026, 1, 2, 3, 4)
    write_site(data, tmp_path / "one", at)
    write_site(data, tmp_path / "two", at, workers=2)
    pages = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(pages) > 5
    for page in pages:
        assert (tmp_path / "one" / page).read_bytes() == (tmp_path / "two" / page).read_bytes()


def test_a_large_site_is_rendered_by_one_worker_per_core_a_small_one_in_this_process(
    monkeypatch,
):
    monkeypatch.setattr(site_module.sys, "platform", "linux")
    monkeypatch.setattr(site_module.os, "sched_getaffinity", lambda _pid: {0, 1})
    assert site_module.default_workers(14) == 1  # the sample: forking costs more
    assert site_module.default_workers(3288) == 2  # France on 2 cores
    monkeypatch.setattr(site_module.os, "sched_getaffinity", lambda _pid: set(range(64)))
    assert site_module.default_workers(3288) == site_module.MAX_WORKERS
    assert site_module.default_workers(450) == 2  # at least 200 pages each
    monkeypatch.setattr(site_module.sys, "platform", "darwin")
    assert site_module.default_workers(3288) == 1
