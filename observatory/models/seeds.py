"""Seeds: small reference CSV files committed with the code, loaded as `seeds.<name>` tables.

As in dbt, a seed is data the project owns (here: BPE nomenclature, code correspondence between
editions, gammes) rather than a download. `dbt_like_sql/seeds/seeds.yaml` describes each file;
every column is loaded as text, like raw tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from observatory.models import ModelError

SEEDS_FOLDER = "seeds"


@dataclass(frozen=True)
class Seed:
    path: Path
    name: str
    description: str

    @property
    def table(self) -> str:
        return f"seeds.{self.name}"

    @property
    def display_path(self) -> str:
        """`dbt_like_sql/<folder>/<file>`, as shown to users."""
        return self.path.relative_to(self.path.parents[2]).as_posix()


def load_seeds(sql_dir: Path) -> list[Seed]:
    """Every `<name>.csv` of the seeds folder, each described in seeds.yaml."""
    folder = sql_dir / SEEDS_FOLDER
    if not folder.is_dir():
        return []
    index = folder / "seeds.yaml"
    described = yaml.safe_load(index.read_text(encoding="utf-8")) if index.exists() else {}
    seeds = []
    for path in sorted(folder.glob("*.csv")):
        entry = (described or {}).get(path.stem)
        if not entry or not entry.get("description"):
            raise ModelError(f"{path}: describe the seed `{path.stem}` in {index}")
        seeds.append(Seed(path, path.stem, " ".join(str(entry["description"]).split())))
    unknown = sorted(set(described or {}) - {s.name for s in seeds})
    if unknown:
        raise ModelError(f"{index}: describes seeds without a CSV file: {', '.join(unknown)}")
    return seeds


def load_seed(con: duckdb.DuckDBPyConnection, seed: Seed) -> int:
    con.execute(
        f"create or replace table {seed.table} as select * from read_csv(?, delim = ';', "
        "header = true, all_varchar = true, auto_detect = true, quote = '')",
        [str(seed.path)],
    )
    con.execute(
        f"comment on table {seed.table} is '{seed.description.replace(chr(39), chr(39) * 2)}'"
    )
    return int(con.execute(f"select count(*) from {seed.table}").fetchall()[0][0])
