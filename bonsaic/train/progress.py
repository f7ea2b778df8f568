"""What the user sees while training: a live rich progress bar, or plain log lines (``--quiet``).

Both show, for the best restart: step, loss, regularization loss, validation sign accuracy,
sparsity (share of kernel weights below the regularizer's threshold), steps/s and the ETA.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from bonsaic.train.loop import EvalReport, Trainer


def summary(report: EvalReport) -> str:
    """One line about the restart that is furthest along (highest accuracy, then lowest reg loss)."""
    k = int(np.lexsort((report.reg, -report.accuracy))[0])
    solved = int(report.solved.sum())
    return (f"loss {report.mse[k] + report.reg[k]:.4f} reg {report.reg[k]:.4f} "
            f"acc {_percent(report.accuracy[k])} sparse {report.sparsity[k]:.0%} "
            f"solved {solved}/{len(report.accuracy)} {report.steps_per_second:.0f} steps/s")


class LiveProgress:
    """A rich progress bar on stderr, refreshed every step, with the latest validation summary."""

    def __init__(self, total: int, start: int, compiling: bool = True) -> None:
        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("train"), BarColumn(bar_width=16), MofNCompleteColumn(),
                            TextColumn("{task.fields[info]}"), TimeRemainingColumn(), console=self.console)
        self.task = self.bar.add_task("train", total=total, completed=start, info="compiling the step..." if compiling else "")

    def __enter__(self) -> LiveProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def on_step(self, trainer: Trainer, loss: float) -> None:
        self.bar.update(self.task, completed=trainer.step)

    def on_eval(self, report: EvalReport) -> None:
        for event in report.events:
            self.console.print(event)
        self.bar.update(self.task, completed=report.step, info=summary(report))


class QuietProgress:
    """Plain lines on stderr, one per validation (for logs and CI)."""

    def __enter__(self) -> QuietProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def on_step(self, trainer: Trainer, loss: float) -> None:
        pass

    def on_eval(self, report: EvalReport) -> None:
        for event in report.events:
            print(event, file=sys.stderr)
        print(f"step {report.step}: {summary(report)}", file=sys.stderr, flush=True)


def _percent(accuracy: float) -> str:
    """``99.9%`` rounded *down*, so that "100.0%" appears only when every step of every validation
    sequence was right (solved), never for 99.96% next to "solved 0/4"."""
    return f"{math.floor(accuracy * 1000) / 10:.1f}%"
