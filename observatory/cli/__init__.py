"""`observatory ...`: the command line (top floor: it may import everything below it).

- main.py: the parser, the settings flags and the one-line `error:` for every user error;
- sources.py: `datasets`, `status`, `ingest`;
- building.py: `build`, `validate`, `dev`; progress.py: where a running build is;
- editions.py: `editions`, `rollback`;
- query.py: `query` (one read-only statement on the published file);
- analyst.py: `tables`, `describe`, `profile`, `report` (observatory.analysis);
- profile_text.py: a territory's profile as text tables, for `profile`;
- tables.py: the one text-table printer they all use.
"""

from observatory.cli.main import main

__all__ = ["main"]
