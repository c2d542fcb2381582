"""The analysts' side of the published warehouse: `tables`, `describe`, `profile`, `report`.

Figures are recomputed here from the published tables by another route (commune rows summed
over the territory's communes, shares rebuilt from age bands), never copied from the profile's
own output. The report is opened in Debian's chromium, headless: its charts must have been laid
out with the expected number of bars and points, and the console must stay silent.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from observatory.analysis.profile import LIBELLES_PRODUCTEURS, Profile, load_profile
from observatory.cli import main
from tests.conftest import REPOSITORY

CHROMIUM = Path("/usr/bin/chromium")


def run(capsys: pytest.CaptureFixture[str], settings, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(settings.home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def french(value: float, decimals: int = 0) -> str:
    """French number formatting, written again here (narrow no-break space, decimal comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


@pytest.fixture(scope="module")
def epci(published: duckdb.DuckDBPyConnection) -> str:
    """The sample EPCI with the most general practitioners (the richest profile)."""
    return published.execute(
        "select den.code_territoire from marts.sante__densite as den "
        "where den.niveau = 'epci' and den.profession = 'medecin_generaliste' "
        "and den.mode = 'ensemble' order by den.effectif desc, den.code_territoire limit 1"
    ).fetchall()[0][0]


@pytest.fixture(scope="module")
def epci_profile(published: duckdb.DuckDBPyConnection, epci: str) -> Profile:
    return load_profile(published, epci, "epci")


def summed_over_communes(con: duckdb.DuckDBPyConnection, niveau: str, code: str, sql: str):
    """Run `sql` (which reads `membres(code_commune)`) over the territory's member communes."""
    return con.execute(
        "with membres as (select tc.code_commune from marts.territoires__communes as tc "
        "where tc.niveau = $niveau and tc.code_territoire = $code) " + sql,
        {"niveau": niveau, "code": code},
    ).fetchall()[0]


# --- tables / describe -----------------------------------------------------------------------


def test_tables_lists_every_published_table_with_rows_and_description(
    capsys, sample_build, published
):
    settings, _ = sample_build
    code, out, err = run(capsys, settings, "tables")
    assert code == 0, err
    expected = published.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = current_database() order by 1"
    ).fetchall()
    lines = {line.split()[0]: line for line in out.splitlines() if "." in line.split(" ")[0]}
    for (table,) in expected:
        rows = published.execute(f"select count(*) from {table}").fetchall()[0][0]
        assert table in lines, table
        assert f"{rows:,}".replace(",", " ") in lines[table], lines[table]
    assert "Population of every territory at every level" in lines["marts.population"]


def test_describe_shows_the_grain_of_the_sql_model_and_every_column(
    capsys, sample_build, published
):
    settings, _ = sample_build
    code, out, err = run(capsys, settings, "describe", "population")  # schema may be left out
    assert code == 0, err
    header = (REPOSITORY / "dbt_like_sql/marts/population.sql").read_text(encoding="utf-8")
    grain = re.search(r"^-- grain: (.+)$", header, re.MULTILINE).group(1).strip()
    rows = published.execute("select count(*) from marts.population").fetchall()[0][0]
    assert out.splitlines()[0] == f"marts.population (table, {rows} rows)"
    assert f"grain: {grain}" in out
    columns = published.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'population' order by ordinal_position"
    ).fetchall()
    body = out.split("grain:", 1)[1]
    for name, data_type in columns:
        assert re.search(rf"^{name}\s+{data_type}\s+\S", body, re.MULTILINE), name


def test_describe_unknown_table_names_the_closest(capsys, sample_build):
    settings, _ = sample_build
    code, out, err = run(capsys, settings, "describe", "marts.populaton")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "marts.population" in err
    code, _, err = run(capsys, settings, "describe", "sante_densite")
    assert code == 1 and "marts.sante__densite" in err


# --- profile -------------------------------------------------------------------------------------


def test_profile_of_an_epci_against_its_departement_and_france(published, epci, epci_profile):
    profile = epci_profile
    departement = published.execute(
        "select code_departement from marts.territoires where niveau = 'epci' "
        "and code_territoire = ?",
        [epci],
    ).fetchall()[0][0]
    assert [(r.niveau, r.code) for r in profile.references] == [
        ("epci", epci),
        ("departement", departement),
        ("france", "FR"),
    ]

    # population: communes summed, first and last millésime
    first, last = published.execute(
        "select min(millesime), max(millesime) from marts.population"
    ).fetchall()[0]
    start, end = summed_over_communes(
        published,
        "epci",
        epci,
        f"select sum(p.population_municipale) filter (where p.millesime = {first}), "
        f"sum(p.population_municipale) filter (where p.millesime = {last}) "
        "from marts.population as p join membres as m on p.code_territoire = m.code_commune "
        "where p.niveau = 'commune'",
    )
    indicators = {c.code: c for c in profile.population_indicators}
    assert indicators["population_municipale"].values[0] == end
    assert indicators["variation_population"].values[0] == pytest.approx(
        100 * (end - start) / start, abs=0.01
    )
    assert [p.millesime for p in profile.population] == list(range(first, last + 1))

    # density of the gamme de proximité, latest BPE edition, for the EPCI and its département
    edition = published.execute("select max(millesime) from marts.services__gammes").fetchall()[0][
        0
    ]
    densities = {c.code: c for c in profile.service_densities}
    for rang, (niveau, code) in enumerate([("epci", epci), ("departement", departement)]):
        facilities, population = summed_over_communes(
            published,
            niveau,
            code,
            "select (select sum(d.nb_equipements) from marts.services__densite as d "
            "join membres as m on d.code_territoire = m.code_commune where d.niveau = 'commune' "
            f"and d.millesime = {edition} and d.type_agregat = 'gamme' "
            "and d.code_agregat = 'proximite'), "
            "(select sum(g.population_municipale) from marts.services__gammes as g "
            "join membres as m on g.code_territoire = m.code_commune where g.niveau = 'commune' "
            f"and g.millesime = {edition} and g.gamme = 'proximite')",
        )
        assert densities["proximite"].values[rang] == pytest.approx(
            10000 * facilities / population, abs=1e-3
        )

    # GP density: practitioners of the communes over their population in force
    extraction, population_year = published.execute(
        "select max(millesime), max(millesime_population) from marts.sante__densite"
    ).fetchall()[0]
    gps, population = summed_over_communes(
        published,
        "epci",
        epci,
        "select (select sum(d.effectif) from marts.sante__densite as d join membres as m "
        "on d.code_territoire = m.code_commune where d.niveau = 'commune' and d.mode = 'ensemble' "
        f"and d.profession = 'medecin_generaliste' and d.millesime = {extraction}), "
        "(select sum(p.population_municipale) from marts.population as p join membres as m "
        f"on p.code_territoire = m.code_commune where p.niveau = 'commune' "
        f"and p.millesime = {population_year})",
    )
    health = {c.code: c for c in profile.health_densities}
    assert health["medecin_generaliste"].values[0] == pytest.approx(
        10000 * gps / population, abs=1e-3
    )
    assert "infirmier" in health

    # share of GPs aged 60+: rebuilt from the bands of the latest year, flagged as an estimate
    gp_age = next(a for a in profile.ageing if a.profession == "medecin_generaliste")
    bands = published.execute(
        "select effectif_60_64_ans + effectif_65_ans_et_plus, effectif - effectif_age_inconnu, "
        "estimation from marts.sante__vieillissement where niveau = 'epci' "
        "and code_territoire = ? and profession = 'medecin_generaliste' and source = ? "
        "and annee = ?",
        [epci, gp_age.source, gp_age.annee],
    ).fetchall()[0]
    latest = published.execute(
        "select max(annee) from marts.sante__vieillissement where niveau = 'epci' "
        "and profession = 'medecin_generaliste'"
    ).fetchall()[0][0]
    assert gp_age.annee == latest
    assert gp_age.part_60_ans_et_plus[0] == pytest.approx(bands[0] / bands[1], abs=1e-4)
    assert gp_age.estimation is True and bands[2] is True

    # distance to the nearest bakery: communes' distances weighted by their population
    (mean,) = summed_over_communes(
        published,
        "epci",
        epci,
        "select sum(a.distance_km * a.population_municipale) / sum(a.population_municipale) "
        "from marts.services__acces as a join membres as m on a.code_territoire = m.code_commune "
        f"where a.niveau = 'commune' and a.millesime = {edition} "
        "and a.code_regroupement = 'B207'",
    )
    bakery = next(a for a in profile.access if a.code_regroupement == "B207")
    assert bakery.distances[0] == pytest.approx(mean, abs=0.01)

    # GP accessibility: the mart's row, for the EPCI and France
    apl = published.execute(
        "select niveau, apl_mg from marts.sante__accessibilite_mg where (niveau, code_territoire) "
        "in (('epci', ?), ('france', 'FR')) order by niveau",
        [epci],
    ).fetchall()
    accessibility = {c.code: c for c in profile.accessibility}
    assert accessibility["apl_mg"].values[0] == apl[0][1]
    assert accessibility["apl_mg"].values[-1] == apl[1][1]


def test_profile_command_prints_the_epci_figures(capsys, sample_build, published, epci):
    settings, _ = sample_build
    code, out, err = run(capsys, settings, "profile", epci, "--niveau", "epci")
    assert code == 0, err
    name, population = published.execute(
        "select t.libelle, p.population_municipale from marts.territoires as t "
        "join marts.population as p using (niveau, code_territoire) where t.niveau = 'epci' "
        "and t.code_territoire = ? order by p.millesime desc limit 1",
        [epci],
    ).fetchall()[0]
    gp_density, nurse_density = published.execute(
        "select max(pour_10000_hab) filter (where profession = 'medecin_generaliste'), "
        "max(pour_10000_hab) filter (where profession = 'infirmier') from marts.sante__densite "
        "where niveau = 'epci' and code_territoire = ? and mode = 'ensemble'",
        [epci],
    ).fetchall()[0]
    assert out.startswith(f"Diagnostic territorial : {name} (EPCI {epci})")
    population_line = next(x for x in out.splitlines() if x.startswith("Population municipale"))
    assert french(population) in population_line
    gp_line = next(x for x in out.splitlines() if x.startswith("Médecins généralistes  "))
    nurse_line = next(x for x in out.splitlines() if x.startswith("Infirmiers  "))
    assert french(gp_density, 1) in gp_line and french(nurse_density, 1) in nurse_line
    for section in ("Distance au service le plus proche", "Âge des praticiens", "APL", "Évolution"):
        assert section in out
    assert "Estimation" in out  # EPCI ages are estimates: said in the output


def test_profile_ends_with_the_producers_and_licences(capsys, sample_build, published, epci):
    settings, _ = sample_build
    code, out, err = run(capsys, settings, "profile", epci, "--niveau", "epci")
    assert code == 0, err
    credits = out.split("Producteurs et licences des données\n", 1)[1]
    assert "=" * 20 not in credits.split("\n", 1)[1]  # the last section
    unfolded = " ".join(credits.split())
    assert "échantillon synthétique" in unfolded  # the sample says whose formats it imitates
    rows = published.execute(
        "select title, string_agg(millesime::varchar, ', ' order by millesime), licence, "
        "licence_url from meta.sources group by all"
    ).fetchall()
    assert len(rows) > 10
    for title, millesimes, licence, url in rows:
        assert f"{title} ({millesimes}) — {licence}" in unfolded, title
        assert f"{licence} : {url}" in credits
    assert "Insee — Base permanente des équipements" in unfolded
    assert max(len(line) for line in credits.splitlines()) <= 100  # a 100-column terminal


def test_profile_of_a_commune_gives_its_distances_and_the_departement_ages(published):
    commune, departement = published.execute(
        "select code_territoire, code_departement from marts.territoires "
        "where niveau = 'commune' and code_epci is not null order by code_territoire desc limit 1"
    ).fetchall()[0]
    profile = load_profile(published, commune.lower())  # codes are matched in any case
    assert profile.territory.niveau == "commune" and profile.territory.code == commune
    edition = published.execute("select max(millesime) from marts.services__acces").fetchall()[0][0]
    rows = dict(
        (service, (distance, nearest))
        for service, distance, nearest in published.execute(
            "select a.code_regroupement, a.distance_km, t.libelle from marts.services__acces as a "
            "left join marts.territoires as t on t.niveau = 'commune' "
            "and t.code_territoire = a.code_commune_equipement "
            "where a.niveau = 'commune' and a.code_territoire = ? and a.millesime = ?",
            [commune, edition],
        ).fetchall()
    )
    assert {
        a.code_regroupement: (a.distances[0], a.libelle_commune_equipement) for a in profile.access
    } == rows
    # the marts publish no ages per commune: the bands are the département's
    assert profile.ageing and all(a.rang_tranches == 1 for a in profile.ageing)
    assert all(a.part_60_ans_et_plus[0] is None for a in profile.ageing)
    assert profile.references[1].code == departement


def test_a_code_shared_by_two_levels_and_a_custom_territory(published):
    shared = published.execute(
        "select code_territoire from marts.territoires where niveau = 'bv2022' "
        "intersect select code_territoire from marts.territoires where niveau = 'commune' "
        "order by 1 limit 1"
    ).fetchall()[0][0]
    profile = load_profile(published, shared)
    assert profile.territory.niveau == "commune" and "bv2022" in profile.other_levels
    assert load_profile(published, shared, "bv2022").territory.niveau == "bv2022"
    # a custom territory (no département of its own) is set against the département where
    # most of its population lives
    niveau, code = published.execute(
        "select niveau, code_territoire from marts.territoires where niveau not in "
        "('commune', 'epci', 'bv2022', 'departement', 'region', 'france') order by 2 limit 1"
    ).fetchall()[0]
    expected = published.execute(
        "select c.code_departement from marts.territoires__communes as tc "
        "join marts.territoires as c "
        "on c.niveau = 'commune' and c.code_territoire = tc.code_commune "
        "join marts.population as p "
        "on p.niveau = 'commune' and p.code_territoire = tc.code_commune "
        "and p.millesime = (select max(millesime) from marts.population) "
        "where tc.niveau = ? and tc.code_territoire = ? "
        "group by 1 order by sum(p.population_municipale) desc limit 1",
        [niveau, code],
    ).fetchall()[0][0]
    custom = load_profile(published, code, niveau)
    assert [r.code for r in custom.references] == [code, expected, "FR"]


def test_unknown_code_suggests_territories_by_name(capsys, sample_build, published):
    settings, _ = sample_build
    name = published.execute(
        "select libelle from marts.territoires where niveau = 'commune' order by 1 limit 1"
    ).fetchall()[0][0]
    query = name[:-2]  # a truncated name typed instead of a code
    code, out, err = run(capsys, settings, "profile", query)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: no territory with code {query!r}")
    commune_code = published.execute(
        "select code_territoire from marts.territoires where niveau = 'commune' and libelle = ?",
        [name],
    ).fetchall()[0][0]
    assert f"{commune_code} {name} (commune)" in err
    code, _, err = run(capsys, settings, "report", "99999", "--niveau", "epcci")
    assert code == 1 and "did you mean 'epci'" in err


# --- report --------------------------------------------------------------------------------------


def expected_marks(con: duckdb.DuckDBPyConnection, epci: str) -> dict[str, int]:
    """How many marks each chart must draw, counted from the published tables."""
    departement = con.execute(
        "select code_departement from marts.territoires where niveau = 'epci' "
        "and code_territoire = ?",
        [epci],
    ).fetchall()[0][0]
    refs = [("epci", epci), ("departement", departement), ("france", "FR")]
    edition = con.execute("select max(millesime) from marts.services__gammes").fetchall()[0][0]
    aggregates = con.execute(
        "select count(distinct type_agregat || code_agregat) from marts.services__densite "
        "where millesime = ? and (type_agregat = 'dom' or (type_agregat = 'gamme' "
        "and code_agregat <> 'hors_gamme'))",
        [edition],
    ).fetchall()[0][0]
    professions = con.execute(
        "select count(distinct profession) from marts.sante__densite "
        "where millesime = (select max(millesime) from marts.sante__densite)"
    ).fetchall()[0][0]
    editions = con.execute("select count(distinct millesime) from marts.services__gammes")
    editions = editions.fetchall()[0][0]
    marks = {
        "population": con.execute(
            "select count(*) from marts.population where niveau = 'epci' and code_territoire = ?",
            [epci],
        ).fetchall()[0][0],
        "densites-services": aggregates * len(refs),
        "densites-sante": professions * len(refs),
        "evolution-proximite": editions * len(refs),
        "evolution-intermediaire": editions * len(refs),
        "evolution-superieure": editions * len(refs),
    }
    for gamme in ("proximite", "intermediaire"):
        marks[f"distances-{gamme}"] = con.execute(
            "select count(*) from marts.services__acces where millesime = (select max(millesime) "
            "from marts.services__acces) and gamme = ? and (niveau, code_territoire) in "
            "(select unnest(?::struct(n varchar, c varchar)[], recursive := true))",
            [gamme, [{"n": n, "c": c} for n, c in refs]],
        ).fetchall()[0][0]
    return marks


def test_report_is_one_self_contained_page(capsys, sample_build, published, epci, tmp_path):
    settings, _ = sample_build
    output = tmp_path / "rapport.html"
    code, out, err = run(capsys, settings, "report", epci, "--niveau", "epci", "-o", str(output))
    assert code == 0, err
    assert str(output) in out
    html = output.read_text(encoding="utf-8")
    # nothing fetched from anywhere: no link, no external script or image, no CSS import
    # (`url(#...)`: a pattern of the same SVG, the maps' hatching for missing values)
    assert not re.search(r"<link|<img|<iframe|\ssrc=|@import|url\((?!#)", html)
    # the only addresses: the SVG namespace, and the credits' links (a link fetches nothing)
    credited = {
        url
        for row in published.execute(
            "select licence_url, landing_page from meta.sources"
        ).fetchall()
        for url in row
    }
    addresses = re.findall(r"https?://[^\"' <]+", html)
    assert [a for a in addresses if a not in credited] == ["http://www.w3.org/2000/svg"] * len(
        re.findall("<svg", html)
    )
    declared = {
        k: int(v)
        for k, v in re.findall(r'data-chart="([^"]+)" data-marks="(\d+)"', html)
        if not k.startswith("carte-")  # the maps: test_report_maps_in_headless_chromium
    }
    assert declared.pop("ages") > 0
    assert declared == expected_marks(published, epci)
    assert (
        html.count('<g class="stack">')
        == published.execute(
            "select count(distinct profession) from marts.sante__vieillissement "
            "where niveau = 'epci' and code_territoire = ?",
            [epci],
        ).fetchall()[0][0]
    )
    assert "window.onerror" in html and 'lang="fr"' in html


def chromium_dom(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """Open a page in headless chromium; return the DOM after its scripts ran, and the console
    lines chromium logged (every console message and uncaught error is logged as CONSOLE)."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    command = [
        str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [
        line
        for line in result.stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "console.error" in line
    ]
    return result.stdout, console


def test_browser_check_sees_script_errors(tmp_path):
    """The console check below is not vacuous: a page that throws is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><script>console.error('bad'); notAFunction();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    _, console = chromium_dom(page, tmp_path)
    assert any("Uncaught ReferenceError" in line for line in console), console
    assert any('"bad"' in line for line in console), console


def report_in_chromium(capsys, sample_build, epci: str, tmp_path: Path) -> str:
    """`observatory report` of the EPCI, opened in headless chromium: the DOM after its script
    ran (the console must have stayed silent)."""
    settings, _ = sample_build
    page = tmp_path / "rapport.html"
    code, _, err = run(capsys, settings, "report", epci, "--niveau", "epci", "-o", str(page))
    assert code == 0, err
    dom, console = chromium_dom(page, tmp_path)
    assert console == [], console
    return dom


def test_report_renders_its_charts_in_headless_chromium(
    capsys, sample_build, published, epci, tmp_path
):
    dom = report_in_chromium(capsys, sample_build, epci, tmp_path)
    root = re.search(r"<html[^>]*>", dom).group(0)
    assert "data-erreur" not in root and f'data-charts="{dom.count("<svg ")}"' in root
    charts = re.findall(r"<svg ([^>]*)>", dom)
    attributes = [dict(re.findall(r'([\w-]+)="([^"]*)"', c)) for c in charts]
    rendered = {a["data-chart"]: int(a["data-rendered"]) for a in attributes}
    expected = expected_marks(published, epci)
    for chart, count in expected.items():
        assert rendered[chart] == count, chart
    # the age structure: one 100 % bar per profession, every non-empty band laid out
    ages = next(a for a in attributes if a["data-chart"] == "ages")
    assert int(ages["data-rendered"]) == int(ages["data-marks"]) > 0


def test_report_shows_the_producers_and_licences_in_headless_chromium(
    capsys, sample_build, published, epci, tmp_path
):
    """The attribution is on the page a browser lays out: one row per dataset of meta.sources,
    its producer, millésimes and licence linked to the licence's text."""
    dom = report_in_chromium(capsys, sample_build, epci, tmp_path)
    section = re.search(r'<section id="sources">(.*?)</section>', dom, re.DOTALL)
    assert section, "no credits section in the rendered page"
    assert "<h2>Producteurs et licences des données</h2>" in section.group(1)
    assert dom.index('id="sources"') > dom.index("Évolution d'une édition à l'autre")
    cells = [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row]
        for row in re.findall(
            r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", section.group(1)
        )
    ]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a></td></tr>', section.group(1))
    expected = published.execute(
        "select producer, title, string_agg(millesime::varchar, ', ' order by millesime), "
        "licence, licence_url, dataset_id from meta.sources group by all "
        "order by producer, dataset_id"
    ).fetchall()
    assert len(cells) == len(links) == len(expected) > 10
    for (producer, title, millesimes, licence, url, _), row, link in zip(
        expected, cells, links, strict=True
    ):
        assert row[1:] == [title, millesimes, licence], row
        assert row[0] == LIBELLES_PRODUCTEURS[producer]
        assert html.unescape(link[0]) == url and link[1] == licence


def test_report_maps_in_headless_chromium(capsys, sample_build, published, epci, tmp_path):
    """Each map of the EPCI's report is laid out with one shape per member commune, each with
    its value in a title (the APL's checked against the mart), and a legend; the locator map
    shows the EPCI's communes among those of its département; the console stays silent."""
    settings, _ = sample_build
    page = tmp_path / "rapport.html"
    code, _, err = run(capsys, settings, "report", epci, "--niveau", "epci", "-o", str(page))
    assert code == 0, err
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<link|<img|<iframe|\ssrc=|@import|url\((?!#)", text)
    assert text.count("<svg") == len(re.findall('xmlns="http://www.w3.org/2000/svg"', text))
    dom, console = chromium_dom(page, tmp_path)
    assert console == [], console
    assert "data-erreur" not in re.search(r"<html[^>]*>", dom).group(0)
    members = dict(
        published.execute(
            "select tc.code_commune, ter.libelle from marts.territoires__communes as tc "
            "join marts.territoires as ter on ter.niveau = 'commune' "
            "and ter.code_territoire = tc.code_commune "
            "where tc.niveau = 'epci' and tc.code_territoire = ?",
            [epci],
        ).fetchall()
    )
    departement_communes = published.execute(
        "select count(*) from marts.territoires__communes as tc where tc.niveau = 'departement' "
        "and tc.code_territoire = (select ter.code_departement from marts.territoires as ter "
        "where ter.niveau = 'commune' and ter.code_territoire = ?)",
        [min(members)],
    ).fetchall()[0][0]
    figures = dict(
        re.findall(r'<figure class="carte[^"]*" data-carte="([^"]+)">(.*?)</figure>', dom, re.S)
    )
    maps = {k: v for k, v in figures.items() if k != "carte-situation"}
    assert {
        "carte-distance-D265",
        "carte-distance-D307",
        "carte-apl_mg",
        "carte-part_75_ans_et_plus",
        "carte-variation_population",
    } <= set(maps)
    for name, figure in figures.items():
        svg = dict(re.findall(r'([\w-]+)="([^"]*)"', re.search(r"<svg ([^>]*)>", figure).group(1)))
        width, height = (int(n) for n in svg["data-size"].split("x"))
        assert width > 100 and height > 20, name
        assert int(svg["data-rendered"]) == int(svg["data-marks"]), name
        shapes = re.findall(
            r'<path class="mark zone[^"]*" data-code="([^"]+)"[^>]*><title>', figure
        )
        assert len(shapes) == int(svg["data-marks"]), name
        if name == "carte-situation":  # among the communes of the EPCI's département
            assert figure.count("zone dedans") == len(members)
            assert len(shapes) == departement_communes
            continue
        assert sorted(shapes) == sorted(members), name
        legend = re.search(r'<ul class="legende-carte">(.*?)</ul>', figure, re.S).group(1)
        # "Où agir ?" marks candidate communes with symbols (test_profile_implantations.py)
        kind = '<li class="role"' if name == "carte-ou-agir" else '<li class="classe">'
        assert kind in legend, name
        assert "Source : " in figure and "Licence" in figure, name
        assert "fond : Contours administratifs des communes" in figure, name  # outlines credited
    apl = dict(
        published.execute(
            "select code_territoire, apl_mg from marts.sante__accessibilite_mg "
            "where niveau = 'commune' and millesime = (select max(millesime) "
            "from marts.sante__accessibilite_mg)"
        ).fetchall()
    )
    titles = dict(
        re.findall(r'data-code="([^"]+)"[^>]*><title>([^<]*)</title>', maps["carte-apl_mg"])
    )
    for code, name in members.items():
        value = (
            "donnée absente"
            if apl.get(code) is None
            else f"{french(apl[code], 2)} consultations/an/hab."
        )
        assert html.unescape(titles[code]) == f"{name} : {value}", code
    assert "sous-dense &lt; 2,5" in maps["carte-apl_mg"]


def test_readme_example_queries_run_on_the_sample(published):
    """Every SQL example of the README's section for analysts runs and answers something."""
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    queries = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    assert 4 <= len(queries) <= 6
    for query in queries:
        assert published.execute(query.strip().rstrip(";")).fetchall(), query


def test_a_departement_is_located_in_its_region_and_a_commune_mapped_alone(
    capsys, sample_build, published, tmp_path
):
    settings, _ = sample_build
    figures = {}
    for code, niveau in (("01", "departement"), ("01905", "commune")):
        page = tmp_path / f"{niveau}.html"
        status, _, err = run(capsys, settings, "report", code, "--niveau", niveau, "-o", str(page))
        assert status == 0, err
        figures[niveau] = dict(
            re.findall(
                r'<figure class="carte[^"]*" data-carte="([^"]+)">(.*?)</figure>',
                page.read_text(encoding="utf-8"),
                re.S,
            )
        )
    situation = figures["departement"]["carte-situation"]
    region = published.execute(
        "select code_territoire from marts.territoires where niveau = 'departement' and "
        "code_region = (select code_region from marts.territoires where niveau = 'departement' "
        "and code_territoire = '01') order by 1"
    ).fetchall()
    assert sorted(re.findall(r'data-code="([^"]+)"', situation)) == [c for (c,) in region]
    assert situation.count("zone dedans") == 1
    communes = published.execute(
        "select count(*) from marts.territoires__communes "
        "where niveau = 'departement' and code_territoire = '01'"
    ).fetchall()[0][0]
    apl = figures["departement"]["carte-apl_mg"]
    assert apl.count('class="mark zone"') == communes > 20
    # one commune: one shape, one class, and the locator among its département's communes
    alone = figures["commune"]
    assert alone["carte-apl_mg"].count('class="mark zone"') == 1
    assert "1 classe, quantiles" in alone["carte-apl_mg"]
    assert alone["carte-situation"].count("zone dedans") == 1
    assert alone["carte-situation"].count('class="mark zone') == communes
