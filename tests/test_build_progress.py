"""A long build says where it is (issue 18, part 6): one plain line per finished step in a pipe,
bars per stage on a terminal, nothing with `-q`, and the summary unchanged in every case.

The builds run on a copy of the session's sample warehouse: models are not rebuilt, but every
step still runs and reports.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from observatory.build import StepEvent
from observatory.cli import main
from observatory.cli.progress import build_progress
from observatory.defs.progress import stage_of
from tests.conftest import copy_of_sample

STEP_LINE = re.compile(r"step (\d+)/(\d+) (\w+) (\w+) (\d+\.\d\d)s (succeeded|failed|skipped)")


@pytest.fixture
def home(tmp_path: Path, sample_build) -> Path:
    return copy_of_sample(sample_build, tmp_path / "home")


def test_a_build_in_a_pipe_prints_one_line_per_finished_step(capsys, home, tmp_path):
    timings = tmp_path / "timings.json"

    code = main(["--home", str(home), "build", "--timings", str(timings)])

    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    steps = [STEP_LINE.fullmatch(line) for line in lines if line.startswith("step ")]
    assert steps and all(steps), [line for line in lines if line.startswith("step ")]
    ranks = [int(m.group(1)) for m in steps if m]
    totals = {int(m.group(2)) for m in steps if m}
    assert ranks == list(range(1, len(ranks) + 1)) and totals == {len(ranks)}
    by_step = {m.group(4): (m.group(3), float(m.group(5)), m.group(6)) for m in steps if m}
    assert by_step["raw__insee__bpe"][0] == "ingest"
    assert by_step["sql_models"][0] == "models"
    assert by_step["sql_checks"][0] == "checks"
    assert by_step["published__observatory"][0] == "publish"
    assert {status for _, _, status in by_step.values()} == {"succeeded"}
    # The seconds shown are the ones --timings writes: one stream of step events.
    written = json.loads(timings.read_text(encoding="utf-8"))
    assert {step: round(s, 2) for step, s in written.items()} == {
        step: seconds for step, (_, seconds, _) in by_step.items()
    }
    # The progress comes before the summary, which is as it was.
    last_step = max(i for i, line in enumerate(lines) if line.startswith("step "))
    assert last_step < lines.index("tables built")
    assert any(line.startswith("checks: ") for line in lines)
    assert any(line.startswith("published: ") for line in lines)


def test_quiet_prints_no_progress_and_the_same_summary(capsys, home):
    code = main(["--home", str(home), "build", "-q"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert not [line for line in out.splitlines() if line.startswith("step ")]
    assert out.startswith("building from source mode 'sample'")
    assert "\ntables built\n" in out and "\nchecks: " in out and "\npublished: " in out


class Terminal(io.StringIO):
    """What rich takes for a terminal: a stream that says it is one."""

    def isatty(self) -> bool:
        return True


def event(step: str, status: str, seconds: float | None = None, detail: str = "") -> StepEvent:
    stage_totals = {"ingest": 2, "models": 1}
    stage, stage_total = stage_of(step), stage_totals[stage_of(step)]
    return StepEvent(step, stage, status, 3, stage_total, seconds, detail)


def test_on_a_terminal_each_stage_has_a_bar_naming_its_step(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # wide enough that no step name is cut
    terminal = Terminal()
    with build_progress(quiet=False, stream=terminal) as progress:
        assert progress is not None
        progress(event("raw__insee__bpe", "started"))
        progress(event("raw__insee__bpe", "succeeded", 0.5))
        progress(event("raw__insee__cog_communes", "started"))
        progress(event("raw__insee__cog_communes", "failed", 0.1))
        progress(event("sql_models", "started"))
        progress(event("sql_models", "progress", detail="marts.population"))
    screen = terminal.getvalue()
    assert "build" in screen and "ingest" in screen and "models" in screen
    assert "2/2" in screen and "2/3" in screen  # ingest done; two of the build's three steps
    assert "raw__insee__cog_communes (failed)" in screen
    assert "marts.population" in screen  # the model the one step of every model has just built
    assert "0:00:00" in screen  # the elapsed time
    assert not re.search(r"^step \d", screen, re.MULTILINE)


def test_a_step_that_never_ran_is_a_line_without_seconds():
    pipe = io.StringIO()
    with build_progress(quiet=False, stream=pipe) as progress:
        assert progress is not None
        progress(event("raw__insee__bpe", "started"))
        progress(event("sql_models", "progress", detail="marts.population"))
        progress(event("sql_models", "skipped"))
    assert pipe.getvalue() == "step 1/3 models sql_models - skipped\n"


def test_quiet_gives_no_callback():
    with build_progress(quiet=True, stream=Terminal()) as progress:
        assert progress is None


@pytest.mark.parametrize(
    ("step", "stage"),
    [
        ("raw__insee__bpe", "ingest"),
        ("seeds", "seeds"),
        ("sql_models", "models"),
        ("gx_marts", "checks"),
        ("sql_checks", "checks"),
        ("published__observatory", "publish"),
        ("something_new", "other"),
    ],
)
def test_the_stage_of_a_step(step, stage):
    assert stage_of(step) == stage
