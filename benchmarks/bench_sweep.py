"""Throughput of ``bonsaic sweep``: trials per hour with 1 and 2 worker processes, against the same
trials run one after another as ``bonsaic train`` + ``opt`` + ``verify`` processes (what a user's shell
loop would do). Run alone it writes ``benchmarks/SWEEP.md``; ``run_all.py`` includes it.

Every variant runs the same trials (seeds 0..N-1 of one small example with short training), each as
the installed CLI in a subprocess, timed from start to exit: the sweep's times include starting and
stopping its local Ray instance. The step cache (a private one, in a temporary directory) is warmed
for both ways first, on another seed, so no variant pays tinygrad's first compile: the sweep's
workers run tinygrad with one thread each (``NUM_CPU_THREADS=1``, a different cache key), plain
``train`` with its default.

Usage (from the repository root, after ``bash scripts/setup.sh``)::

    .venv/bin/python benchmarks/bench_sweep.py                      # delay2, 4 trials of 300 steps
    .venv/bin/python benchmarks/bench_sweep.py --spec examples/loop3.bns --trials 6 --steps 500
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BONSAIC = [sys.executable, "-m", "bonsaic.cli.main"]


def _run(args: list[str], env: dict[str, str]) -> tuple[int, float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    return done.returncode, time.perf_counter() - start, done.stdout + done.stderr


def sequential(spec: str, seeds: list[int], knobs: dict[str, int], out: Path, env: dict[str, str]) -> tuple[float, list[str]]:
    """``train``, ``opt``, ``verify`` per seed, one after another; wall seconds and verdicts."""
    start, verdicts = time.perf_counter(), []
    flags = [f"--{k}={v}" for k, v in knobs.items()]
    for seed in seeds:
        model, optimized = out / f"{seed}.ir", out / f"{seed}.opt.ir"
        rc, _, log = _run([*BONSAIC, "train", spec, "-o", str(model), "--quiet", "--time-budget", "0",
                           f"--seed={seed}", *flags], env)
        if rc != 0:
            verdicts.append("failed")
            continue
        _run([*BONSAIC, "opt", str(model), "-o", str(optimized), "--quiet"], env)
        rc, _, log = _run([*BONSAIC, "verify", str(optimized), "--quiet"], env)
        verdicts.append(log.split()[0] if rc == 0 and log.strip() else "failed")
    return time.perf_counter() - start, verdicts


def sweep(spec: str, seeds: list[int], knobs: dict[str, int], out: Path, env: dict[str, str],
          workers: int) -> tuple[float, list[str]]:
    """One ``bonsaic sweep`` over the seeds with at most ``workers`` trials at once."""
    sets = [f"--set={k}={v}" for k, v in knobs.items()] + [f"--set=seed={','.join(map(str, seeds))}"]
    rc, seconds, log = _run([*BONSAIC, "sweep", spec, "-o", str(out), "--quiet", f"--workers={workers}", *sets], env)
    if rc not in (0, 1):
        raise SystemExit(f"sweep failed ({rc}):\n{log}")
    records = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()[1:]]
    return seconds, [r["verdict"] for r in sorted(records, key=lambda r: r["index"])]


def measure(spec: str, trials: int, knobs: dict[str, int]) -> str:
    """Run the three variants on the same trials; the markdown section with what was measured."""
    seeds = list(range(trials))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as scratch:
        work = Path(scratch)
        env = {**os.environ, "BONSAIC_CACHE_DIR": str(work / "cache"), "PYTHONPATH": str(ROOT)}
        warm = trials + 100  # a seed no variant measures
        print("warming the step cache for train and for the sweep's workers ...", file=sys.stderr)
        sequential(spec, [warm], knobs, work / "warm-seq", env)
        sweep(spec, [warm], knobs, work / "warm-sweep", env, 1)
        variants = (("`bonsaic train` + `opt` + `verify`, one after another",
                     lambda: sequential(spec, seeds, knobs, work / "seq", env)),
                    ("`bonsaic sweep --workers 1`", lambda: sweep(spec, seeds, knobs, work / "w1", env, 1)),
                    ("`bonsaic sweep --workers 2`", lambda: sweep(spec, seeds, knobs, work / "w2", env, 2)))
        for name, run in variants:
            print(f"running: {name} ...", file=sys.stderr)
            seconds, verdicts = run()
            rows.append((name, seconds, verdicts))
            print(f"  {seconds:.1f} s, {trials / seconds * 3600:.0f} trials/hour, {verdicts}", file=sys.stderr)
    lines = ["## `bonsaic sweep` throughput", "",
             f"{trials} trials (seeds 0..{trials - 1}) of `{spec}` with "
             f"{', '.join(f'{k} = {v}' for k, v in knobs.items())}, {os.cpu_count()} CPUs, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; step cache warm for every variant; wall time "
             "from process start to exit (the sweeps include starting and stopping Ray).", "",
             "| variant | wall s | trials / hour | verdicts |", "|---|---|---|---|"]
    for name, seconds, verdicts in rows:
        lines.append(f"| {name} | {seconds:.1f} | {trials / seconds * 3600:.0f} | {', '.join(verdicts)} |")
    return "\n".join(lines) + "\n"


def main(quick: bool = False) -> str:
    """``benchmarks/run_all.py``'s entry point: delay2, 4 trials of 300 steps (quick: 2 of 100)."""
    knobs = {"steps": 100 if quick else 300, "restarts": 2, "batch": 64, "length": 10}
    return measure("examples/delay2.bns", 2 if quick else 4, knobs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="examples/delay2.bns")
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--restarts", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=10)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "SWEEP.md",
                        help="also write the section here")
    args = parser.parse_args()
    section = measure(args.spec, args.trials, {"steps": args.steps, "restarts": args.restarts,
                                               "batch": args.batch, "length": args.length})
    args.output.write_text(f"<!-- Generated by benchmarks/bench_sweep.py -->\n{section}")
    print(section)
