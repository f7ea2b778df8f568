"""Observers of a pipeline run: ``--dump-ir``, ``--print-after-all`` and ``--stats``.

As xDSL's pass manager separates its callbacks from the passes, bonsaic separates what *watches*
a run from what *decides* it (:mod:`bonsaic.passes.policy`): an observer is told about each step
after the policy has judged it, with the decision attached, and has no way to change it -- it
returns nothing and the runner reads nothing from it. An exception an observer raises (a dump
directory that cannot be written) is not caught: it ends the run, as any I/O error would, but it
never turns into a different verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bonsaic.fsutil import atomic_write_text
from bonsaic.ir.graph import Graph
from bonsaic.ir.text import print_ir
from bonsaic.passes.base import Pass, PassStats, size_counts
from bonsaic.passes.policy import Decision


@dataclass
class PassEvent:
    """What observers are told about one step: run ``attempt`` (0: the first; more after
    rollbacks) of pass ``index`` (0 and ``pass_`` None: the input) took ``before`` to ``graph`` in
    ``seconds`` with ``verifier_calls`` calls of its own, noting ``notes``; ``decision`` is the
    policy's verdict on ``graph``. For the final check ``before`` is None and ``graph`` the
    pipeline's result."""

    index: int
    pass_: Pass | None
    attempt: int
    before: Graph | None
    graph: Graph
    seconds: float
    verifier_calls: int
    notes: list[str]
    decision: Decision

    @property
    def label(self) -> str:
        """``input`` or the pass's name: the dump file is ``{index:02d}-{label}.ir``."""
        return "input" if self.pass_ is None else self.pass_.name

    @property
    def spelling(self) -> str:
        """``input`` or the pass with its options, for headers and ``--stats``."""
        return "input" if self.pass_ is None else self.pass_.spelling()


class Observer:
    """Base class of observers: every method does nothing unless overridden. The graphs an event
    carries are the pipeline's own (not copies): an observer reads them and never edits them."""

    def after_pass(self, event: PassEvent) -> None:
        """Called on the input and after every run of a pass (each re-run too), once judged."""

    def after_final_check(self, event: PassEvent) -> None:
        """Called after the final check of a result that was not proved, unless it stopped the run."""


@dataclass
class IRDumper(Observer):
    """``--dump-ir DIR``: ``DIR/00-input.ir``, ``DIR/01-clip.ir``, ...; a graph that failed its check is
    written as ``NN-name.failed.ir``. A re-run overwrites its first run's file."""

    directory: Path

    def after_pass(self, event: PassEvent) -> None:
        """Write the step's graph."""
        suffix = "" if event.decision.result.ok else ".failed"
        atomic_write_text(self.directory / f"{event.index:02d}-{event.label}{suffix}.ir", print_ir(event.graph))


@dataclass
class IRPrinter(Observer):
    """``--print-after-all``: each step's graph, under a header that is an IR comment."""

    stream: TextIO

    def after_pass(self, event: PassEvent) -> None:
        """Print the step's graph."""
        print(f"# ----- IR after {event.index:02d} {event.spelling} -----\n{print_ir(event.graph)}", file=self.stream)


@dataclass
class StatsRecorder(Observer):
    """``--stats``: one :class:`PassStats` row per step (a re-run is ``name (retry N)``) and one for
    the final check; a rolled-back step shows the size of the graph the pipeline went on with."""

    rows: list[PassStats] = field(default_factory=list)

    def after_pass(self, event: PassEvent) -> None:
        """Record the step."""
        retry = f" (retry {event.attempt})" if event.attempt else ""
        self.rows.append(_row(event, event.spelling + retry))

    def after_final_check(self, event: PassEvent) -> None:
        """Record the final check."""
        self.rows.append(_row(event, "final check"))


def _row(event: PassEvent, spelling: str) -> PassStats:
    decision = event.decision
    before = event.before if event.before is not None else event.graph
    after = decision.rolled_back_to if decision.rolled_back_to is not None else event.graph
    return PassStats(event.index, spelling, size_counts(before), size_counts(after), event.seconds,
                     event.verifier_calls, decision.verify_mode, [*event.notes, *decision.notes])
