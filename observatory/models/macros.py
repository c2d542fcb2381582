"""`dbt_like_sql/macros/*.sql`: DuckDB macros, created in the warehouse before the models run.

The macros are stored in the warehouse, so every model still runs as it is in the DuckDB CLI.
Their text is part of every model's fingerprint (state.models_context): changing a macro
rebuilds the models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from observatory.models import ModelError

MACROS_FOLDER = "macros"


@dataclass(frozen=True)
class Macro:
    path: Path
    text: str
    """The whole file, comments included (what the fingerprint is made of)."""
    statement: str


def load_macros(root: Path) -> list[Macro]:
    """Every macro file, checked to hold one `create [or replace] macro` statement, in file-name
    order: DuckDB binds a macro's body when it is created, so a macro uses only those before it
    (`distance_km` uses `angle_haversine` and `arc_km`)."""
    macros = []
    for path in sorted((root / MACROS_FOLDER).glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        code = "\n".join(x for x in text.splitlines() if not x.strip().startswith("--")).strip()
        code = code.rstrip(";").strip()
        if not re.match(r"(?is)^create\s+(or\s+replace\s+)?(temp\s+)?macro\s", code) or ";" in code:
            raise ModelError(f"{path}: a macro file holds one `create or replace macro` statement")
        macros.append(Macro(path, text, code))
    return macros
