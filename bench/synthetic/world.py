"""What every writer shares: the geography, the plans drawn from it, a DuckDB, a scratch folder.

The BPE facility plan and the health workforce are drawn once and shared, because several files
describe them (the BPE counts general practitioners that the Annuaire santé lists; ameli and
DREES give the ages of the same practitioners by département).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from bench.synthetic.files import connect
from bench.synthetic.geography import Geography

if TYPE_CHECKING:
    from bench.synthetic.bpe import FacilityPlan
    from bench.synthetic.sante import HealthPlan


@dataclass
class World:
    geo: Geography
    scratch: Path
    con: duckdb.DuckDBPyConnection = field(default_factory=connect)
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip")
    )
    deferred: dict[Path, Future[float]] = field(default_factory=dict)

    @cached_property
    def health(self) -> HealthPlan:
        from bench.synthetic.sante import draw_health

        return draw_health(self.geo)

    @cached_property
    def cells(self) -> np.ndarray:
        """The Voronoi cell of every place, drawn once for the outlines of every millésime."""
        from bench.synthetic.contours import draw_cells

        return draw_cells(self.geo)

    @cached_property
    def facilities(self) -> FacilityPlan:
        from bench.synthetic.bpe import draw_facilities

        return draw_facilities(self.geo, self.health)

    def defer(self, target: Path, job: Callable[[], None]) -> None:
        """Finish writing `target` in the background (zlib releases the GIL): compressing a
        1.4 GB BPE member takes as long as generating it, so it overlaps the next file."""

        def timed() -> float:
            begin = time.perf_counter()
            job()
            return time.perf_counter() - begin

        self.deferred[target] = self.background.submit(timed)

    def scratch_file(self, name: str) -> Path:
        self.scratch.mkdir(parents=True, exist_ok=True)
        return self.scratch / name
