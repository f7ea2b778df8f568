"""Automatic escalation: when the first configuration gives no proved network, try stronger ones.

A user's own task comes with no hand-found settings, and a configuration that does not solve it
is usually fixed by one of a few moves: the other kind of states (binary states make a network a
finite machine that is proved or refuted, never merely bounded, but a few tasks train better with
continuous ones; a sized model starts binary, one with the spec's cells continuous, and a spec that
sets ``binary_states`` itself keeps it), more independent restarts (training is a lottery over
initialisations, and restarts train side by side in one batched model), a wider cell (more room
to find a solution before the regularizer prunes it back), or state noise (a network that tolerates
perturbed states keeps its memory in attractors, which is what the verifier's interval proofs
close on when a solution is only "bounded"). :data:`STAGES` lists them in the order below, each a
fresh run with its own seed.

:func:`escalate` runs the first configuration, then each stage while nothing is proved and the time
budget leaves at least half of an average run's time (:data:`MIN_STAGE_SHARE`). A stage still
training at the budget's end is stopped there, and its restarts are judged as they are: the budget bounds the whole of ``train`` except a first configuration whose steps the
spec or ``--steps`` chose (it always runs to the end); with default steps the first configuration
stops at the budget's end too. The best result over all runs is kept: proved beats bounded,
then fewest edges after ``clip,dce``, then the lower regularization loss. A run that was interrupted
(Ctrl-C) ends the escalation with the best result so far. A run the budget bounds that has a later
stage gives up early where every restart is stuck at its last fresh start
(:attr:`bonsaic.train.loop.Trainer.give_up`), leaving the later stages more of the budget to train
in. (With ``BONSAIC_PRECAPTURE=1`` the later stages' steps are captured in the background while
the first configuration trains, :mod:`bonsaic.train.precapture`; off by default, not measured to
help.)

Binary states come first after continuous ones because they were measured to turn tasks that ended
unproved into proved ones (``benchmarks/TASKS.md``, "Binary states"). After binary states a cell
twice as wide comes first: in the whole-suite run at one commit every task the suite proved was
proved by the first configuration and the continuous stage proved nothing, while a binary cell twice
as wide proved counter_mod4 and ones_mod3_zero, which neither kind of the sized cell trains
(``benchmarks/TASKS.md``, "A wider cell"). The order of the rest is reasoned. A stage that does not
apply (:func:`planned`) is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bonsaic.spec.config import binary_states_problem
from bonsaic.train.settings import TrainSettings

DEFAULT_TIME_BUDGET = 300.0  # seconds for the whole of `bonsaic train` when escalation is on
# A stage starts while at least this share of an average run's time is left; it is stopped at the
# budget's end and judged as it is. (It used to start only if it would *end* within the budget: on
# the task suite, fifo_occupancy's first configuration took 166 s of 300, all four restarts at
# 98.8-99.8%, and train gave up with 134 s unused.)
MIN_STAGE_SHARE = 0.5


@dataclass(frozen=True)
class Stage:
    """One configuration: a name for the progress line, and how it changes the spec and settings."""

    name: str
    change: Callable[[Any, TrainSettings], tuple[Any, TrainSettings] | None]  # None: does not apply


def _more_restarts(spec: Any, settings: TrainSettings) -> tuple[Any, TrainSettings]:
    return spec, replace(settings, restarts=max(8, 2 * settings.restarts), seed=settings.seed + 1)


def _wider(spec: Any, settings: TrainSettings) -> tuple[Any, TrainSettings]:
    """Every cell twice as wide, the same restarts (each step costs more; measured with 4), another seed."""
    cells = [replace(c, outputs=2 * c.outputs, states=2 * c.states) for c in spec.model.cells]
    return (replace(spec, model=replace(spec.model, cells=cells)), replace(settings, seed=settings.seed + 2))


def _second_cell(spec: Any, settings: TrainSettings) -> tuple[Any, TrainSettings] | None:
    """A second cell like the first, the same restarts and seed; None where the model has two or more.
    Its states see a layer computed from this step's inputs, which one cell's states do not: two
    binary cells proved gray_counter, which no one-cell configuration did, counter_mod4, which the
    suite's whole run left unproved, and mini_cpu (benchmarks/TASKS.md, "Two cells")."""
    cells = spec.model.cells
    if len(cells) != 1:
        return None
    return replace(spec, model=replace(spec.model, cells=[*cells, cells[0]])), settings


def _states(binary: bool) -> Callable[[Any, TrainSettings], tuple[Any, TrainSettings] | None]:
    """Switch to binary (or continuous) states, with 8 restarts and another seed; None where the
    model has them already, the spec sets ``binary_states`` itself, or (for binary) a cell has no
    Ameo to take the sign of."""
    def change(spec: Any, settings: TrainSettings) -> tuple[Any, TrainSettings] | None:
        model = spec.model
        if model.binary_states == binary or model.binary_given or (binary and binary_states_problem(model)):
            return None
        return (replace(spec, model=replace(model, binary_states=binary)),
                replace(settings, restarts=max(8, settings.restarts), seed=settings.seed + 4))
    return change


def _noisy(spec: Any, settings: TrainSettings) -> tuple[Any, TrainSettings]:
    return spec, replace(settings, restarts=max(8, settings.restarts), seed=settings.seed + 3,
                         state_noise=settings.state_noise or 0.05)


# At most one of the two "states" stages applies: a continuous first configuration tries binary
# states first; a binary one (a sized model's) tries a cell twice as wide first, then a second
# cell, then continuous states. The other stages keep the first configuration's kind of states.
STAGES = (
    Stage("binary states, 8 restarts", _states(binary=True)),
    Stage("a cell twice as wide", _wider),
    Stage("a second cell", _second_cell),
    Stage("continuous states, 8 restarts", _states(binary=False)),
    Stage("8 restarts, another seed", _more_restarts),
    Stage("state noise 0.05, 8 restarts", _noisy),
)


@dataclass
class RunOutcome:
    """What one configuration's run gave: its chosen restart (or None) and whether Ctrl-C ended it."""

    best: Any  # bonsaic.train.restarts.RestartResult | None
    interrupted: bool
    label: str = ""
    checkpoint: str = ""  # where this configuration's last checkpoint is (to --resume it)


def rank(outcome: RunOutcome) -> tuple[float, ...]:
    """Smaller is better: proved first, then fewest edges after clip,dce, then regularization loss."""
    best = outcome.best
    if best is None or best.graph is None:
        return (3.0,)
    return (0.0 if best.proved else 1.0, float(best.edges_after_clip), float(best.reg or 0.0))


def planned(spec: Any, settings: TrainSettings) -> list[Stage]:
    """The stages that apply to ``spec`` (the others are skipped), in order."""
    return [stage for stage in STAGES if stage.change(spec, settings) is not None]


def escalate(spec: Any, settings: TrainSettings,
             run: Callable[[Any, TrainSettings, str, int, float | None], RunOutcome],
             budget: float | None, clock: Callable[[], float] = time.monotonic,
             bound_first: bool = False) -> tuple[RunOutcome, int]:
    """Run the first configuration, then :data:`STAGES` while nothing is proved and ``budget``
    seconds (None: no escalation) allow; ``run(spec, settings, label, index, deadline)`` trains one,
    stopping its training at ``deadline`` (a ``clock()`` time; None for the first configuration
    unless ``bound_first``: its step count is a default nobody chose, so the budget bounds it too).
    Returns the best outcome and how many configurations ran."""
    start = clock()
    deadline = start + budget if budget is not None else None
    best = run(spec, settings, "the spec's settings", 0, deadline if bound_first else None)
    best.label = best.label or "the spec's settings"
    runs = 1
    for index, stage in enumerate(planned(spec, settings), start=1):
        if budget is None or best.interrupted or (best.best is not None and best.best.proved):
            break
        elapsed = clock() - start
        if budget - elapsed < MIN_STAGE_SHARE * elapsed / runs:  # too little time left for a useful stage
            break
        stage_spec, stage_settings = stage.change(spec, settings)  # type: ignore[misc]  # planned: not None
        outcome = run(stage_spec, stage_settings, stage.name, index, deadline)
        outcome.label = outcome.label or stage.name
        runs += 1
        if rank(outcome) < rank(best):
            best = RunOutcome(outcome.best, outcome.interrupted, outcome.label, outcome.checkpoint)
        elif outcome.interrupted:
            best.interrupted = True
    return best, runs
