"""Where a running build is: live bars on a terminal, one plain line per finished step otherwise.

A national build runs for minutes with nothing to show until its summary. On a terminal, rich
draws one bar per stage (ingest, seeds, models, checks, publish) naming the step under way, and
the whole build's bar with the elapsed time. In CI or a pipe, where redrawn bars would be noise,
each finished step is one line (`step 3/26 ingest raw__insee__bpe 0.41s succeeded`), flushed
at once so a log shows it live. `-q` shows neither; the summary is printed the same in all cases.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column

from observatory.build import Progress as ProgressCallback
from observatory.build import StepEvent


class PlainLines:
    """One line per finished step: its rank, stage, name, seconds and status."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.finished = 0

    def __call__(self, event: StepEvent) -> None:
        if not event.finished:
            return
        self.finished += 1
        seconds = "-" if event.seconds is None else f"{event.seconds:.2f}s"
        print(
            f"step {self.finished}/{event.total} {event.stage} {event.step} {seconds} "
            f"{event.status}",
            file=self.stream,
            flush=True,
        )


class LiveBars:
    """A bar per stage, shown when its first step starts, and one for the whole build."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        # From the start: planning and Dagster's start-up are part of the elapsed time.
        self.overall: TaskID = bars.add_task("build", total=None, step="starting")
        self.stages: dict[str, TaskID] = {}

    def __call__(self, event: StepEvent) -> None:
        self.bars.update(self.overall, total=event.total)
        if event.stage not in self.stages:
            self.stages[event.stage] = self.bars.add_task(
                event.stage, total=event.stage_total, step=""
            )
        task = self.stages[event.stage]
        if event.status == "progress":
            self.bars.update(task, step=event.detail)
        elif not event.finished:
            self.bars.update(task, step=event.step)
            self.bars.update(self.overall, step=f"{event.stage}: {event.step}")
        else:
            failed = "" if event.status == "succeeded" else f" ({event.status})"
            self.bars.update(task, advance=1, step=f"{event.step}{failed}")
            self.bars.update(self.overall, advance=1, step="")
        # Drawn now, not at the next tick: a failed step stays on screen even if the run
        # stops right after it.
        self.bars.refresh()


@contextmanager
def build_progress(quiet: bool, stream: TextIO | None = None) -> Iterator[ProgressCallback | None]:
    """The callback a build reports its steps to, for as long as the build runs (None: quiet)."""
    stream = stream or sys.stdout
    if quiet:
        yield None
    elif not stream.isatty():
        yield PlainLines(stream)
    else:
        bars = Progress(
            TextColumn("{task.description:>8}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            # the step's name is cut, not the bars, when the terminal is narrow
            TextColumn("{task.fields[step]}", table_column=Column(no_wrap=True, ratio=1)),
            console=Console(file=stream),
            expand=True,
        )
        with bars:
            yield LiveBars(bars)
