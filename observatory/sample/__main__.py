"""`python -m observatory.sample [--check]`: regenerate the bundled sample, or verify it."""

from __future__ import annotations

import argparse
import sys

from observatory.catalog import load_catalog
from observatory.sample import differences, write
from observatory.settings import default_catalog_dir, load_settings, running_from_clone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observatory.sample", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="only verify that assets/sample matches the generator"
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    if (
        not args.check
        and not running_from_clone()
        and settings.catalog_dir == default_catalog_dir()
    ):
        # the installed package's copy is what its RECORD lists: regenerating it there would
        # leave an installation that no longer matches its wheel
        print(
            f"error: {settings.catalog_dir} belongs to the installed package; regenerate the "
            "sample in a clone (make sample) or set OBSERVATORY_CATALOG_DIR to a copy",
            file=sys.stderr,
        )
        return 1
    catalog = load_catalog(settings.catalog_dir)
    out_dir = settings.catalog_dir / "sample"
    if args.check:
        problems = differences(catalog, out_dir)
        for problem in problems:
            print(problem)
        print("sample is up to date" if not problems else f"{len(problems)} difference(s)")
        return 1 if problems else 0
    written = write(catalog, out_dir)
    print(f"wrote {len(written)} sample files under {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
