"""The loss log: one JSON object per line, for plotting (``jq``, pandas ``read_json(lines=True)``).

Each evaluation writes ``{"step", "mse", "reg", "accuracy", "sparsity", "lr", "steps_per_second"}``
(lists hold one value per restart); events such as NaN recoveries and schedule changes write
``{"step", "event"}``. The file is appended to, so a resumed run continues the same log. Its first
line, ``{"bonsaic": VERSION, "log": "loss"}``, marks it as bonsaic's own, so a later run may replace it
(:func:`bonsaic.fsutil.written_by_bonsaic`) while a user's file of the same name is never touched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from numpy.typing import ArrayLike


class EvalReport(Protocol):
    """What the log records of one evaluation (``bonsaic.train.loop.EvalReport`` is one; a
    protocol here, so that the log and the loop do not import each other)."""

    step: int
    mse: ArrayLike
    reg: ArrayLike
    accuracy: ArrayLike
    sparsity: ArrayLike
    lr: float
    steps_per_second: float


class LossLog:
    """Appends records to a JSON-lines file, flushed line by line so a crash loses nothing."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")
        if self._fh.tell() == 0:
            from bonsaic import __version__

            self.write({"bonsaic": __version__, "log": "loss"})

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record) + "\n")
        self._fh.flush()

    def event(self, step: int, message: str) -> None:
        self.write({"step": step, "event": message})

    def report(self, report: EvalReport) -> None:
        self.write({
            "step": report.step,
            "mse": [float(v) for v in report.mse],
            "reg": [float(v) for v in report.reg],
            "accuracy": [float(v) for v in report.accuracy],
            "sparsity": [float(v) for v in report.sparsity],
            "lr": report.lr,
            "steps_per_second": report.steps_per_second,
        })

    def close(self) -> None:
        self._fh.close()
