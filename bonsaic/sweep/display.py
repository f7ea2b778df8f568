"""Showing a sweep as it runs: a live rich table on a terminal, one plain line per trial otherwise.

The table lists the running trials (with how long they have run) and the finished ones (newest
first, as many as fit), and its title the progress and the best proved size so far, so a long sweep
can be watched and stopped (Ctrl-C keeps every finished trial) when it is good enough.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

from bonsaic.sweep.grid import Trial
from bonsaic.sweep.select import Record, best, size

MAX_ROWS = 20


class LineLog:
    """A line on stderr per finished trial (logs, CI, ``--quiet``)."""

    def __init__(self, total: int, done: list[Record]) -> None:
        self.total, self.done = total, list(done)

    def __enter__(self) -> LineLog:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def started(self, trial: Trial) -> None:
        return None

    def finished(self, trial: Trial, record: Record) -> None:
        self.done.append(record)
        print(f"trial {trial.index} [{trial.id}] {trial.label()}: {record['verdict']}, {size(record)} "
              f"neurons / states / edges, {record.get('wall_s', 0):.1f} s ({len(self.done)}/{self.total})",
              file=sys.stderr, flush=True)

    def refresh(self) -> None:
        return None


class LiveTable(LineLog):
    """A rich ``Live`` table on stderr, refreshed by the runner."""

    def __init__(self, total: int, done: list[Record], console: Any = None) -> None:
        from rich.console import Console
        from rich.live import Live

        super().__init__(total, done)
        self.running: dict[str, tuple[Trial, float]] = {}
        self.live = Live(console=console or Console(stderr=True), auto_refresh=False, transient=False)

    def __enter__(self) -> LiveTable:
        self.live.__enter__()
        self.refresh()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.refresh()
        self.live.__exit__(kind, err, tb)

    def started(self, trial: Trial) -> None:
        self.running[trial.id] = (trial, time.monotonic())

    def finished(self, trial: Trial, record: Record) -> None:
        self.running.pop(trial.id, None)
        self.done.append(record)

    def refresh(self) -> None:
        from rich.table import Table

        chosen = best(self.done)
        best_text = f"best proved {size(chosen)} (trial {chosen['index']})" if chosen else "nothing proved yet"
        table = Table(title=f"bonsaic sweep: {len(self.done)}/{self.total} done, {len(self.running)} running, "
                      f"{best_text}", title_justify="left")
        for column in ("#", "settings", "status", "neurons / states / edges", "margin", "time"):
            table.add_column(column, no_wrap=column != "settings")
        now = time.monotonic()
        for trial, began in self.running.values():
            table.add_row(str(trial.index), trial.label(), "running", "", "", f"{now - began:.0f} s")
        for record in list(reversed(self.done))[:max(0, MAX_ROWS - len(self.running))]:
            margin = record.get("margin")
            status = record["verdict"] + (" (best)" if chosen is not None and record["id"] == chosen["id"] else "")
            table.add_row(str(record.get("index", "")), " ".join(f"{k}={v}" for k, v in record["settings"].items()),
                          status, size(record), "-" if margin is None else f"{margin:.3g}",
                          f"{record.get('wall_s', 0):.0f} s")
        self.live.update(table, refresh=True)
