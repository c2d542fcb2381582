"""The README's pictures, made again from the bundled sample: `make screenshots`.

Builds the sample in a temporary home, writes one EPCI's report, a commune's report and the
static site, and has headless chromium photograph them into docs/images/ (the top of the EPCI's
report, its maps, its "Où agir ?", the commune's diagnostic against its comparable territories,
the site's index). Run it after a change to the report or the site, and commit the pictures.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb

from observatory.cli import main
from tests.browser import Browser, BrowserMissing

REPOSITORY = Path(__file__).resolve().parent.parent
IMAGES = REPOSITORY / "docs" / "images"
EPCI = "200999901"


def _run(*arguments: str) -> None:
    if main(list(arguments)) != 0:
        raise SystemExit(f"observatory {' '.join(arguments)} failed")


def _commune_with_diagnostic(home: Path) -> str:
    """The sample commune with the most indicators in the worst quartile of its comparables
    (the sample's EPCI have groups too small for quartiles)."""
    published = home / "sample" / "published" / "observatory.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(
            "select cmp.code_territoire from marts.territoires__comparaisons as cmp "
            "where cmp.niveau = 'commune' and cmp.position = 'defavorable' "
            "group by cmp.code_territoire order by count(*) desc, cmp.code_territoire limit 1"
        ).fetchall()[0][0]


def make_screenshots(images: Path = IMAGES) -> list[Path]:
    """Build, render and photograph; the PNG files written."""
    images.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        _run("--home", str(home), "build")
        _run("--home", str(home), "site", "-o", str(home / "site"))
        commune = _commune_with_diagnostic(home)
        report = home / "rapport-commune.html"
        _run("--home", str(home), "report", commune, "--niveau", "commune", "-o", str(report))
        page = (home / "site" / "epci" / f"{EPCI}.html").as_uri()
        browser = Browser(home / "chromium-profile")
        try:
            shots = []
            browser.open(page)
            shots.append(images / "rapport-epci.png")
            browser.screenshot(shots[-1], height=1500)
            shots.append(images / "rapport-epci-cartes.png")
            browser.screenshot(shots[-1], selector="#cartes", height=2200)
            shots.append(images / "rapport-ou-agir.png")
            browser.screenshot(shots[-1], selector="#ou-agir", height=2200)
            browser.open(report.as_uri())
            shots.append(images / "rapport-diagnostic.png")
            browser.screenshot(shots[-1], selector="#diagnostic", height=1500)
            browser.open((home / "site" / "index.html").as_uri())
            shots.append(images / "site-index.png")
            browser.screenshot(shots[-1], height=1500)
        finally:
            browser.close()
    return shots


if __name__ == "__main__":
    try:
        for shot in make_screenshots():
            print(shot.relative_to(REPOSITORY))
    except BrowserMissing as missing:
        sys.exit(f"error: {missing}")
