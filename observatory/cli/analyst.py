"""The analysts' commands: `tables`, `describe`, `profile`, `report`, `site` (top floor).

They only read the PUBLISHED file, through a read-only connection, like `observatory query`: an
analyst never opens the working warehouse, and a refresh publishing meanwhile cannot disturb
them. main.py registers them with `add_commands` and lists ANALYST_ERRORS among its USER_ERRORS,
so an unknown table or territory ends with one `error:` line naming the closest matches. Their
queries are `dbt_like_sql/analysis/*.sql` of the settings' SQL folder; their tables are printed
by the one table printer (tables.py).
"""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path

from observatory.analysis.explore import UnknownTableError, describe_table, list_tables
from observatory.analysis.map_data import load_map_data
from observatory.analysis.profile import load_profile
from observatory.analysis.report import render_html
from observatory.analysis.site import (
    INDICATEURS,
    NIVEAUX_PAR_DEFAUT,
    SiteError,
    load_site,
    write_site,
)
from observatory.analysis.territories import NIVEAUX, UnknownTerritoryError
from observatory.cli.profile_text import render_text
from observatory.cli.tables import format_table
from observatory.settings import Settings
from observatory.warehouse import published_reader


class ReportPathError(ValueError):
    """`report -o` names something the report cannot be written as (a folder)."""


ANALYST_ERRORS = (UnknownTableError, UnknownTerritoryError, ReportPathError, SiteError)
"""User errors of these commands, for cli.USER_ERRORS."""


def cmd_tables(settings: Settings, _args: argparse.Namespace) -> int:
    """Every published table, its rows and what it holds (first sentence of its description)."""
    with published_reader(settings) as con:
        tables = list_tables(con, settings.sql_dir)
    print(f"published: {settings.published_path}\n")
    rows = [
        [t.qualified, f"{t.rows:,}".replace(",", " "), t.summary or "(no description)"]
        for t in tables
    ]
    print(format_table(["table", "rows", "description"], rows, right=[1]))
    print("\n`observatory describe TABLE` for its grain and columns")
    return 0


def cmd_describe(settings: Settings, args: argparse.Namespace) -> int:
    """One table's description, grain and columns (name, type, description)."""
    with published_reader(settings) as con:
        table, columns = describe_table(con, args.table, settings.sql_dir)
    rows = f"{table.rows:,}".replace(",", " ")
    print(f"{table.qualified} ({table.kind}, {rows} rows)")
    if table.description:
        print(textwrap.fill(table.description, width=100))
    print(f"grain: {table.grain or '(not stated)'}\n")
    print(
        format_table(
            ["column", "type", "description"],
            [[c.name, c.data_type, c.description] for c in columns],
            right=[],
        )
    )
    return 0


def cmd_profile(settings: Settings, args: argparse.Namespace) -> int:
    """The diagnostic of one territory as text tables."""
    with published_reader(settings) as con:
        profile = load_profile(con, args.code, args.niveau, settings.sql_dir)
    print(render_text(profile), end="")
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """The diagnostic of one territory as one self-contained HTML page."""
    with published_reader(settings) as con:
        profile = load_profile(con, args.code, args.niveau, settings.sql_dir)
        map_data = load_map_data(con, profile, settings.sql_dir)
    territory = profile.territory
    output = Path(args.output or f"profil_{territory.niveau}_{territory.code}.html")
    if not output.parent.is_dir():
        raise FileNotFoundError(f"{output.parent}: no such folder for the report")
    if output.is_dir():
        raise ReportPathError(
            f"{output} is a folder; give the report's file name, e.g. "
            f"-o {output / f'profil_{territory.niveau}_{territory.code}.html'}"
        )
    output.write_text(render_html(profile, map_data=map_data), encoding="utf-8")
    print(
        f"report of {territory.designation}: {output} ({output.stat().st_size // 1024} KB, "
        "self-contained: open it in any browser, offline)"
    )
    return 0


def _count(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def cmd_site(settings: Settings, args: argparse.Namespace) -> int:
    """A static site of every territory of the levels asked: pages, index, search, maps."""
    niveaux = [n.strip() for n in args.niveaux.split(",") if n.strip()] if args.niveaux else None
    started = time.perf_counter()
    with published_reader(settings) as con:
        data = load_site(con, niveaux, args.indicateur, settings.sql_dir)
    read = time.perf_counter() - started
    workers = None if args.workers is None else max(1, args.workers)
    summary = write_site(data, Path(args.output), workers=workers)
    pages = ", ".join(f"{_count(n)} {niveau}" for niveau, n in summary.pages.items())
    print(
        f"site: {summary.output / 'index.html'}\n"
        f"pages: {_count(sum(summary.pages.values()))} ({pages})\n"
        f"files: {_count(summary.files)}, {summary.size_bytes / 1e6:.1f} MB\n"
        f"time: {read + summary.seconds_writing:.1f} s (reading {read:.1f} s, writing "
        f"{summary.seconds_writing:.1f} s)"
    )
    if not summary.neighbours:
        print("neighbours: not in the published edition (marts.territoires__voisins): omitted")
    if not summary.maps:
        print("maps: not available (the index says why)")
    print("open index.html in any browser, offline: no server needed")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the analysts' subcommands on the `observatory` parser."""
    commands.add_parser(
        "tables", help="published tables with their rows and descriptions"
    ).set_defaults(run=cmd_tables)
    describe = commands.add_parser("describe", help="a published table's grain and columns")
    describe.add_argument("table", help="e.g. marts.population (the schema may be left out)")
    describe.set_defaults(run=cmd_describe)
    levels = ", ".join(NIVEAUX)
    for name, run, text in (
        ("profile", cmd_profile, "the diagnostic of one territory, as text"),
        ("report", cmd_report, "the diagnostic of one territory, as a self-contained HTML page"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("code", help="territory code (commune 01053, EPCI SIREN, FR...)")
        command.add_argument(
            "--niveau",
            help=f"level of the code ({levels}, or a custom level) when several share it; "
            "default: the first of these",
        )
        if name == "report":
            command.add_argument(
                "-o", "--output", help="HTML file to write (default profil_<niveau>_<code>.html)"
            )
        command.set_defaults(run=run)
    site = commands.add_parser(
        "site", help="a static site of every territory (index, search, one page each), offline"
    )
    site.add_argument("-o", "--output", required=True, help="folder to write the site into")
    site.add_argument(
        "--niveaux",
        help="comma-separated levels (default: "
        + ",".join(NIVEAUX_PAR_DEFAUT)
        + " and every custom level)",
    )
    site.add_argument(
        "--indicateur",
        choices=list(INDICATEURS),
        help="the indicator the index's maps show first (default medecin_generaliste)",
    )
    site.add_argument(
        "--workers",
        type=int,
        default=None,
        help="render the pages in this many forked processes (default: one per core, at most "
        "4, for a site of 200 pages or more; 1 renders in this process)",
    )
    site.set_defaults(run=cmd_site)
