"""Seeds: small reference CSV files committed with the code, loaded as `seeds.<name>` tables.

As in dbt, a seed is data the project owns (here: BPE nomenclature, code correspondence between
editions, gammes) rather than a download. `dbt_like_sql/seeds/seeds.yaml` describes each file;
every column is loaded as text, like raw tables.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import yaml
from dagster import AssetExecutionContext

from observatory.resources import WRITER_POOL, ObservatoryResource
from observatory.sql_models import ModelError
from observatory.warehouse import writer

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
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(["seeds", self.name])


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


def build_seed_assets(seeds: list[Seed]) -> list[dg.AssetsDefinition]:
    if not seeds:
        return []
    specs = [
        dg.AssetSpec(
            key=s.asset_key,
            description=s.description,
            group_name="seeds",
            owners=["team:observatory"],
            kinds={"duckdb", "csv"},
            skippable=True,
            metadata={"path": s.path.relative_to(s.path.parent.parent.parent).as_posix()},
        )
        for s in seeds
    ]

    @dg.multi_asset(specs=specs, can_subset=True, pool=WRITER_POOL, name="seeds")
    def seed_tables(
        context: AssetExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.MaterializeResult]:
        with writer(observatory.settings()) as con:
            for seed in seeds:
                if seed.asset_key in context.selected_asset_keys:
                    rows = load_seed(con, seed)
                    yield dg.MaterializeResult(
                        asset_key=seed.asset_key, metadata={"dagster/row_count": rows}
                    )

    return [seed_tables]
