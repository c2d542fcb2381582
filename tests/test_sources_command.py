"""`observatory sources` and fetch.ask against a real server on 127.0.0.1 (never the internet).

The server misbehaves the ways producers' sites do: a file moved (301, 302), gone (404),
failing (500), an HTML page served with a 200 where data was expected, HEAD refused (405), and
a file unchanged since it was ingested (304 to its ETag).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from observatory import fetch
from observatory.catalog import load_catalog
from observatory.cli.main import main
from observatory.ingest.load import ingest_dataset
from observatory.warehouse import writer
from tests.conftest import REPOSITORY, make_settings
from tests.fetch_support import AnsweringHandler, serve


@dataclass
class Site:
    """Paths -> (status, headers, body); HEAD answers like GET without the body."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    refuse_head: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def publish(self, path: str, body: bytes, etag: str, content_type: str = "text/csv") -> None:
        headers = {
            "ETag": etag,
            "Last-Modified": "Mon, 07 Dec 2026 08:00:00 GMT",
            "Content-Type": content_type,
        }
        self.routes[path] = (200, headers, body)

    def move(self, path: str, status: int, target: str) -> None:
        self.routes[path] = (status, {"Location": target}, b"")

    def fail(self, path: str, status: int) -> None:
        self.routes[path] = (status, {"Content-Type": "text/plain"}, b"oops")


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(AnsweringHandler):
        def refuses_head(self, path: str) -> bool:
            return path in state.refuse_head

        def record(self, headers: dict[str, str]) -> None:
            state.requests.append((self.command, self.path, headers))

        def answer(self, with_body: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.record(headers)
            status, extra, body = state.routes.get(self.path, (404, {}, b"not found"))
            if status == 200 and headers.get("if-none-match") == extra.get("ETag"):
                status, body = 304, b""
            ranged = headers.get("range") == "bytes=0-0" and status == 200
            self.send_response(206 if ranged else status)
            for name, value in extra.items():
                self.send_header(name, value)
            if ranged:
                self.send_header("Content-Range", f"bytes 0-0/{len(body)}")
                body = body[:1]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

    with serve(Handler) as base:
        state.base = base
        yield state


# --- fetch.ask ----------------------------------------------------------------------------------


def test_ask_reports_every_kind_of_answer_without_downloading(site: Site) -> None:
    body = b"codgeo;pmun\n01001;859\n"
    site.publish("/new.csv", body, '"v1"')
    site.move("/old.csv", 301, "/new.csv")
    site.move("/temp.csv", 302, "/old.csv")
    site.fail("/broken.csv", 500)
    site.publish("/page.csv", b"<html>portal</html>", '"p"', content_type="text/html")
    site.publish("/nohead.csv", body, '"v1"')
    site.refuse_head.add("/nohead.csv")

    def ask(path: str, **validators: str) -> fetch.Answer:
        return fetch.ask(site.base + path, label="insee_x 2025", validators=validators)

    ok = ask("/new.csv")
    assert (ok.status, ok.size, ok.etag, ok.problem, ok.moved_to) == (
        200,
        len(body),
        '"v1"',
        None,
        None,
    )
    moved = ask("/temp.csv")
    assert moved.redirects == ((302, site.base + "/old.csv"), (301, site.base + "/new.csv"))
    assert moved.moved_to == site.base + "/new.csv" and moved.problem is None
    assert ask("/missing.csv").problem == "HTTP 404"
    assert ask("/broken.csv").problem == "HTTP 500"
    assert "HTML page instead of data" in (ask("/page.csv").problem or "")
    unchanged = ask("/new.csv", **{"If-None-Match": '"v1"'})
    assert (unchanged.status, unchanged.changed, unchanged.problem) == (304, False, None)
    ranged = ask("/nohead.csv")
    assert (ranged.method, ranged.status, ranged.size) == ("GET", 206, len(body))
    assert ranged.problem is None
    assert all(m == "HEAD" or h.get("range") == "bytes=0-0" for m, _, h in site.requests)


def test_ask_names_dataset_and_url_when_nothing_answers() -> None:
    with pytest.raises(fetch.NetworkError, match=r"insee_x 2025: no answer.*127\.0\.0\.1:9/"):
        fetch.ask("http://127.0.0.1:9/x.csv", label="insee_x 2025", timeout_s=2)


# --- the command --------------------------------------------------------------------------------


def _lay_out_catalog(site: Site) -> dict[tuple[str, int], str]:
    """Every edition of the catalog on the site as a mirror lays it out: `/<host>/<path>`."""
    paths = {}
    for dataset in load_catalog(REPOSITORY / "assets"):
        for edition in dataset.millesimes:
            url = urlsplit(edition.url)
            path = f"/{url.netloc}{url.path}" + (f"?{url.query}" if url.query else "")
            paths[dataset.id, edition.millesime] = path
            sample = REPOSITORY / "assets/sample" / dataset.id / str(edition.millesime)
            site.publish(path, (sample / edition.file_name).read_bytes(), f'"{dataset.id}-1"')
    return paths


def _line(out: str, dataset: str, year: int) -> str:
    """The table row of one dataset-millésime (its first two columns)."""
    [line] = [row for row in out.splitlines() if row.split()[:2] == [dataset, str(year)]]
    return line


def test_sources_command_reports_moved_missing_failing_html_and_unchanged(
    tmp_path, site: Site, capsys, monkeypatch
) -> None:
    paths = _lay_out_catalog(site)
    monkeypatch.setenv("OBSERVATORY_MIRROR_URL", site.base)
    settings = make_settings(
        tmp_path / "home", OBSERVATORY_SOURCE="mirror", OBSERVATORY_MIRROR_URL=site.base
    )
    ingest_dataset(settings, load_catalog(REPOSITORY / "assets").get("insee_cog_regions"))
    site.move(paths["dgcl_epci_composition", 2025], 301, "/elsewhere/epcicom2025-3.xlsx")
    site.publish("/elsewhere/epcicom2025-3.xlsx", b"PK\x03\x04", '"moved"')
    site.fail(paths["insee_bpe", 2023], 500)  # an old edition
    site.fail(paths["drees_demographie", 2026], 404)  # the current one
    site.publish(paths["laposte_codes_postaux", 2026], b"<html>", '"h"', content_type="text/html")
    site.refuse_head.add(paths["insee_bpe_gammes", 2025])
    site.requests.clear()
    cli = ["--home", str(settings.home), "--source", "mirror", "sources"]

    code = main([*cli, "--check"])
    out, err = capsys.readouterr()
    assert code == 1
    assert (
        "current edition(s) unreachable: drees_demographie 2026, laposte_codes_postaux 2026" in err
    )
    assert all(method in ("HEAD", "GET") for method, _, _ in site.requests)
    assert not [h for m, _, h in site.requests if m == "GET" and h.get("range") != "bytes=0-0"]
    regions = _line(out, "insee_cog_regions", 2026)
    assert regions.split()[2] == "304" and regions.endswith(" no")  # unchanged since ingested
    assert "not ingested" in _line(out, "insee_cog_communes", 2026)
    moved = _line(out, "dgcl_epci_composition", 2025)
    assert "301>200" in moved and "moved to " + site.base + "/elsewhere/epcicom2025-3.xlsx" in moved
    assert "UNREACHABLE: HTTP 500" in _line(out, "insee_bpe", 2023)
    assert "UNREACHABLE (current edition): HTTP 404" in _line(out, "drees_demographie", 2026)
    assert "HTML page instead of data" in _line(out, "laposte_codes_postaux", 2026)
    assert "(GET)" in _line(out, "insee_bpe_gammes", 2025)
    assert "observatory ingest DATASET --file PATH" in out  # what to do about it
    assert "drees_demographie 2026: HTTP 404 (" + site.base in out  # dataset, problem, URL

    # A republished file is "changed"; the old edition failing alone does not fail --check.
    region_path = paths["insee_cog_regions", 2026]
    site.publish(region_path, site.routes[region_path][2] + b"\n", '"insee_cog_regions-2"')
    site.publish(paths["drees_demographie", 2026], b"PK\x03\x04", '"d"')
    site.publish(paths["laposte_codes_postaux", 2026], b"a;b\n", '"l"')
    code = main([*cli, "--check"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert _line(out, "insee_cog_regions", 2026).endswith(" yes")
    assert "1 unreachable (0 of them current)" in out

    # Rows of a file ingested by hand are not compared with the source's file.
    manual = settings.manual_dir / "insee_cog_regions" / "2024"
    manual.mkdir(parents=True)
    (manual / "v_region_2024.csv").write_bytes(b"x")
    with writer(settings) as con:
        con.execute(
            "update meta.ingestions set source = ? where dataset_id = 'insee_cog_regions' "
            "and millesime = 2024",
            [str(manual / "v_region_2024.csv")],
        )
    assert main([*cli, "insee_cog_regions"]) == 0
    assert f"ingested from {manual}" in _line(capsys.readouterr().out, "insee_cog_regions", 2024)
    assert main([*cli, "insee_cog_regions"]) == 0
    out, _ = capsys.readouterr()
    assert "insee_bpe " not in out and "2 editions asked" not in out
    assert "3 editions asked" in out
    assert main([*cli, "insee_cog_region"]) == 1
    assert "did you mean insee_cog_regions" in capsys.readouterr().err
