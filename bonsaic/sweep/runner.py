"""Running a sweep's trials on Ray: a local instance sized to this machine, or an existing cluster.

**Why Ray Core tasks** (not Ray Tune): a trial is one indivisible unit of work, minutes of training
followed by verification, that returns one record; the driver already owns what Tune would add
(the trial list, resumption from ``trials.jsonl``, the table, the choice of the best). A task per
trial is the whole integration: ``max_retries=1`` re-runs a trial whose worker process died,
``retry_exceptions=True`` one that raised, and ``num_cpus`` reserves a trial's cores. An early-stop
scheduler (ASHA) would need the trainer to report validation accuracy into Tune while it runs; not
done (docs/sweep.md says what was measured).

**Submission is windowed**: at most as many trials are in flight as there are slots (cluster CPUs /
``--cpus-per-trial``, or ``--workers``), so "in flight" means "running", the live table can say so,
``--time-budget`` can stop starting new ones, and Ctrl-C has only the running ones to cancel.

**Workers reuse the step cache**: every worker gets ``BONSAIC_CACHE_DIR`` (the driver's), so a
configuration's training step is compiled once per machine and loaded by every later trial, and
``NUM_CPU_THREADS`` = ``--cpus-per-trial``, so trials side by side do not each spread over all cores.
Ray reuses a worker process for later tasks, so a worker's second trial also finds tinygrad's
kernels already in memory.

**Code**: on a local instance the workers get the driver's ``bonsaic`` through ``PYTHONPATH``; with
``--address`` the package is also shipped to the cluster (Ray's ``py_modules``), so every node runs
exactly the driver's code (nodes still need bonsaic's dependencies installed).
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import bonsaic
from bonsaic.diagnostics import BonsaicError
from bonsaic.fsutil import cache_root
from bonsaic.sweep.grid import Trial
from bonsaic.sweep.select import Record
from bonsaic.sweep.store import Store

PASSED_THROUGH = ("BONSAIC_JIT_CACHE", "BONSAIC_SWEEP_FAULT", "DEV", "HCQ2")  # when the driver has them set
WAIT_SECONDS = 0.5  # how often the table is refreshed while nothing finishes


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to run: ``address`` None starts (and stops) a local instance."""

    address: str | None = None
    cpus_per_trial: float = 1.0
    workers: int | None = None  # at most this many trials at once (default: as many as fit)
    time_budget: float | None = None  # seconds after which no new trial starts
    pipeline: str | None = None  # each trial's opt pipeline (None: opt's default)


@dataclass
class Outcome:
    """How the run ended: results are in the store either way."""

    finished: int = 0
    interrupted: bool = False
    out_of_time: bool = False
    not_started: int = 0
    slots: int = 0
    where: str = ""


class Display(Protocol):
    """What the runner tells the live table (or the plain log)."""

    def started(self, trial: Trial) -> None: ...
    def finished(self, trial: Trial, record: Record) -> None: ...
    def refresh(self) -> None: ...


def package_root() -> Path:
    """The directory that holds the ``bonsaic`` package this process imported."""
    return Path(bonsaic.__file__).resolve().parent.parent


def worker_env(cpus_per_trial: float) -> dict[str, str]:
    """Environment variables every worker gets: the step cache, its thread count, the code's path."""
    env = {"BONSAIC_CACHE_DIR": str(cache_root()), "NUM_CPU_THREADS": str(max(1, int(cpus_per_trial))),
           "PYTHONPATH": os.pathsep.join(p for p in (str(package_root()), os.environ.get("PYTHONPATH")) if p)}
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return env


def _connect(options: RayOptions) -> tuple[int, str]:
    """Start or join Ray; the number of trial slots and a description of where trials run."""
    ray = require_ray()
    runtime_env: dict[str, Any] = {"env_vars": worker_env(options.cpus_per_trial)}
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR, "configure_logging": True}
    if options.address:
        runtime_env["py_modules"] = [str(package_root() / "bonsaic")]
        try:
            ray.init(address=options.address, runtime_env=runtime_env, **quiet)
        except (ConnectionError, RuntimeError) as err:
            raise BonsaicError(f"cannot join the Ray cluster: {str(err).strip().splitlines()[-1]}",
                               filename="--address", hint="start one with `ray start --head` and give the address "
                               "it prints; a cluster with token authentication (Ray's default for `ray start`) "
                               "needs RAY_AUTH_MODE=token here too (and its token in ~/.ray/auth_token or "
                               "RAY_AUTH_TOKEN)") from None
        cpus = ray.cluster_resources().get("CPU", 1.0)
        where = f"Ray cluster at {options.address} ({cpus:g} CPUs, {len(ray.nodes())} nodes)"
    else:
        cpus = float(os.cpu_count() or 1)
        ray.init(address="local", num_cpus=int(cpus), include_dashboard=False, runtime_env=runtime_env, **quiet)
        where = f"a local Ray instance ({cpus:g} CPUs)"
    slots = max(1, int(cpus // options.cpus_per_trial))
    if options.workers:
        slots = min(slots, options.workers)
    return slots, where


def require_ray() -> Any:
    """The ``ray`` module, or a clean error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise BonsaicError("bonsaic sweep needs Ray, which is not installed",
                           hint="pip install 'bonsaic[sweep]' (or: pip install 'ray[default]')") from None
    return ray


def _crashed(err: Exception) -> Record:
    """The record of a trial that crashed on both tries."""
    text = str(err).strip().splitlines()
    last = next((line for line in reversed(text) if line.strip()), type(err).__name__)
    return {"verdict": "failed", "neurons": None, "states": None, "edges": None, "margin": None, "ir": None,
            "trained": None, "error": f"crashed on both tries ({type(err).__name__}): {last.strip()[:300]}"}


def run(spec_source: str, spec_name: str, trials: list[Trial], store: Store, options: RayOptions,
        display: Display, on_connect: Any = None) -> Outcome:
    """Run the trials that ``store`` has no record of; each result is stored as it arrives."""
    ray = require_ray()
    from ray.exceptions import RayError

    from bonsaic.sweep.trial import run_trial

    outcome = Outcome()
    queue = deque(t for t in trials if t.id not in store.records)
    if not queue:
        return outcome
    inflight: dict[Any, Trial] = {}
    start = time.monotonic()
    try:
        outcome.slots, outcome.where = _connect(options)
        if on_connect is not None:
            on_connect(outcome)
        task = ray.remote(run_trial).options(num_cpus=options.cpus_per_trial, max_retries=1, retry_exceptions=True,
                                             name="bonsaic-trial")
        while queue or inflight:
            out_of_time = options.time_budget is not None and time.monotonic() - start > options.time_budget
            outcome.out_of_time = out_of_time and bool(queue)
            while queue and len(inflight) < outcome.slots and not out_of_time:
                trial = queue.popleft()
                inflight[task.remote(spec_source, spec_name, trial.settings, options.pipeline)] = trial
                display.started(trial)
            if not inflight:
                break
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=WAIT_SECONDS)
            for ref in ready:
                trial = inflight.pop(ref)
                try:
                    record = ray.get(ref)
                except RayError as err:
                    record = _crashed(err)
                record.update(id=trial.id, index=trial.index, settings=trial.settings)
                store.append(record)
                outcome.finished += 1
                display.finished(trial, record)
            display.refresh()
    except KeyboardInterrupt:
        outcome.interrupted = True
        for ref in inflight:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - the task may have finished or its worker gone meanwhile
                pass
    finally:
        outcome.not_started = len(queue) + len(inflight) if outcome.interrupted else len(queue)
        if ray.is_initialized():
            ray.shutdown()
    return outcome
