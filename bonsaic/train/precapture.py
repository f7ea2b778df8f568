"""Capture the escalation's training steps in the background while the first configuration trains.

A configuration's first step is captured (scheduled and compiled) before it trains: measured on the
2-core build machine with an empty step cache, 41 s for counter_mod4's sized cell, 64 s for the
cell twice as wide and 90 s for two cells (``BONSAIC_JIT_CACHE=0 bonsaic train SPEC --steps 1
--time-budget 0``, docs/train.md). Inside a 300 s budget, an escalation that captured each stage
when it reached it spent half its time compiling, and the suite's "a second cell" stage got only
its capture before the budget ran out (benchmarks/TASKS.md).

Training one configuration keeps about one core busy (tinygrad runs the CPU kernels on one thread
and the loop's host wait naps), so :class:`Precapture` uses the other one: a thread starts one
child process per later stage, in the escalation's order, at a lower priority (``nice``); the child
builds that stage's trainer, runs its capturing call and stores the step in the step cache
(:mod:`bonsaic.train.jitcache`), from which the stage then loads it in seconds. Before a stage
starts, :meth:`Precapture.ready` says whether its capture finished, waiting for a child that is
still on it; a stage whose capture has not begun stops the background work and is captured by the
main process as before. Nothing here changes what is trained: a loaded
step computes what a captured one does, and the trainer writes its own initial values into it.

**Off by default** (``BONSAIC_PRECAPTURE=1`` turns it on), because measurement did not show a gain
(benchmarks/TASKS.md, "Improving restarts, stuck configurations and stages captured in the
background"). With two trainings side by side no child finished a capture in the whole suite run.
Alone on the machine, gray_counter was proved in 305 s with it off (at step 1300 of its third
configuration, two cells), but not with it on and waiting: the child had the wider cell's step
ready, yet was still compiling the two-cell step, on one core (tinygrad gives a daemon process no
compile pool, where the main process compiles on both), when that stage was reached, and the budget
ran out while the stage waited. What would make it pay: a child that compiles as fast as the main
process, or captures only the stage most likely to be needed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from bonsaic.train import jitcache
from bonsaic.train.settings import TrainSettings

NICENESS = 19  # the lowest priority: the child gets a core only when training leaves it idle


def enabled() -> bool:
    """``BONSAIC_PRECAPTURE=1`` (or true, yes, on) turns the background capture on; it is off by
    default because it was not measured to help (module docstring)."""
    return os.environ.get("BONSAIC_PRECAPTURE", "0").strip().lower() in ("1", "true", "yes", "on")


def capture(spec: Any, settings: TrainSettings) -> None:
    """In a child process: build the trainer for ``(spec, settings)`` and store its captured step
    in the step cache (nothing if it is there already)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which stops us
    try:
        os.nice(NICENESS)  # where the parent could not lower our priority (the niceness is capped at 19)
    except OSError:
        pass
    from bonsaic.train.loop import Trainer

    trainer = Trainer(spec, settings)
    try:
        trainer.capture_step()
    finally:
        trainer.close()


class Precapture:
    """Captures ``configs`` (``(spec, settings)`` of stages 1, 2, ...) one after another in child
    processes, from a daemon thread; :meth:`close` stops it."""

    def __init__(self, configs: list[tuple[Any, TrainSettings]]) -> None:
        self._configs = configs
        self._closed = False
        self._finished: set[int] = set()  # stages (0-based) whose child stored the step and exited cleanly
        self._done = [threading.Event() for _ in configs]  # set when a stage's child has exited
        self._current = -1  # the stage (0-based) whose child runs or ran last
        self._child: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="bonsaic-precapture", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, configs: list[tuple[Any, TrainSettings]]) -> Precapture | None:
        """A running precapture, or None where it is off (the default; ``BONSAIC_PRECAPTURE=1``
        turns it on) or cannot help: nothing to capture, or the step cache is off (a capture in
        another process would be lost)."""
        if not configs or not jitcache.enabled() or not enabled():
            return None
        return cls(configs)

    def _work(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked tinygrad state
        for index, (spec, settings) in enumerate(self._configs):
            with self._lock:
                if self._closed:
                    break
                self._current = index
                self._child = context.Process(target=capture, args=(spec, settings),
                                              name=f"bonsaic-precapture-{index + 1}", daemon=True)
                self._child.start()
                try:  # at once, not only when the child gets to it: its imports take seconds of CPU
                    os.setpriority(os.PRIO_PROCESS, self._child.pid or 0, NICENESS)
                except (OSError, AttributeError):
                    pass
            self._child.join()
            if self._child.exitcode == 0:
                self._finished.add(index)
            self._done[index].set()

    def ready(self, index: int, deadline: float | None = None) -> bool:
        """When stage ``index`` (1-based, as in the escalation) starts: True if its step is in the
        step cache from the background. A child still capturing it gets its normal priority back
        where the system allows (the main process now waits, idle, so the child takes the core it
        would use) and is waited for until ``deadline`` (a ``time.monotonic()`` time): it has done
        part of the work, which capturing again would repeat. Otherwise the background work stops
        and the main process captures the stage itself."""
        position = index - 1
        if position in self._finished:
            return True
        with self._lock:
            child = self._child if self._current == position and not self._closed else None
        if child is not None and child.is_alive():
            try:
                os.setpriority(os.PRIO_PROCESS, child.pid or 0, 0)
            except (OSError, AttributeError):
                pass  # not permitted: at the lowest priority it still gets a core nothing else uses
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            self._done[position].wait(timeout)
            if position in self._finished:
                return True
        with self._lock:
            self._stop_locked()
        return False

    def join(self, timeout: float | None = None) -> None:
        """Wait until every capture has finished (for tests)."""
        self._thread.join(timeout)

    def _stop_locked(self) -> None:
        self._closed = True
        child = self._child
        if child is not None and child.is_alive():
            child.terminate()

    def close(self) -> None:
        """Stop: the current child is terminated (its capture, if unfinished, is simply not stored)."""
        with self._lock:
            self._stop_locked()
        self._thread.join(timeout=5.0)
