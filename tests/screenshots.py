"""The README's pictures, made again from the bundled sample: `make screenshots`.

Builds the sample in a temporary home, writes one EPCI's report and the static site, and has
headless chromium photograph them into docs/images/ (the top of the report, its maps, the
site's index). Run it after a change to the report or the site, and commit the pictures.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from observatory.cli import main
from tests.browser import Browser, BrowserMissing

REPOSITORY = Path(__file__).resolve().parent.parent
IMAGES = REPOSITORY / "docs" / "images"
EPCI = "200999901"


def _run(*arguments: str) -> None:
    if main(list(arguments)) != 0:
        raise SystemExit(f"observatory {' '.join(arguments)} failed")


def make_screenshots(images: Path = IMAGES) -> list[Path]:
    """Build, render and photograph; the PNG files written."""
    images.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        _run("--home", str(home), "build")
        _run("--home", str(home), "site", "-o", str(home / "site"))
        page = (home / "site" / "epci" / f"{EPCI}.html").as_uri()
        browser = Browser(home / "chromium-profile")
        try:
            shots = []
            browser.open(page)
            shots.append(images / "rapport-epci.png")
            browser.screenshot(shots[-1], height=1500)
            shots.append(images / "rapport-epci-cartes.png")
            browser.screenshot(shots[-1], selector="#cartes", height=2200)
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
