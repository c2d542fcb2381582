"""The validation report: one run's results as one self-contained HTML page, failures first.

The page is a Jinja2 template (templates/validation_report.html) with autoescape on, so that an
agency can restyle it without touching the code, and so that a value from a checked file (an
offending value, a message quoting one) can never be read as markup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2

from observatory.settings import Settings
from observatory.warehouse import validation_results_of_run

TEMPLATE = "validation_report.html"


@dataclass(frozen=True)
class ReportRow:
    """One result as the report shows it."""

    dataset: str
    millesime: int | None
    check: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    sample: str | None
    message: str
    engine: str

    @property
    def status(self) -> tuple[str, str]:
        """The CSS class and the word of the result."""
        if self.success:
            return "ok", "passed"
        return ("fail", "FAILED") if self.severity == "error" else ("warn", "WARNING")

    @property
    def shown_sample(self) -> str:
        """The stored JSON sample, left blank when there is none."""
        return self.sample if self.sample not in ("[]", "null") and self.sample else ""


def report_path(settings: Settings, run_id: str) -> Path:
    return settings.warehouse_dir / "validation" / f"{run_id}.html"


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("observatory.quality", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template(TEMPLATE)


def render_report(run_id: str, rows: list[ReportRow], written: datetime) -> str:
    """The page of a run's results (rows already in the order shown)."""
    failed = sum(1 for r in rows if not r.success and r.severity == "error")
    warned = sum(1 for r in rows if not r.success and r.severity == "warn")
    return _template().render(
        run_id=run_id,
        rows=rows,
        written=written.strftime("%Y-%m-%d %H:%M UTC"),
        passed=len(rows) - failed - warned,
        failed=failed,
        warned=warned,
    )


def write_report(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> Path:
    """The run's results as one self-contained HTML page (failures first), written atomically."""
    rows = validation_results_of_run(con, run_id)
    page = render_report(run_id, [ReportRow(*r) for r in rows], datetime.now(UTC))
    path = report_path(settings, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(path)
    return path
