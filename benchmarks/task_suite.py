"""Measure bonsaic's defaults on the task suite: ``benchmarks/TASKS.md``.

Every task in ``benchmarks/tasks/`` is a small textbook sequential task written with no ``model`` or
``train`` section, so the suite measures what a user gets without tuning anything. For each task this
runs exactly what a user runs, as subprocesses of the CLI::

    bonsaic train benchmarks/tasks/NAME.bns -o runs/tasks/NAME.ir --quiet
    bonsaic opt runs/tasks/NAME.ir -o runs/tasks/NAME.opt.ir -q
    bonsaic verify runs/tasks/NAME.opt.ir -q
    bonsaic stats runs/tasks/NAME.opt.ir --json

and records the verdict (proved / bounded / failed: no restart solved it, or a step failed), the bonsai's
size, the size of the spec's minimal Mealy machine (``bonsaic.spec.automaton``), and the wall time from
the start of ``train`` to the verdict. Nothing is copied from an earlier run.

Usage (from the repository root, after ``bash scripts/setup.sh``)::

    .venv/bin/python benchmarks/task_suite.py                    # every task, table to benchmarks/TASKS.md
    .venv/bin/python benchmarks/task_suite.py parity sr_latch     # some tasks, table to stdout only
    .venv/bin/python benchmarks/task_suite.py --timeout 300       # seconds per task (default 600)
    .venv/bin/python benchmarks/task_suite.py --from-logs a.log b.log --minutes 80  # table from runs' rows
    .venv/bin/python benchmarks/task_suite.py --examples          # the five small bundled examples with
                                                                  # their model/train sections deleted

With ``--examples`` the table compares each bonsai with the seed post's published network
(neurons / states / edges) and goes to ``benchmarks/TASKS_examples.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = ROOT / "benchmarks" / "tasks"
# the seed post's published networks (neurons incl. the dense output neuron, states, edges)
POST = {"delay2": (4, 2, 4), "loop3": (4, 2, 5), "replace111": (4, 2, 7), "parens": (5, 2, 11)}
SMALL_EXAMPLES = ["delay1", "delay2", "loop3", "replace111", "parens"]


def strip_settings(text: str) -> str:
    """``text`` without its ``model { ... }`` and ``train { ... }`` sections (braces matched)."""
    out, i = [], 0
    while True:
        match = re.search(r"^(model|train)\s*\{", text[i:], re.MULTILINE)
        if match is None:
            return "".join(out) + text[i:]
        start = i + match.start()
        depth, j = 0, i + match.end() - 1
        while True:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        out.append(text[i:start])
        i = j
BONSAIC = [sys.executable, "-m", "bonsaic.cli.main"]
# what `bonsaic opt` prints when its checks find an input sequence the graph it was given gets wrong
# (a "bounded" network from train can be refuted by opt's further samples: the row is then failed)
REFUTED = "the input graph does not implement its spec"
sys.path.insert(0, str(ROOT))


def _run(args: list[str], log: Path, timeout: float) -> tuple[int, str]:
    with log.open("w") as sink:
        try:
            done = subprocess.run(args, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return 124, log.read_text()
    return done.returncode, log.read_text()


def spec_size(path: Path) -> tuple[int, int]:
    """(reachable spec states, states of the minimal Mealy machine)."""
    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.automaton import minimal_size

    table = Program(load_spec(path)).transitions(100_000)
    return (len(table.states), minimal_size(table)) if table is not None else (-1, -1)


def grow(name: str, out: Path, timeout: float, spec: Path | None = None) -> dict:
    """Train, optimise and verify one task with the defaults; the measured row."""
    spec = spec or TASKS / f"{name}.bns"
    model, optimized = out / f"{name}.ir", out / f"{name}.opt.ir"
    reachable, minimal = spec_size(spec)
    row = {"task": name, "spec_states": reachable, "minimal": minimal, "verdict": "failed", "neurons": "-",
           "states": "-", "edges": "-", "seconds": 0.0, "note": ""}
    start = time.perf_counter()
    rc, log = _run([*BONSAIC, "train", str(spec), "-o", str(model), "--quiet", "--force"], out / f"{name}.train.log",
                   timeout)
    if rc not in (0, 1) or not model.is_file():
        row["note"] = "timed out in train" if rc == 124 else "no restart solved it"
        row["seconds"] = time.perf_counter() - start
        return row
    left = max(30.0, timeout - (time.perf_counter() - start))
    rc, log = _run([*BONSAIC, "opt", str(model), "-o", str(optimized), "-q", "--force"], out / f"{name}.opt.log",
                   left)
    final = optimized if rc == 0 and optimized.is_file() else model
    if final is model and REFUTED in log:  # opt's checks found an input the trained network gets wrong
        row["note"] = "opt found the trained network wrong (counterexample)"
        row["seconds"] = time.perf_counter() - start
        return row
    if final is model:
        row["note"] = "opt failed; verdict of the trained network"
    rc, log = _run([*BONSAIC, "verify", str(final), "-q"], out / f"{name}.verify.log", max(30.0, left))
    row["seconds"] = time.perf_counter() - start
    verdict = log.strip().splitlines()[-1] if log.strip() else ""
    row["verdict"] = ("proved" if rc == 0 and verdict.startswith("proved") else
                      "bounded" if rc == 0 else "failed")
    _, stats = _run([*BONSAIC, "stats", str(final), "--json"], out / f"{name}.stats.log", 60)
    try:
        counts = json.loads(stats)
        row.update(neurons=counts["neurons"], states=counts["states"], edges=counts["edges"])
    except (json.JSONDecodeError, KeyError):
        pass
    return row


def table(rows: list[dict], elapsed: float) -> str:
    proved = [r for r in rows if r["verdict"] == "proved"]
    lines = [
        f"Task suite: {len(proved)} of {len(rows)} proved with default settings "
        f"({sum(r['verdict'] == 'bounded' for r in rows)} bounded, {sum(r['verdict'] == 'failed' for r in rows)} "
        f"failed); {elapsed / 60:.0f} min in all on {os.cpu_count()} cores ({platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}).",
    ]
    if proved:
        lines.append(f"Median time from `bonsaic train` to a proved bonsai: "
                     f"{statistics.median(r['seconds'] for r in proved):.0f} s.")
    lines += ["", "| task | verdict | neurons | states | edges | seed post | spec states (minimal) | time | note |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        post = "/".join(map(str, POST[r["task"]])) if r["task"] in POST else "-"
        lines.append(f"| {r['task']} | {r['verdict']} | {r['neurons']} | {r['states']} | {r['edges']} | {post} | "
                     f"{r['spec_states']} ({r['minimal']}) | {r['seconds']:.0f} s | {r['note']} |")
    return "\n".join(lines) + "\n"


def write_from_logs(logs: list[Path], minutes: float | None) -> int:
    """``benchmarks/TASKS.md`` from the rows printed by earlier runs (the last row of a task wins);
    every task of the suite must be there."""
    rows: dict[str, dict] = {}
    for log in logs:
        for line in log.read_text().splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                rows[row["task"]] = row
    missing = sorted({p.stem for p in TASKS.glob("*.bns")} - set(rows))
    if missing:
        print(f"not every task has a row: {', '.join(missing)}", file=sys.stderr)
        return 1
    ordered = [rows[name] for name in sorted(rows)]
    elapsed = 60 * minutes if minutes else sum(r["seconds"] for r in ordered)
    text = table(ordered, elapsed)
    print(text)
    (ROOT / "benchmarks" / "TASKS.md").write_text(
        "# Task suite: defaults on tasks nobody tuned for\n\nWritten by `benchmarks/task_suite.py --from-logs` "
        "from the rows of the runs named below; every row was measured by one of those runs.\n\n" + text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", nargs="*", help="task names (default: every task; then the table is written)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per task, train to verdict")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "tasks")
    parser.add_argument("--examples", action="store_true", help="the small bundled examples, settings deleted")
    parser.add_argument("--from-logs", type=Path, nargs="+", metavar="LOG", help="write the table from the JSON "
                        "rows earlier runs printed (e.g. two runs side by side, each on part of the suite)")
    parser.add_argument("--minutes", type=float, help="with --from-logs: the wall time of those runs in all")
    args = parser.parse_args()
    if args.from_logs:
        return write_from_logs(args.from_logs, args.minutes)
    args.out.mkdir(parents=True, exist_ok=True)
    specs: dict[str, Path | None] = {}
    if args.examples:
        for name in args.tasks or SMALL_EXAMPLES:
            stripped = args.out / f"{name}.bns"
            stripped.write_text(strip_settings((ROOT / "examples" / f"{name}.bns").read_text()))
            specs[name] = stripped
    else:
        specs = dict.fromkeys(args.tasks or sorted(p.stem for p in TASKS.glob("*.bns")))
    start, rows = time.perf_counter(), []
    for name, spec in specs.items():
        rows.append(grow(name, args.out, args.timeout, spec))
        print(json.dumps(rows[-1]), flush=True)
    text = table(rows, time.perf_counter() - start)
    print(text)
    if args.examples and not args.tasks:
        (ROOT / "benchmarks" / "TASKS_examples.md").write_text(
            "# The small examples with their model and train sections deleted\n\nWritten by "
            "`benchmarks/task_suite.py --examples`; every row measured by the run that wrote this file.\n\n" + text)
    elif not args.tasks:
        (ROOT / "benchmarks" / "TASKS.md").write_text(
            "# Task suite: defaults on tasks nobody tuned for\n\nWritten by `benchmarks/task_suite.py`; every row "
            "measured by the run that wrote this file.\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
