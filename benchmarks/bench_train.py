"""Training throughput of bonsaic's tinygrad trainer against the best PyTorch, and time to the first step.

Run from the repository root: ``.venv/bin/python benchmarks/bench_train.py [--quick] [-o FILE]``.
Prints (and with ``-o`` writes) a markdown section; every number in it is measured in that run, on
that machine, with the machine's load average at the start and end of each table.

* Throughput: steps/s of one training step (forward, backward, Adam) on fixed data, for the 1-cell
  net of ``examples/delay1.bns`` (4 outputs, 2 states) and the 2-cell net of
  ``examples/gate_switcher.bns`` (16/10 each), length 20, batch 64/256/1024, against PyTorch
  (``benchmarks/torch_reference.py``: a lean eager step, and ``torch.compile`` of it) at 1 and 2
  threads. Every row runs in its own fresh process; the candidates of one configuration run
  interleaved, ``REPEATS`` times, and the table gives medians. torch.compile's first step (its
  compile) is reported separately, with an empty inductor cache (first repetition) and a warm one.
* Restarts: restart-steps/s with K = 1, 8, 32 networks trained as one batched model, bonsaic
  against PyTorch batching the same K networks (batched matmuls), eager and compiled.
* Time to the first step of every bundled example (its own settings) in a new process: with
  nothing cached (cold) and with tinygrad's and bonsaic's caches warm.

``--accelerator [--batches=256,1024,4096] [--deadline=SECONDS]`` measures the throughput table on a
GPU instead: run it with ``DEV=CUDA`` (or ``NV``, ``AMD``) and a CUDA build of torch; see
:func:`accelerator`.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# tinygrad writes the device it picks into os.environ["DEV"] "for spawned children"; children must
# see the user's DEV (usually none), or they would all run on whatever tinygrad picked here.
USER_DEV = os.environ.get("DEV")
USER_ENV = {k: os.environ[k] for k in ("HCQ2",) if k in os.environ}  # before bonsaic.train sets its default
# bonsaic's defaults for tinygrad (HCQ2 above all) are set when bonsaic.train is imported and read by
# tinygrad when *it* is imported: a row that imported tinygrad first measured bonsaic without HCQ2
# (the 2026-12-07 03:30 run; `bonsaic train` itself always imports bonsaic.train first). Importing the
# package starts no tinygrad, so the torch rows still run in processes without it.
import bonsaic.train  # noqa: E402,F401

CONFIGS = {"1 cell 4/2": "delay1.bns", "2 cells 16/10": "gate_switcher.bns"}
# the one-cell net, the seed post's 4/2 shape, for an example that has no model section of its own
# (delay1's was deleted with its other settings: the defaults size it from the task)
ONE_CELL = "\nmodel {\n    cell(outputs = 4, states = 2, activation = interpolated_ameo(factor = 0.5, leakyness = 0.1))\n}\n"
LENGTH = 20
REPEATS = 3
# what a throughput row can be: bonsaic, or torch (eager or compiled) at a thread count
TORCH_ROWS = ("torch eager 1t", "torch eager 2t", "torch.compile 1t", "torch.compile 2t")
# the full table compiles at 1 thread only: each torch.compile row costs a compile (10-130 s here)
FULL_TORCH_ROWS = ("torch eager 1t", "torch eager 2t", "torch.compile 1t")
# bonsaic without tinygrad's HCQ2 mode (its default since issue #21: the whole captured step as one
# command buffer), to show what that mode is worth
HCQ2_CONFIGS = {("delay1.bns", 256), ("gate_switcher.bns", 256)}
# a new process up to the end of its first training step, as `bonsaic train SPEC` gets there: the
# CLI's imports, then a trainer with the spec's own settings, its model sized from the task where it
# gives none (batch 0 keeps the spec's batch)
FIRST_STEP_CHILD = """
import sys, time
import bonsaic.cli.main
from bonsaic.spec import Program, load_spec
from bonsaic.spec.sizing import with_sized_model
from bonsaic.train.loop import Trainer
from bonsaic.train.settings import TrainSettings
spec, _ = with_sized_model(Program(load_spec(sys.argv[1])))
batch = int(sys.argv[2]) or None
trainer = Trainer(spec, TrainSettings.from_spec(spec, batch=batch, length=20 if batch else None,
                                                restarts=1 if batch else None))
trainer.run(until=1)
print(time.time())
trainer.close()
"""


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as ``uptime`` prints them: other jobs share this
    project's 2-core machine, and a table is only honest with the load it was measured under."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def bench_spec(example: str):  # noqa: ANN201 - bonsaic.spec.Spec
    """The example's spec with continuous states: the timed step is the plain model the torch
    reference also runs (binary states, which gate_switcher's spec asks for, add a mask input and
    a sign per state that the reference does not have). An example without a model section gets
    :data:`ONE_CELL`."""
    from dataclasses import replace

    from bonsaic.spec import load_spec, parse_spec

    path = ROOT / "examples" / example
    spec = load_spec(path)
    if not spec.model_given:
        spec = parse_spec(path.read_text() + ONE_CELL, str(path))
    return replace(spec, model=replace(spec.model, binary_states=False))


def _trainer(example: str, batch: int, restarts: int = 1):  # noqa: ANN202
    from bonsaic.train.loop import Trainer

    spec = bench_spec(example)
    return Trainer(spec, bench_settings(spec, batch, restarts))


def bench_settings(spec, batch: int, restarts: int):  # noqa: ANN001, ANN201 - Spec -> TrainSettings
    """The benchmarked configuration: the spec's model and optimizer at ``batch`` and length
    ``LENGTH``, without schedule, state noise or pruning (the torch reference has none; they are
    training options, not part of the model whose step is timed)."""
    from dataclasses import replace

    from bonsaic.train.settings import TrainSettings

    settings = TrainSettings.from_spec(spec, batch=batch, length=LENGTH, restarts=restarts, schedule=(),
                                       state_noise=0.0)
    return replace(settings, prune=None)  # from_spec takes None as "no override"


def _rate(step, seconds: float) -> float:  # noqa: ANN001 - a zero-argument callable
    """Steps per second of ``step()`` over about ``seconds`` (after two warm-up calls)."""
    step()
    step()
    count, start = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - start < seconds:
        step()
        count += 1
    return count / (time.perf_counter() - start)


def _started(example: str, batch: int, restarts: int):  # noqa: ANN202 - (trainer, step, batch, seconds)
    """A trainer that has run two steps on its first batch: (trainer, a zero-argument step on that
    batch, the batch as numpy arrays, seconds from building the trainer to the end of step two)."""
    from tinygrad import Tensor

    start = time.perf_counter()
    trainer = _trainer(example, batch, restarts)
    x, y = trainer._batch(0)
    tx, ty = Tensor(x, device=trainer.settings.device), Tensor(y, device=trainer.settings.device)
    step = lambda: trainer._jit_step(tx, ty)[0].numpy()  # noqa: E731
    step()
    step()
    return trainer, step, (x, y), time.perf_counter() - start


def throughput(example: str, batch: int, seconds: float, restarts: int = 1,
               torch_device: str = "cpu") -> tuple[float, float | None, float]:
    """(tinygrad steps/s, torch eager steps/s or None if torch is missing, seconds from building the
    trainer to the end of its second step) on the same data; torch runs on ``torch_device``."""
    trainer, step, (x, y), first = _started(example, batch, restarts)
    tiny = _rate(step, seconds)
    torch_rate = _torch_rate(trainer, x, y, seconds, torch_device)
    trainer.close()
    return tiny, torch_rate, first


def _torch_rate(trainer, x: np.ndarray, y: np.ndarray, seconds: float,  # noqa: ANN001 - a Trainer
                torch_device: str = "cpu") -> float | None:
    """Steps/s of the PyTorch eager model with ``trainer``'s parameters on batch ``x, y`` (None
    without torch)."""
    return _torch_rate_of(trainer.shape, trainer.params_numpy(), trainer.settings, x, y, seconds, torch_device)


def _torch_rate_of(shape, params: dict[str, np.ndarray], settings, x: np.ndarray, y: np.ndarray,  # noqa: ANN001
                   seconds: float, torch_device: str = "cpu", compiled: bool = False) -> float | None:
    return _torch_row(shape, params, settings, x, y, seconds, torch_device, compiled)[0]


def _torch_row(shape, params: dict[str, np.ndarray], settings, x: np.ndarray, y: np.ndarray,  # noqa: ANN001
               seconds: float, torch_device: str = "cpu", compiled: bool = False) -> tuple[float | None, float]:
    """(steps/s or None without torch, seconds of the first step: for ``compiled``, its compile)."""
    try:
        import torch

        from benchmarks.torch_reference import TorchStep
    except ImportError:
        return None, 0.0
    torch_step = TorchStep(shape, params, settings.regularizer, settings.lr, device=torch_device,
                           compiled=compiled)
    px, py = torch.tensor(x, device=torch_device), torch.tensor(y, device=torch_device)
    rate = _rate(lambda: torch_step(px, py), seconds)
    return rate, torch_step.compile_seconds or 0.0


def row_rate(implementation: str, example: str, batch: int, restarts: int, seconds: float) -> dict:
    """Steps/s of one implementation on one configuration, in this process: ``bonsaic`` (or
    ``tinygrad``), or one of :data:`TORCH_ROWS`. All start from the parameters and first batch a
    trainer with the spec's seed makes. Returns ``{"rate", "first"}`` (``first``: seconds of the
    first step, i.e. torch.compile's compile; 0 for the others)."""
    if implementation in ("tinygrad", "bonsaic", "bonsaic HCQ2=0"):
        trainer, step, _data, _first = _started(example, batch, restarts)
        rate = _rate(step, seconds)
        trainer.close()
        return {"rate": rate, "first": 0.0}
    # what Trainer.__init__ and Trainer._batch(0) make, without starting tinygrad in this process
    from bonsaic.spec import Program
    from bonsaic.train.loop import training_batch
    from bonsaic.train.model import NetShape, init_params

    spec = bench_spec(example)
    settings = bench_settings(spec, batch, restarts)
    shape = NetShape.from_spec(spec)
    params = init_params(shape, restarts, np.random.default_rng(settings.seed))
    x, y = training_batch(Program(spec), settings, 0)
    if implementation != "torch":  # "torch eager 1t", "torch.compile 2t", ...
        try:
            import torch

            torch.set_num_threads(int(implementation.rsplit(" ", 1)[1].removesuffix("t")))
        except ImportError:
            pass
    rate, first = _torch_row(shape, params, settings, x, y, seconds, compiled="compile" in implementation)
    return {"rate": rate, "first": first}


def _fresh_row(implementation: str, example: str, batch: int, seconds: float, restarts: int = 1,
               env: dict[str, str] | None = None) -> dict:
    """:func:`row_rate` in a fresh process, so that neither implementation runs next to the other's
    threads, allocations or caches (torch measured after tinygrad in one process ran at 60% of its
    speed alone)."""
    (result,) = _children([["--row", implementation, example, str(batch), str(restarts), str(seconds)]],
                          env or _child_env(), time.perf_counter(), None, parallel=False)
    if isinstance(result, str):
        raise RuntimeError(f"{implementation} row {example} batch {batch}: {result}")
    return result


def interleaved(rows: list[str], example: str, batch: int, restarts: int, seconds: float, repeats: int,
                env: dict[str, str]) -> dict[str, list[dict]]:
    """Every row of one configuration, each in its own process, one after the other, ``repeats``
    times over (so that a change in the machine's load hits all of them alike)."""
    results: dict[str, list[dict]] = {row: [] for row in rows}
    for _ in range(repeats):
        for row in rows:
            row_env = {**env, "HCQ2": "0"} if row == "bonsaic HCQ2=0" else env
            results[row].append(_fresh_row(row, example, batch, seconds, restarts, row_env))
    return results


def derivative_variant(autograd: bool, seconds: float) -> tuple[float, float, float]:
    """(seconds for the first two steps, steps/s, max |gradient - hand-written gradient| on a grid)
    with the activation's gradient either hand-written or left to autograd."""
    from tinygrad import Tensor

    from bonsaic.ir.activations import Activation
    from bonsaic.train import activation

    hand_apply = activation.apply
    if autograd:
        activation.apply = activation.forward
    try:
        act = Activation.interpolated_ameo(0.5, 0.1)
        grid = Tensor(np.linspace(-6, 6, 20001, dtype=np.float32))
        activation.apply(act, grid).sum().backward()
        diff = float(np.abs(grid.grad.numpy() - act.derivative(grid.numpy())).max())
        start = time.perf_counter()
        trainer = _trainer("delay1.bns", 256)
        x, y = trainer._batch(0)
        tx, ty = Tensor(x, device=trainer.settings.device), Tensor(y, device=trainer.settings.device)
        trainer._jit_step(tx, ty)[0].numpy()
        trainer._jit_step(tx, ty)[0].numpy()
        first = time.perf_counter() - start
        rate = _rate(lambda: trainer._jit_step(tx, ty)[0].numpy(), seconds)
        trainer.close()
    finally:
        activation.apply = hand_apply
    return first, rate, diff


def _child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEV", "HCQ2")}  # HCQ2: bonsaic's default unless a row says
    if "HCQ2" in USER_ENV:
        env["HCQ2"] = USER_ENV["HCQ2"]
    if USER_DEV is not None:
        env["DEV"] = USER_DEV
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _in_fresh_process(*args: str) -> list[float]:
    """Run this file with ``args`` in a new process (no kernels compiled yet) and read its numbers."""
    env = _child_env(BONSAIC_JIT_CACHE="0")  # really compile each variant
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True,
                          check=True)
    return [float(v) for v in done.stdout.split()]


def first_step_seconds(example: str, batch: int, cache_dir: Path, step_cache: bool) -> float:
    """Wall time from spawning a fresh process to the end of its first training step, with tinygrad's
    compile cache and bonsaic's step cache in ``cache_dir`` (the latter only if ``step_cache``)."""
    env = _child_env(CACHEDB=str(cache_dir / "tinygrad.db"), BONSAIC_CACHE_DIR=str(cache_dir),
                     BONSAIC_JIT_CACHE="1" if step_cache else "0")
    start = time.time()
    done = subprocess.run([sys.executable, "-c", FIRST_STEP_CHILD, str(ROOT / "examples" / example),
                           str(batch)], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1]) - start


def _speed_table(quick: bool, seconds: float, repeats: int, env: dict[str, str]) -> list[str]:
    """The throughput table: bonsaic against torch eager and torch.compile, 1 and 2 threads."""
    batches = [256] if quick else [64, 256, 1024]
    torch_rows = ("torch eager 1t", "torch.compile 1t") if quick else FULL_TORCH_ROWS
    threads = " / ".join(r[-2] for r in torch_rows if "compile" in r)
    lines = [f"Load average at the start: {load_average()}.", "",
             f"| net | batch | bonsaic | torch eager {' / '.join(r[-2] for r in torch_rows if 'eager' in r)} threads "
             f"| torch.compile {threads} threads "
             "| bonsaic ÷ best eager | bonsaic ÷ best compile | compile: first step, cold / warm cache (s) |",
             "|---|---|---|---|---|---|---|---|"]
    best: dict[tuple[str, int], tuple[str, str]] = {}
    for name, example in CONFIGS.items():
        for batch in batches:
            hcq2 = ["bonsaic HCQ2=0"] if (example, batch) in HCQ2_CONFIGS else []
            results = interleaved(["bonsaic", *hcq2, *torch_rows], example, batch, 1, seconds, repeats, env)
            rate = {row: median([r["rate"] for r in results[row]]) if results[row][0]["rate"] is not None
                    else None for row in results}
            if rate[torch_rows[0]] is None:
                lines.append(f"| {name} | {batch} | {rate['bonsaic']:.1f} | - | - | - | - | - |")
                continue

            def both(kind: str, rate: dict = rate) -> tuple[str, str]:
                rows = [r for r in torch_rows if r.startswith(kind)]
                return " / ".join(f"{rate[r]:.1f}" for r in rows), max(rows, key=lambda r: rate[r])

            eager, best_eager = both("torch eager")
            compiled, best_compile = both("torch.compile")
            best[(example, batch)] = (best_eager, best_compile)
            firsts = [r["first"] for r in results["torch.compile 1t"]]
            warm = f"{median(firsts[1:]):.1f}" if len(firsts) > 1 else "-"
            lines.append(f"| {name} | {batch} | {rate['bonsaic']:.1f} | {eager} | {compiled} "
                         f"| {rate['bonsaic'] / rate[best_eager]:.2f} | {rate['bonsaic'] / rate[best_compile]:.2f} "
                         f"| {firsts[0]:.1f} / {warm} |")
            _K1[(example, batch)] = {row: rate[row] for row in rate}
            if hcq2:
                r = rate["bonsaic HCQ2=0"]
                lines.append(f"| {name}, bonsaic with `HCQ2=0` (tinygrad's per-kernel replay) | {batch} | {r:.1f} | | | "
                             f"{r / rate[best_eager]:.2f} | {r / rate[best_compile]:.2f} | |")
    lines += ["", f"Load average at the end: {load_average()}."]
    _BEST_THREADS.update(best)
    return lines


_BEST_THREADS: dict[tuple[str, int], tuple[str, str]] = {}  # (example, batch) -> fastest torch rows
_K1: dict[tuple[str, int], dict[str, float]] = {}  # (example, batch) -> steps/s per row, one restart


def _restarts_table(quick: bool, seconds: float, repeats: int, env: dict[str, str]) -> list[str]:
    """Restart-steps/s: K networks as one batched model, bonsaic against torch batching them too."""
    configs = [("1 cell 4/2", "delay1.bns", 256)]
    counts = (1, 8) if quick else (1, 8, 32)
    lines = [f"Load average at the start: {load_average()}.", "",
             "| net | batch | K | bonsaic restart-steps/s | torch eager | torch.compile "
             "| bonsaic ÷ eager | bonsaic ÷ compile |", "|---|---|---|---|---|---|---|---|"]
    for name, example, batch in configs:
        eager, compiled = _BEST_THREADS.get((example, batch), ("torch eager 1t", "torch.compile 1t"))
        for k in counts:
            if k == 1 and (example, batch) in _K1:  # measured in the throughput table of this run
                results = {row: [{"rate": _K1[(example, batch)][row]}] for row in ("bonsaic", eager, compiled)}
            else:
                results = interleaved(["bonsaic", eager, compiled], example, batch, k, seconds, repeats, env)
            if results[eager][0]["rate"] is None:
                rate = median([r["rate"] for r in results["bonsaic"]]) * k
                lines.append(f"| {name} | {batch} | {k} | {rate:.0f} | - | - | - | - |")
                continue
            rate = {row: median([r["rate"] for r in results[row]]) * k for row in results}
            lines.append(f"| {name} | {batch} | {k} | {rate['bonsaic']:.0f} | {rate[eager]:.0f} ({eager[-2:]}) "
                         f"| {rate[compiled]:.0f} ({compiled[-2:]}) | {rate['bonsaic'] / rate[eager]:.2f} "
                         f"| {rate['bonsaic'] / rate[compiled]:.2f} |")
    lines += ["", f"Load average at the end: {load_average()}."]
    return lines


def _first_step_table(quick: bool) -> list[str]:
    """Every bundled example with its own settings: a new process to the end of its first step."""
    examples = ["delay1"] if quick else sorted(p.stem for p in (ROOT / "examples").glob("*.bns"))
    lines = [f"Load average at the start: {load_average()}.", "",
             "| example | batch × restarts | cold: nothing cached (s) | warm: tinygrad and bonsaic caches (s) |",
             "|---|---|---|---|"]
    from bonsaic.spec import load_spec
    from bonsaic.train.settings import TrainSettings

    for name in examples:
        train = TrainSettings.from_spec(load_spec(ROOT / "examples" / f"{name}.bns"))
        with tempfile.TemporaryDirectory() as tmp:
            cold = first_step_seconds(f"{name}.bns", 0, Path(tmp), step_cache=True)
            warm = median([first_step_seconds(f"{name}.bns", 0, Path(tmp), step_cache=True)
                           for _ in range(1 if quick else 2)])
        lines.append(f"| {name} | {train.batch} × {train.restarts} | {cold:.1f} | {warm:.1f} |")
    lines += ["", f"Load average at the end: {load_average()}."]
    return lines


def main(quick: bool = False, sections: tuple[str, ...] = ("speed", "restarts", "derivative", "first")) -> str:
    """Measure and return the markdown section (``quick``: batch 256 only, one repetition, fewer rows;
    ``sections``: which tables, of speed, restarts, derivative, first)."""
    sys.path.insert(0, str(ROOT))
    seconds, repeats = (1.0, 1) if quick else (2.0, REPEATS)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = ["## Training throughput: bonsaic (tinygrad) vs PyTorch eager and torch.compile, CPU", "",
             f"`{sys.executable} benchmarks/bench_train.py{' --quick' if quick else ''}`, started {started}, "
             f"commit {_commit()}, length {LENGTH}, {os.cpu_count()} CPU cores, tinygrad device {_device()}; "
             f"steps/s, median of {repeats}, every row in its own process, the rows of one configuration "
             "interleaved. torch runs `benchmarks/torch_reference.py` (lean eager; `torch.compile` of it), "
             "at 1 and 2 threads; the ratios are against the faster thread count.", ""]
    with tempfile.TemporaryDirectory() as inductor:
        env = _child_env(TORCHINDUCTOR_CACHE_DIR=inductor)  # the first compile of each row is cold
        if "speed" in sections:
            lines += _speed_table(quick, seconds, repeats, env)
        if "restarts" in sections:
            lines += ["", "### Restarts as one batched model: restart-steps/s (K networks × steps/s)", "",
                  "PyTorch batches the same K networks along a leading axis (batched matmuls); it runs at the "
                  "thread count that was faster in the table above; K = 1 is the table's own row.", ""]
            lines += _restarts_table(quick, seconds, repeats, env)
    if not quick and "derivative" in sections:
        lines += ["", "### Hand-written derivative vs autograd through the where-chain (1 cell, batch 256)", "",
                  "| derivative | first two steps (s) | steps/s | max abs. gradient difference |",
                  "|---|---|---|---|"]
        for variant in ("hand-written (detach identity)", "autograd"):
            first, rate, diff = _in_fresh_process("--variant", "autograd" if "auto" in variant else "hand",
                                                  str(seconds))
            lines.append(f"| {variant} | {first:.1f} | {rate:.1f} | {diff:.2e} |")
    if "first" not in sections:
        return "\n".join(lines) + "\n"
    lines += ["", "### Time to the first training step (new process, each example's own settings)", "",
              "From starting the process to the end of the first step: the CLI's imports, building the "
              "trainer (the spec's batch, length 20 or its own, its restarts, state noise, pruning) and "
              "one step. Cold: empty tinygrad compile cache and bonsaic step cache (`CACHEDB` and "
              "`BONSAIC_CACHE_DIR` in a new directory); warm: the same directories again.", ""]
    lines += _first_step_table(quick)
    return "\n".join(lines) + "\n"


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def accelerator(seconds: float = 2.0, batches: tuple[int, ...] = (256, 1024, 4096),
                deadline: float | None = None) -> str:
    """The throughput table on an accelerator: tinygrad on the device ``DEV`` names (``CUDA``, ``NV``,
    ``AMD``...) against PyTorch eager on ``cuda``, same model and data, same run.

    Batches go up to 4096 (the size the seed post trained gate_switcher with) and one row trains 32 restarts as
    one batched model, because on a GPU these tiny networks are bound by kernel launches, not by
    arithmetic: more sequences or more restarts per step should cost little.

    Two phases, each row in a fresh process. First every row captures its training step cold
    (nothing cached), all rows at once: capture is single-threaded Python plus compiler work, and
    GPU hosts have cores to spare. That measures the cold time to the end of the second step, the
    kernels compiled and the time spent lowering and compiling them, and writes bonsaic's step
    cache. Then the rows run one after the other, loading their step from that cache (the warm
    time to the second step), and measure tinygrad's and torch's steps/s with nothing else running.
    A row not finished ``deadline`` seconds after the start is reported as such instead of stalling
    the table.
    """
    rows = [(name, example, batch, 1) for name, example in CONFIGS.items() for batch in batches]
    rows.append(("2 cells 16/10", CONFIGS["2 cells 16/10"], batches[0], 32))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        env = _child_env(BONSAIC_CACHE_DIR=tmp, CACHEDB=str(Path(tmp) / "tinygrad.db"))
        args = [[example, str(batch), str(restarts), str(seconds)] for _name, example, batch, restarts in rows]
        cold = _children([["--accelerator-capture", *a] for a in args], env, start, deadline, parallel=True)
        captured = [a for a, c in zip(args, cold, strict=True) if isinstance(c, dict)]
        measured = iter(_children([["--accelerator-row", *a] for a in captured], env, start, deadline,
                                  parallel=False))
        warm = [next(measured) if isinstance(c, dict) else "" for c in cold]
    info = next((r for r in warm if isinstance(r, dict)), {})
    lines = ["## Training throughput on an accelerator (tinygrad vs PyTorch eager)", "",
             f"`DEV={info.get('device', _device())} {sys.executable} benchmarks/bench_train.py --accelerator`, "
             f"length {LENGTH}, torch {info.get('torch', '-')} on {info.get('where', '-')}. Cold: a fresh "
             "process with empty caches, all rows capturing at once; warm: the step loaded from bonsaic's "
             "step cache; rates measured one row at a time.", "",
             "| net | batch | restarts | cold: first two steps (s) | kernels compiled | lower + compile (s) "
             "| warm: first two steps (s) | tinygrad steps/s | torch eager steps/s | tinygrad networks × seq/s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for (name, _example, batch, restarts), c, w in zip(rows, cold, warm, strict=True):
        cells = [c] * 3 if isinstance(c, str) else [f"{c['first']:.1f}", str(c["kernels"]), f"{c['compile_s']:.1f}"]
        if isinstance(w, str):
            cells += [w, "", "", ""]
        else:
            torch_rate = "-" if w["torch_rate"] is None else f"{w['torch_rate']:.1f}"
            cells += [f"{w['first']:.1f}", f"{w['tiny']:.1f}", torch_rate, f"{w['tiny'] * batch * restarts:.0f}"]
        lines.append(f"| {name} | {batch} | {restarts} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _children(argvs: list[list[str]], env: dict[str, str], start: float, deadline: float | None,
              parallel: bool) -> list[dict | str]:
    """Run this file once per argv (all at once or one by one); each child's last stdout line is
    JSON. Returns those dicts, or for each child that has none the reason why."""
    def spawn(argv: list[str]) -> subprocess.Popen:
        # own session: a late child is killed with its compile workers, not just itself
        return subprocess.Popen([sys.executable, __file__, *argv], env=env, stdout=subprocess.PIPE, text=True,
                                start_new_session=True)

    def result(child: subprocess.Popen) -> dict | str:
        left = None if deadline is None else max(0.1, deadline - (time.perf_counter() - start))
        try:
            out, _ = child.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return f"not finished after {deadline:.0f} s"
        lines = out.strip().splitlines()
        return json.loads(lines[-1]) if child.returncode == 0 and lines else f"failed (exit {child.returncode})"

    if parallel:
        return [result(child) for child in [spawn(argv) for argv in argvs]]
    return [result(spawn(argv)) for argv in argvs]


def _accelerator_capture(example: str, batch: int, restarts: int) -> dict:
    """Phase one of :func:`accelerator`: build the trainer and run two steps, counting the kernels
    compiled and timing tinygrad's lowering and compiling of them (rendering plus the device's
    compiler, in tinygrad's worker pool); store the captured step in the step cache."""
    from tinygrad.codegen import to_program_cache
    from tinygrad.engine import realize

    compiled = {"seconds": 0.0}
    plain = realize.lower_and_compile

    def timed(linear):  # noqa: ANN001, ANN202 - tinygrad's UOp
        t = time.perf_counter()
        try:
            return plain(linear)
        finally:
            compiled["seconds"] += time.perf_counter() - t

    realize.lower_and_compile = timed  # the scheduler calls it by this module-level name
    known = len(to_program_cache)
    trainer, _step, _data, first = _started(example, batch, restarts)
    trainer._cache_step()
    trainer.close()
    return {"first": first, "kernels": len(to_program_cache) - known, "compile_s": compiled["seconds"]}


def _accelerator_row(example: str, batch: int, restarts: int, seconds: float) -> dict:
    """Phase two of :func:`accelerator`: :func:`throughput` with torch on CUDA where it has it."""
    try:
        import torch
        torch_device = "cuda" if torch.cuda.is_available() else "cpu"
        where = torch.cuda.get_device_name(0) if torch_device == "cuda" else "the CPU (no CUDA device)"
        version = torch.__version__
    except ImportError:
        torch_device, where, version = "cpu", "-", "-"
    tiny, torch_rate, first = throughput(example, batch, seconds, restarts, torch_device)
    return {"tiny": tiny, "torch_rate": torch_rate, "first": first, "device": _device(), "where": where,
            "torch": version}


def _device() -> str:
    """The device the trainer picks (what the tinygrad rows ran on)."""
    from tinygrad import Device

    from bonsaic.train.settings import default_device

    return str(default_device() or Device.DEFAULT)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        raise SystemExit(0)
    if sys.argv[1:2] == ["--variant"]:
        print(*derivative_variant(sys.argv[2] == "autograd", float(sys.argv[3])))
    elif sys.argv[1:2] == ["--row"]:
        sys.path.insert(0, str(ROOT))
        implementation, example, batch, restarts, seconds = sys.argv[2:7]
        print(json.dumps(row_rate(implementation, example, int(batch), int(restarts), float(seconds))))
    elif sys.argv[1:2] in (["--accelerator-capture"], ["--accelerator-row"]):
        sys.path.insert(0, str(ROOT))
        example, batch, restarts, seconds = sys.argv[2:6]
        if sys.argv[1] == "--accelerator-capture":
            print(json.dumps(_accelerator_capture(example, int(batch), int(restarts))))
        else:
            print(json.dumps(_accelerator_row(example, int(batch), int(restarts), float(seconds))))
    elif "--accelerator" in sys.argv:
        sys.path.insert(0, str(ROOT))
        options = dict(a[2:].split("=", 1) for a in sys.argv if a.startswith("--") and "=" in a)
        batches = tuple(int(b) for b in options.get("batches", "256,1024,4096").split(","))
        deadline = float(options["deadline"]) if "deadline" in options else None
        print(accelerator(batches=batches, deadline=deadline))
    else:
        chosen = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")), None)
        text = main(quick="--quick" in sys.argv,
                    **({"sections": tuple(chosen.split(","))} if chosen else {}))
        print(text)
        if "-o" in sys.argv:
            Path(sys.argv[sys.argv.index("-o") + 1]).write_text(text)
