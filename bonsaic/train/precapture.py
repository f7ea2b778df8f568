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
starts, :meth:`Precapture.wait` waits for its capture if a child is on it (the work is under way;
doing it again in the main process would only compete with it). A stage whose capture has not
started is captured by the main process as before. Nothing here changes what is trained: a loaded
step computes what a captured one does, and the trainer writes its own initial values into it.
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


def capture(spec: Any, settings: TrainSettings) -> None:
    """In a child process: build the trainer for ``(spec, settings)`` and store its captured step
    in the step cache (nothing if it is there already)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which stops us
    try:
        os.nice(NICENESS)
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
        self._done = [threading.Event() for _ in configs]
        self._current = -1  # the stage (0-based in configs) a child is capturing, -1: none yet
        self._closed = False
        self._child: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="bonsaic-precapture", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, configs: list[tuple[Any, TrainSettings]]) -> Precapture | None:
        """A running precapture, or None where it cannot help: nothing to capture, or the step
        cache is off (a capture in another process would be lost)."""
        if not configs or not jitcache.enabled():
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
            self._child.join()
            self._done[index].set()
        with self._lock:
            self._current = len(self._configs)
        for event in self._done:  # closed early: nobody waits for a capture that will not come
            event.set()

    def wait(self, index: int, deadline: float | None) -> bool:
        """Before stage ``index`` (1-based, as in the escalation) starts: if its capture is under
        way, wait for it (until ``deadline``, a ``time.monotonic()`` time, at the latest); if it has
        not started, stop the background work (the main process captures this stage itself and
        would only compete with a child). True when the stage's capture finished in the background."""
        position = index - 1
        if not 0 <= position < len(self._configs):
            return False
        with self._lock:
            if self._current < position:  # not started: the main process captures it
                self._stop_locked()
                return False
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self._done[position].wait(timeout)

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
