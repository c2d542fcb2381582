"""The HTML validation report: one page per run, from a Jinja2 template with autoescape."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import duckdb

from observatory.quality.outcomes import Outcome
from observatory.quality.report import ReportRow, render_report, report_path, write_report
from observatory.quality.results import record
from tests.conftest import make_settings

SCRIPT = "<script>alert('x')</script>"


def _outcome(check: str, success: bool, severity: str = "error", **named) -> Outcome:
    return Outcome(
        "insee_cog_communes",
        "raw.insee__cog_communes",
        2026,
        check,
        "expect_column_values_to_match_regex",
        "com",
        severity,
        success,
        named.pop("message", f"insee_cog_communes 2026, column com: {check}: ok"),
        **named,
    )


def _text(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, whitespace collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_a_value_from_a_checked_file_is_shown_not_run_as_markup(tmp_path):
    """A check message or a sample quoting a value of the file (here a script tag) is escaped:
    the page shows it as text and holds no markup of its own from it."""
    settings = make_settings(tmp_path)
    con = duckdb.connect()
    con.execute("create schema meta")
    failing = _outcome(
        "com_format",
        False,
        message=f"insee_cog_communes 2026, column com: com_format: 1 of 9 row(s) fail ({SCRIPT})",
        unexpected_count=1,
        sample=[SCRIPT],
    )
    record(con, "run-<b>", [failing, _outcome("com_not_null", True)])
    path = write_report(con, settings, "run-<b>")
    page = path.read_text(encoding="utf-8")
    assert path == report_path(settings, "run-<b>")
    assert "<script>" not in page and "<b>" not in page
    assert page.count("&lt;script&gt;") == 2  # the message and the sample
    assert "Run <code>run-&lt;b&gt;</code>, 2 results" in page
    text = _text(page)
    assert "1 passed 1 failed (blocking) 0 warnings" in text
    assert "FAILED" in text and "passed" in text


def test_failures_come_first_and_every_column_is_shown():
    """Rows as the results table orders them, each with its eleven cells; a warning is not a
    blocking failure; an empty sample and a missing millésime or count show as blanks."""
    rows = [
        ReportRow(
            "marts.population",
            None,
            "grain_unique",
            "expect_compound_columns_to_be_unique",
            "niveau, code_territoire",
            "warn",
            False,
            3,
            '[{"niveau": "commune"}]',
            "marts.population: grain_unique: 3 of 10 row(s)",
            "great_expectations",
        ),
        ReportRow(
            "marts.population",
            None,
            "niveau_not_null",
            "expect_column_values_to_not_be_null",
            "niveau",
            "error",
            True,
            None,
            "[]",
            "marts.population, column niveau: niveau_not_null: ok",
            "unchanged since run-0",
        ),
    ]
    page = render_report("run-1", rows, datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert "written\n2026-01-02 03:04 UTC." in page
    body = page.split("<tbody>", 1)[1]
    cells = re.findall(r"<tr>(.*?)</tr>", body)
    assert len(cells) == 2
    first, second = (re.findall(r"<td>(.*?)</td>", row) for row in cells)
    assert len(first) == len(second) == 11
    assert first[6] == '<span class="warn">WARNING</span>' and first[7] == "3"
    assert first[8] == "[{&#34;niveau&#34;: &#34;commune&#34;}]"
    assert second[1] == "" and second[7] == "" and second[8] == ""
    assert second[6] == '<span class="ok">passed</span>'
    assert "1 passed" in page and "0 failed (blocking)" in page and "1 warnings" in page
