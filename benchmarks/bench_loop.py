"""The training loop as ``bonsaic train`` runs it: steps per second, validation included.

``bench_train.py`` times the captured step alone on one batch. A real run also draws a fresh batch
every step (on the data thread), copies it into the step's inputs, reads the loss back, waits for
the device, and validates every 50 steps in numpy. This benchmark times exactly that loop,
``Trainer.run``, on the bundled examples with the default settings sized from each task (as
``bonsaic train`` uses them when a spec has no ``model`` or ``train`` section), and sets it against
the loop as it was before each of the changes of issue #21 that made it faster, each measured in its
own process in the same run:

* ``bonsaic``: the loop as it is;
* ``fresh input tensors``: a new ``Tensor`` per input per step, as before (tinygrad then schedules
  and runs a copy per input inside the JIT call);
* ``spinning wait``: tinygrad's own ``HCQ2`` host wait, a Python loop spinning on the completion
  signal, instead of :mod:`bonsaic.train.hostwait`;
* ``both``: the two together, i.e. the loop before this change.

Every timed process loads its captured step from the step cache (filled by an untimed run of each
example first), as ``bonsaic train`` does from its second run of a configuration on. Checkpoint
saving and the final judging are not part of the loop (``train_examples.py`` measures
whole runs). Usage::

    .venv/bin/python benchmarks/bench_loop.py [--steps N] [EXAMPLE ...]   # default 1000; delay2 loop3 replace111

writes ``benchmarks/LOOP.md``. ``bench_loop.py --checkpoint [EXAMPLE]`` prints how long writing a
checkpoint takes after 1100 steps, with bonsaic's writer and with tinygrad's ``safe_save``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = ("delay2", "loop3", "replace111")
VARIANTS = ("bonsaic", "fresh input tensors", "spinning wait", "both")
WARMUP = 100


def _measure(example: str, variant: str, steps: int) -> dict:
    """In this process: build the default trainer for ``example``, apply ``variant``, run
    ``WARMUP`` steps, then time ``steps`` more."""
    sys.path.insert(0, str(ROOT))
    import bonsaic.train  # noqa: F401, I001 -- bonsaic's tinygrad settings before tinygrad's import
    from tinygrad import Tensor

    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.sizing import with_sized_model
    from bonsaic.train.loop import Trainer
    from bonsaic.train.settings import TrainSettings

    if variant in ("spinning wait", "both"):
        from tinygrad.runtime.support import hcq2

        hcq2.HCQ2Compiled._wait_signal = _TINYGRAD_WAIT  # what hostwait.install() replaced
    if variant in ("fresh input tensors", "both"):
        Trainer._feed = lambda self, arrays: [Tensor(a, device=self.settings.device) for a in arrays]
    spec, _ = with_sized_model(Program(load_spec(ROOT / "examples" / f"{example}.bns")))
    trainer = Trainer(spec, TrainSettings.from_spec(spec))
    try:
        trainer.run(until=WARMUP)
        start = time.perf_counter()
        trainer.run(until=WARMUP + steps)
        seconds = time.perf_counter() - start
    finally:
        trainer.close()
    return {"example": example, "variant": variant, "steps": steps, "seconds": seconds,
            "rate": steps / seconds, "restarts": trainer.settings.restarts, "batch": trainer.settings.batch,
            "cells": [f"{c.outputs}/{c.states}" for c in trainer.shape.cells]}


def checkpoint_seconds(example: str, steps: int = 1100, repeats: int = 5) -> dict:
    """In this process: train ``example``'s default trainer ``steps`` steps (so that it holds best
    snapshots and fallbacks, as a real checkpoint does), then time writing its checkpoint with
    bonsaic's numpy writer and with tinygrad's ``safe_save`` (what it used before), median of
    ``repeats``, and check the two files hold the same arrays."""
    sys.path.insert(0, str(ROOT))
    import bonsaic.train  # noqa: F401, I001 -- bonsaic's tinygrad settings before tinygrad's import
    import statistics
    import tempfile

    import numpy as np
    from tinygrad import Tensor
    from tinygrad.nn.state import safe_save

    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.sizing import with_sized_model
    from bonsaic.train import checkpoint
    from bonsaic.train.loop import Trainer
    from bonsaic.train.settings import TrainSettings

    def tinygrad_save(path, arrays, meta):  # noqa: ANN001, ANN202 - save_checkpoint's signature
        safe_save({name: Tensor(np.ascontiguousarray(value, dtype=np.float32), device="CPU")
                   for name, value in arrays.items()}, str(path), metadata={checkpoint.METADATA_KEY: json.dumps(meta)})

    spec, _ = with_sized_model(Program(load_spec(ROOT / "examples" / f"{example}.bns")))
    trainer = Trainer(spec, TrainSettings.from_spec(spec))
    trainer.run(until=steps)
    trainer.close()
    out: dict = {"example": example, "steps": steps}
    with tempfile.TemporaryDirectory() as tmp:
        import bonsaic.train.loop as loop

        for name, writer in (("numpy", checkpoint.save_checkpoint), ("tinygrad safe_save", tinygrad_save)):
            loop.save_checkpoint = writer  # what Trainer.save calls
            path = Path(tmp) / f"{name.split()[0]}.safetensors"
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                trainer.save(path)
                times.append(time.perf_counter() - start)
            out[name] = statistics.median(times)
            out[f"{name} bytes"] = path.stat().st_size
        a, _ = checkpoint.load_checkpoint(Path(tmp) / "numpy.safetensors")
        b, _ = checkpoint.load_checkpoint(Path(tmp) / "tinygrad.safetensors")
        out["same arrays"] = a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
        out["arrays"] = len(a)
    return out


def _tinygrad_wait(self, sig, value, timeout=None):  # noqa: ANN001, ANN202 - tinygrad's signature
    """tinygrad's ``HCQ2Compiled._wait_signal`` as shipped (tinygrad/runtime/support/hcq2.py)."""
    timeout = timeout if timeout is not None and self.can_recover else None
    st, done = time.perf_counter(), sig[0]
    while done < value:
        if done != (done := sig[0]):
            st = time.perf_counter()
        elif time.perf_counter() - st > (timeout or self.wait_timeout_ms) / 1000:
            self.on_device_hang()


_TINYGRAD_WAIT = _tinygrad_wait


def _in_child(example: str, variant: str, steps: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if variant in ("fresh input tensors", "both"):
        # a step captured with the persistent input buffers expects them (e.g. loop3's empty input
        # tensor is a different view), so the old input path keeps its own step cache
        sys.path.insert(0, str(ROOT))
        from bonsaic.fsutil import cache_root

        env["BONSAIC_CACHE_DIR"] = str(cache_root() / "bench_loop_fresh_inputs")
    done = subprocess.run([sys.executable, __file__, "--child", example, variant, str(steps)], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{example} / {variant} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(examples: tuple[str, ...] = EXAMPLES, steps: int = 1000, rounds: int = 2) -> str:
    """The table: median steps/s of ``rounds`` interleaved measurements per example and variant."""
    results: dict[tuple[str, str], list[dict]] = {}
    for example in examples:  # fill both step caches first: every timed run loads its step
        for variant in ("bonsaic", "both"):
            _in_child(example, variant, 1)
    for _ in range(rounds):
        for example in examples:
            for variant in VARIANTS:
                row = _in_child(example, variant, steps)
                results.setdefault((example, variant), []).append(row)
                print(f"{example:<11} {variant:<20} {row['rate']:7.1f} steps/s", flush=True)
    lines = ["| example (default model) | " + " | ".join(VARIANTS) + " | bonsaic ÷ both |",
             "|---|" + "---|" * (len(VARIANTS) + 1)]
    for example in examples:
        rates = {v: statistics.median(r["rate"] for r in results[(example, v)]) for v in VARIANTS}
        first = results[(example, VARIANTS[0])][0]
        shape = f"{example} ({', '.join(first['cells'])} binary, {first['restarts']} × {first['batch']})"
        lines.append(f"| {shape} | " + " | ".join(f"{rates[v]:.1f}" for v in VARIANTS)
                     + f" | {rates['bonsaic'] / rates['both']:.2f} |")
    return "\n".join(lines)


def main(quick: bool = False) -> str:
    """For ``run_all.py``: the table as a markdown section."""
    steps = 200 if quick else 1000
    table = run(EXAMPLES[:1] if quick else EXAMPLES, steps, 1 if quick else 2)
    return (f"## The training loop (`bench_loop.py`)\n\nSteps/s of `Trainer.run` after {WARMUP} warm-up "
            f"steps, {steps} steps, validation included, each variant in its own process:\n\n{table}\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--checkpoint"]:
        print(json.dumps(checkpoint_seconds(sys.argv[2] if len(sys.argv) > 2 else "delay2")))
        sys.exit(0)
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_measure(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("examples", nargs="*", default=list(EXAMPLES))
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("-o", "--output", default=str(HERE / "LOOP.md"))
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    table = run(tuple(args.examples), args.steps, args.rounds)
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    text = (f"# The training loop\n\nMeasured {started} on {cpu}, {os.cpu_count()} cores, commit {commit}, by "
            f"`{' '.join(['.venv/bin/python', 'benchmarks/bench_loop.py', *sys.argv[1:]])}`: steps/s of "
            f"`Trainer.run` with each example's default settings, after {WARMUP} warm-up steps, "
            f"{args.steps} steps with validation every 50, median of {args.rounds} rounds (interleaved), "
            f"each measurement in its own process. See the module docstring for the variants.\n\n{table}\n")
    Path(args.output).write_text(text)
    print(f"wrote {args.output}")
