"""`observatory editions` and `rollback`: the published editions, and going back to one."""

from __future__ import annotations

import argparse
from pathlib import Path

from observatory.cli.tables import format_table
from observatory.publish.editions import list_editions, rollback, stale_link
from observatory.settings import Settings


def _size(path: Path) -> str:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return f"{total / 1024**2:.1f} MB"


def cmd_editions(settings: Settings, _args: argparse.Namespace) -> int:
    editions = list_editions(settings)
    if not editions:
        print(f"no published edition in {settings.published_dir}: run `observatory build`")
        return 0
    rows = [
        (
            e.id,
            e.built_at[:19].replace("T", " "),
            len(e.manifest.get("tables", [])),
            e.rows,
            _size(e.folder),
            "*" if e.current else "",
        )
        for e in reversed(editions)
    ]
    print(format_table(["edition", "built at (UTC)", "tables", "rows", "size", "current"], rows))
    print(
        f"\n{settings.published_path} is the current edition; each edition's folder holds its "
        f"Parquet files and manifest.json ({settings.published_dir / 'editions'})"
    )
    stale = stale_link(settings, editions)
    if stale:
        print(f"warning: {stale}")
    return 0


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    now, before = rollback(settings, args.edition)
    if before is not None and before.id == now.id:
        print(f"edition {now.id} is already the current one")
        return 0
    print(
        f"published edition {now.id} (built {now.built_at[:19]} UTC) is current again"
        + (f", instead of {before.id}" if before else "")
        + f": {settings.published_path}\nthe next `observatory build` publishes the working "
        "warehouse as a new edition"
    )
    return 0
