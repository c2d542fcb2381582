"""The profile, the report and the text profile open with the diagnostic against comparable
territories and show services against their target populations (issue 21, "Diagnostic summary"
and the report's new sections).

The figures are checked against the marts they come from, recomputed here with plain SQL or
Python rather than through the analysis queries: the group's members from
`marts.territoires__profils`, a median from the members' own values in `marts.services__acces`,
the worst quartile from `marts.territoires__comparaisons`. The report is opened in headless
chromium: its new tables have the rows of the profile and the console stays silent.
"""

from __future__ import annotations

import html
import re
import statistics
from pathlib import Path

import duckdb
import pytest

from observatory.analysis import comparables as comparables_module
from observatory.analysis.profile import Profile, load_profile
from observatory.analysis.report import render_html
from observatory.cli.profile_text import render_text
from tests.test_analyst import chromium_dom, run


@pytest.fixture(scope="module")
def commune(published: duckdb.DuckDBPyConnection) -> str:
    """The sample commune with the most indicators in the worst quartile of its group."""
    return published.execute(
        "select cmp.code_territoire from marts.territoires__comparaisons as cmp "
        "where cmp.niveau = 'commune' and cmp.position = 'defavorable' "
        "group by cmp.code_territoire order by count(*) desc, cmp.code_territoire limit 1"
    ).fetchall()[0][0]


@pytest.fixture(scope="module")
def profile(published: duckdb.DuckDBPyConnection, commune: str) -> Profile:
    return load_profile(published, commune, "commune")


def test_the_group_is_named_and_its_members_are_those_of_the_same_profile(
    published, commune, profile
):
    group = profile.comparables.group
    assert group is not None
    code_groupe, libelle = published.execute(
        "select pro.code_groupe, pro.libelle_groupe from marts.territoires__profils as pro "
        "where pro.niveau = 'commune' and pro.code_territoire = ?",
        [commune],
    ).fetchone()
    assert group.label == libelle and libelle.startswith("Communes ")
    members = {
        code
        for (code,) in published.execute(
            "select pro.code_territoire from marts.territoires__profils as pro "
            "where pro.niveau = 'commune' and pro.code_groupe = ?",
            [code_groupe],
        ).fetchall()
    }
    assert group.size == len(members)
    # the largest members (MEMBRES_MAX at most) and the territory itself
    shown = {m.code for m in group.members}
    assert shown <= members and commune in shown
    assert len(shown - {commune}) >= min(len(members) - 1, comparables_module.MEMBRES_MAX)
    assert [m.code for m in group.members if m.is_territory] == [commune]
    populations = [m.population for m in group.members]
    assert populations == sorted(populations, reverse=True)


def test_a_benchmark_median_is_the_median_of_the_members_own_values(published, profile):
    """The GP distance of the commune's comparables, read from services__acces member by member
    (latest edition), against the profile's benchmark."""
    benchmark = profile.comparables.benchmarks["services_distance:D265"]
    codes = [m.code for m in profile.comparables.group.members]
    values = [
        distance
        for (distance,) in published.execute(
            "select acc.distance_km from marts.services__acces as acc "
            "where acc.niveau = 'commune' and acc.code_regroupement = 'D265' "
            "and acc.millesime = (select max(millesime) from marts.services__acces) "
            "and list_contains(?, acc.code_territoire)",
            [codes],
        ).fetchall()
    ]
    assert len(values) == len(codes) == benchmark.group_size
    assert benchmark.median == pytest.approx(statistics.median(values), abs=1e-6)
    own = next(a for a in profile.access if a.code_regroupement == "D265")
    assert benchmark.value == pytest.approx(own.distances[0], abs=1e-3)


def test_the_diagnostic_lists_the_worst_quartile_by_population_concerned(
    published, commune, profile
):
    rows = published.execute(
        "select cmp.indicateur, cmp.population_concernee, cmp.percentile, cmp.sens "
        "from marts.territoires__comparaisons as cmp "
        "where cmp.niveau = 'commune' and cmp.code_territoire = ? "
        "and cmp.position = 'defavorable'",
        [commune],
    ).fetchall()
    unfavourable = profile.comparables.unfavourable
    assert 0 < len(unfavourable) <= comparables_module.DIAGNOSTIC_MAX
    assert {d.indicateur for d in unfavourable} <= {r[0] for r in rows}
    # the largest populations concerned come first, and none left out is larger
    shown = [d.population or 0 for d in unfavourable]
    assert shown == sorted(shown, reverse=True)
    left_out = [r[1] or 0 for r in rows if r[0] not in {d.indicateur for d in unfavourable}]
    assert all(p <= shown[-1] for p in left_out)
    # each is in the worst quartile, whichever way the indicator reads
    for item in unfavourable:
        assert (item.percentile >= 0.75) if item.sens < 0 else (item.percentile <= 0.25)
    for item in profile.comparables.favourable:
        assert (item.percentile <= 0.25) if item.sens < 0 else (item.percentile >= 0.75)


def test_needs_are_the_marts_figures_for_the_territory_and_each_reference(published, profile):
    assert profile.needs, "the sample has services for children and the very old"
    assert {n.population_cible for n in profile.needs} >= {"0-2", "80+"}
    for need in profile.needs:
        for ref, per_1000, population in zip(
            profile.references, need.facilities_per_1000, need.populations, strict=True
        ):
            found = published.execute(
                "select bes.equipements_pour_1000, bes.population, bes.nb_equipements "
                "from marts.services__besoins as bes where bes.niveau = ? "
                "and bes.code_territoire = ? and bes.code_regroupement = ? "
                "and bes.millesime = ?",
                [ref.niveau, ref.code, need.code_regroupement, need.millesime],
            ).fetchone()
            assert found is not None, (ref, need.code_regroupement)
            assert per_1000 == pytest.approx(found[0], abs=1e-6)
            assert population == pytest.approx(found[1], abs=1e-6)
            if population:
                assert per_1000 == pytest.approx(1000 * found[2] / population, rel=1e-3)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_the_report_and_the_text_profile_open_with_the_diagnostic(profile):
    page = render_html(profile)
    diagnostic = page.index('id="diagnostic"')
    assert diagnostic < page.index("<h2>Population</h2>") < page.index('id="besoins"')
    section = page[diagnostic : page.index("</section>", diagnostic)]
    assert profile.comparables.group.label in _text(section)
    for item in profile.comparables.unfavourable + profile.comparables.favourable:
        assert item.label in _text(section)
    text = render_text(profile)
    assert text.index("Ce qui est satisfaisant") < text.index("Population\n")
    assert profile.comparables.group.label in text
    assert all(n.label in text for n in profile.needs)


def test_the_new_sections_in_headless_chromium(capsys, sample_build, commune, profile, tmp_path):
    settings, _ = sample_build
    page = tmp_path / "rapport.html"
    code, _, err = run(capsys, settings, "report", commune, "--niveau", "commune", "-o", str(page))
    assert code == 0, err
    dom, console = chromium_dom(Path(page), tmp_path)
    assert console == [], console
    diagnostic = dom[
        dom.index('id="diagnostic"') : dom.index("</section>", dom.index('id="diagnostic"'))
    ]
    tables = re.findall(r"<table>.*?</table>", diagnostic, re.S)
    listed = [len(re.findall(r"<tr>", t)) - 1 for t in tables]  # rows minus the header
    assert listed[:2] == [
        len(profile.comparables.unfavourable),
        len(profile.comparables.favourable),
    ]
    needs = dom[dom.index('id="besoins"') : dom.index("</section>", dom.index('id="besoins"'))]
    assert len(re.findall(r"<tr>", needs)) - 1 == len(profile.needs)
