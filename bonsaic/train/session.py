"""One ``bonsaic train`` session: train, checkpoint and judge each configuration, escalating while
nothing is proved (:mod:`bonsaic.train.escalation`).

The command line maps flags to a spec, settings and paths and prints the verdict; everything that
happens in between is here: Ctrl-C handling (the first finishes the step and saves, the second
aborts), periodic checkpoints, the live display, judging the restarts, the per-configuration
checkpoint paths of the escalation and its resource checks.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from bonsaic.diagnostics import BonsaicError
from bonsaic.fsutil import check_output
from bonsaic.train import escalation
from bonsaic.train.escalation import RunOutcome, escalate
from bonsaic.train.loop import Trainer
from bonsaic.train.model import NetShape
from bonsaic.train.precapture import Precapture
from bonsaic.train.resources import check_resources
from bonsaic.train.settings import TrainSettings

EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class SessionPaths:
    """Where a session reads its spec and writes its network, checkpoints and loss log."""

    spec: Path
    output: Path
    checkpoint: Path
    log: Path

    def checkpoint_of(self, index: int) -> Path:
        """Configuration ``index``'s checkpoint: the first one's, then ``MODEL.1.safetensors``, ..."""
        return self.checkpoint if index == 0 else self.output.with_suffix(f".{index}.safetensors")


def _say(text: str) -> None:
    print(text, file=sys.stderr)


class _CtrlC:
    """First Ctrl-C: finish the current step, then stop cleanly. Second: the usual KeyboardInterrupt."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        _say("\ninterrupt: finishing the step, then saving (Ctrl-C again to abort)")


def checkpointing(on_step: Callable[[Trainer, float], None], path: Path,
                  every: int) -> Callable[[Trainer, float], None]:
    """``on_step`` that also saves a checkpoint every ``every`` steps, so a run that is killed
    (not just interrupted) loses at most that many steps. Saving is atomic and takes milliseconds."""
    def step(trainer: Trainer, loss: float) -> None:
        on_step(trainer, loss)
        if every and trainer.step % every == 0:
            trainer.save(path)
    return step


def grow(spec: Any, settings: TrainSettings, paths: SessionPaths, *, quiet: bool = False,
         resume: Path | None = None, lr: float | None = None, force: bool = False,
         time_budget: float | None = None, bound_first: bool = False) -> tuple[RunOutcome, int]:
    """Train ``spec`` with ``settings`` and, while nothing is proved and ``time_budget`` seconds allow,
    the escalation's stronger configurations; the best outcome and how many configurations ran.
    ``bound_first``: the first configuration's training also stops when the budget is spent."""

    def run_once(run_spec: Any, run_settings: TrainSettings, label: str, index: int,
                 deadline: float | None) -> RunOutcome:
        path = paths.checkpoint_of(index)
        if index:
            if precapture is not None:
                if precapture.ready(index, deadline):
                    _say(f"the step of '{label}' was captured in the background")
                elif deadline is not None and time.monotonic() >= deadline:
                    _say(f"not escalating to '{label}': the time budget ran out while its step was being "
                         "captured in the background")
                    return RunOutcome(None, False, label, str(path))
            cells = ", ".join(f"{c.outputs} outputs / {c.states} states" for c in run_spec.model.cells)
            try:
                check_output(path, inputs=(paths.spec,), force=force, what="checkpoint")
                warnings = check_resources(NetShape.from_spec(run_spec), run_settings, str(paths.spec))
            except (BonsaicError, OSError) as err:
                print(f"not escalating to '{label}': {err}", file=sys.stderr)
                return RunOutcome(None, False, label, str(path))
            print(f"escalating ({index}/{stages}): {label} (model {cells}); checkpoints to {path}",
                  file=sys.stderr)
            for warning in warnings:
                print(warning, file=sys.stderr)
        # a run the budget bounds may give up early when a later configuration can use its time
        give_up = deadline is not None and index < stages
        return train_once(run_spec, run_settings, path, paths.log, label, index, quiet, resume, lr, deadline,
                          give_up)

    planned = escalation.planned(spec, settings)
    stages = len(planned)
    # with BONSAIC_PRECAPTURE=1 (off by default), the later stages' steps are captured in the background
    precapture = (Precapture.start([stage.change(spec, settings) for stage in planned])  # type: ignore[misc]
                  if time_budget else None)
    try:
        return escalate(spec, settings, run_once, time_budget, bound_first=bound_first)
    finally:
        if precapture is not None:
            precapture.close()


def train_once(spec: Any, settings: TrainSettings, checkpoint: Path, log_path: Path, label: str, index: int,
               quiet: bool, resume: Path | None, lr: float | None, deadline: float | None = None,
               give_up: bool = False) -> RunOutcome:
    """One configuration: train (until its steps, Ctrl-C, or the ``time.monotonic()`` ``deadline``),
    checkpoint, judge the restarts; print the table and why the kept one won. ``give_up``: stop
    early where every restart is stuck (:attr:`Trainer.give_up`), leaving the time to the next one."""
    from bonsaic.train import jitcache
    from bonsaic.train.escalation import RunOutcome
    from bonsaic.train.log import LossLog
    from bonsaic.train.loop import Trainer
    from bonsaic.train.progress import LiveProgress, QuietProgress
    from bonsaic.train.restarts import JUDGE_GRACE, choose, judge_restarts, restart_table, why_kept

    log = LossLog(log_path)
    if index:
        log.event(0, f"escalation {index}: {label}")
    trainer = Trainer(spec, settings, log)
    trainer.give_up = give_up
    if trainer.jit_cached:
        print("training step loaded from cache", file=sys.stderr)
    elif jitcache.enabled():
        print("capturing the training step (the first run of this configuration compiles it; later runs load it "
              "from the cache)", file=sys.stderr)
    else:
        print("capturing the training step (step cache off: BONSAIC_JIT_CACHE=0)", file=sys.stderr)
    if resume is not None:
        trainer.resume(resume)
        if lr is not None:
            trainer.set_lr(lr)
    ctrl_c = _CtrlC()
    previous_handler = signal.signal(signal.SIGINT, ctrl_c)
    display = QuietProgress() if quiet else LiveProgress(settings.steps, trainer.step, not trainer.jit_cached)
    try:
        with display:
            reason = trainer.run(stop=lambda: ctrl_c.requested or (deadline is not None and
                                                                   time.monotonic() > deadline),
                                 on_step=checkpointing(display.on_step, checkpoint, settings.checkpoint_every),
                                 on_eval=display.on_eval)
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        trainer.close()
        log.close()
    if reason == "interrupted" and not ctrl_c.requested:
        reason = "time budget"
    elif reason == "settled":
        reason = (f"settled: a restart was first solved at step {trainer.first_solved_step()}, and the bonsai is "
                  f"decided by max(half the steps, twice that); --steps {settings.steps} runs them all")
    elif reason == "hopeless":
        reason = "every restart stuck at the last fresh start: the time goes to the next configuration"
    trainer.save(checkpoint)
    try:
        results = judge_restarts(trainer, spec, None if deadline is None else deadline + JUDGE_GRACE)
    except KeyboardInterrupt:
        print(f"interrupted while judging the restarts; checkpoint {checkpoint} is saved (judge again with "
              f"--resume {checkpoint} --steps {trainer.step})", file=sys.stderr)
        raise typer.Exit(code=EXIT_INTERRUPTED) from None
    print(restart_table(results), file=sys.stderr)
    kept_because = why_kept(results)
    if kept_because is not None:
        print(kept_because, file=sys.stderr)
    print(f"stopped after step {trainer.step} ({reason}); checkpoint {checkpoint}, loss log {log_path}",
          file=sys.stderr)
    return RunOutcome(choose(results), reason == "interrupted", label, str(checkpoint))
