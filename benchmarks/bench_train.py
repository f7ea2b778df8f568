"""Training throughput of bonsaic's tinygrad trainer against PyTorch eager, and time to the first step.

Run from the repository root: ``.venv/bin/python benchmarks/bench_train.py [--quick]``. Prints a
markdown section; every number in it is measured in that run, on that machine.

* Throughput: steps/s and sequences/s of one training step (forward, backward, Adam) on fixed
  data, for the 1-cell net of ``examples/delay1.bns`` (4 outputs, 2 states) and the 2-cell net of
  ``examples/gate_switcher.bns`` (16/10 each), length 20, batch 64/256/1024; the PyTorch rows run
  the same model (``benchmarks/torch_reference.py``) on the same data in the same process.
* Time to the first step: a fresh process from start-up to the end of the first training step:
  with nothing cached (cold; this run also writes bonsaic's step cache), with only tinygrad's
  compile cache warm (``BONSAIC_JIT_CACHE=0``: what every run cost before the step cache), and with
  bonsaic's step cache (``bonsaic/train/jitcache.py``, what a second ``bonsaic train`` of the same
  configuration sees).

``--accelerator [--batches=256,1024,4096] [--deadline=SECONDS]`` measures the throughput table on a
GPU instead: run it with ``DEV=CUDA`` (or ``NV``, ``AMD``) and a CUDA build of torch; see
:func:`accelerator`.
"""

from __future__ import annotations

import json
import os
import signal
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
CONFIGS = {"1 cell 4/2": "delay1.bns", "2 cells 16/10": "gate_switcher.bns"}
LENGTH = 20
FIRST_STEP_CHILD = """
import sys, time
from bonsaic.spec import load_spec
from bonsaic.train.loop import Trainer
from bonsaic.train.settings import TrainSettings
spec = load_spec(sys.argv[1])
trainer = Trainer(spec, TrainSettings.from_spec(spec, batch=int(sys.argv[2]), length=20, restarts=1))
trainer.run(until=1)
print(time.time())
trainer.close()
"""


def _trainer(example: str, batch: int, restarts: int = 1):  # noqa: ANN202
    from bonsaic.spec import load_spec
    from bonsaic.train.loop import Trainer

    spec = load_spec(ROOT / "examples" / example)
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
                   seconds: float, torch_device: str = "cpu") -> float | None:
    try:
        import torch

        from benchmarks.torch_reference import TorchStep
    except ImportError:
        return None
    torch_step = TorchStep(shape, params, settings.regularizer, settings.lr, device=torch_device)
    px, py = torch.tensor(x, device=torch_device), torch.tensor(y, device=torch_device)
    return _rate(lambda: torch_step(px, py), seconds)


def row_rate(implementation: str, example: str, batch: int, restarts: int, seconds: float) -> float | None:
    """Steps/s of one implementation (``tinygrad`` or ``torch``) on one configuration, in this
    process: both start from the parameters and first batch a trainer with the spec's seed makes."""
    if implementation == "tinygrad":
        trainer, step, _data, _first = _started(example, batch, restarts)
        rate = _rate(step, seconds)
        trainer.close()
        return rate
    # what Trainer.__init__ and Trainer._batch(0) make, without starting tinygrad in this process
    from bonsaic.spec import Program, load_spec
    from bonsaic.train.loop import training_batch
    from bonsaic.train.model import NetShape, init_params

    spec = load_spec(ROOT / "examples" / example)
    settings = bench_settings(spec, batch, restarts)
    shape = NetShape.from_spec(spec)
    params = init_params(shape, restarts, np.random.default_rng(settings.seed))
    x, y = training_batch(Program(spec), settings, 0)
    return _torch_rate_of(shape, params, settings, x, y, seconds)


def _fresh_rate(implementation: str, example: str, batch: int, seconds: float, restarts: int = 1) -> float | None:
    """:func:`row_rate` in a fresh process, so that neither implementation runs next to the other's
    threads, allocations or caches (torch measured after tinygrad in one process ran at 60% of its
    speed alone)."""
    (result,) = _children([["--row", implementation, example, str(batch), str(restarts), str(seconds)]],
                          _child_env(), time.perf_counter(), None, parallel=False)
    if isinstance(result, str):
        raise RuntimeError(f"{implementation} row {example} batch {batch}: {result}")
    return result["rate"]


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
    env = {k: v for k, v in os.environ.items() if k != "DEV"}
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


def main(quick: bool = False) -> str:
    """Measure and return the markdown section (``quick``: batch 256 only, shorter timings)."""
    sys.path.insert(0, str(ROOT))
    batches = [256] if quick else [64, 256, 1024]
    seconds = 2.0
    lines = ["## Training throughput (tinygrad vs PyTorch eager, CPU)", "",
             f"`{sys.executable} benchmarks/bench_train.py{' --quick' if quick else ''}`, length {LENGTH}, "
             f"{os.cpu_count()} CPU cores, tinygrad device {_device()}.", "",
             "| net | batch | tinygrad steps/s | tinygrad seq/s | torch eager steps/s | torch seq/s |",
             "|---|---|---|---|---|---|"]
    missing_torch = False
    for name, example in CONFIGS.items():
        for batch in batches:
            tiny = _fresh_rate("tinygrad", example, batch, seconds)
            torch_rate = _fresh_rate("torch", example, batch, seconds)
            missing_torch |= torch_rate is None
            torch_cells = ("-", "-") if torch_rate is None else (f"{torch_rate:.1f}", f"{torch_rate * batch:.0f}")
            lines.append(f"| {name} | {batch} | {tiny:.1f} | {tiny * batch:.0f} | {torch_cells[0]} | {torch_cells[1]} |")
    if missing_torch:
        lines += ["", "torch is not installed (`pip install torch==2.13.0`): its columns are empty."]
    if not quick:
        lines += ["", "### Restarts as one batched model (1 cell 4/2, batch 256)", "",
                  "| restarts | tinygrad steps/s | networks × steps/s |", "|---|---|---|"]
        for restarts in (8,):  # restarts = 1 is the batch-256 row above
            tiny = _fresh_rate("tinygrad", "delay1.bns", 256, seconds, restarts)
            lines.append(f"| {restarts} | {tiny:.1f} | {tiny * restarts:.1f} |")
    if not quick:
        lines += ["", "### Hand-written derivative vs autograd through the where-chain (1 cell, batch 256)", "",
                  "| derivative | first two steps (s) | steps/s | max abs. gradient difference |",
                  "|---|---|---|---|"]
        for variant in ("hand-written (detach identity)", "autograd"):
            first, rate, diff = _in_fresh_process("--variant", "autograd" if "auto" in variant else "hand",
                                                  str(seconds))
            lines.append(f"| {variant} | {first:.1f} | {rate:.1f} | {diff:.2e} |")
    lines += ["", "### Time to the first training step (fresh process, batch 256)", "",
              "| net | cold: nothing cached (s) | tinygrad compile cache only (s) | bonsaic step cache (s) "
              "| step cache file (MB) |", "|---|---|---|---|---|"]
    for name, example in list(CONFIGS.items())[: 1 if quick else 2]:
        with tempfile.TemporaryDirectory() as tmp:
            cold = first_step_seconds(example, 256, Path(tmp), step_cache=True)
            compile_cache = first_step_seconds(example, 256, Path(tmp), step_cache=False)
            warm = first_step_seconds(example, 256, Path(tmp), step_cache=True)
            size = sum(f.stat().st_size for f in (Path(tmp) / "jit").glob("*.pkl")) / 1e6
        lines.append(f"| {name} | {cold:.1f} | {compile_cache:.1f} | {warm:.1f} | {size:.1f} |")
    return "\n".join(lines) + "\n"


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
    if sys.argv[1:2] == ["--variant"]:
        print(*derivative_variant(sys.argv[2] == "autograd", float(sys.argv[3])))
    elif sys.argv[1:2] == ["--row"]:
        sys.path.insert(0, str(ROOT))
        implementation, example, batch, restarts, seconds = sys.argv[2:7]
        print(json.dumps({"rate": row_rate(implementation, example, int(batch), int(restarts), float(seconds))}))
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
        print(main(quick="--quick" in sys.argv))
