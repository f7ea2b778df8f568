"""Grow every bundled example end to end and write the results table: ``benchmarks/EXAMPLES.md``.

For each example this runs exactly what a user runs, as subprocesses of the installed CLI::

    bonsaic train examples/NAME.bns -o runs/examples/NAME.ir --quiet [--seed S --restarts K --steps N --batch B --length L]
    bonsaic opt runs/examples/NAME.ir -o runs/examples/NAME.opt.ir
    bonsaic verify runs/examples/NAME.opt.ir
    bonsaic stats runs/examples/NAME.opt.ir --json

and records the training steps, the wall time of training, of optimisation and of verification and
their sum (the time from ``bonsaic train`` to a proved bonsai, issue #21), the verifier's verdict
and the final bonsai's size next to the seed post's published network. Training settings come from
each spec's ``train`` section unless a flag overrides them. Nothing is copied from an
earlier run: every row is measured by the run that writes the file.

Usage (from the repository root, after ``bash scripts/setup.sh``)::

    .venv/bin/python benchmarks/train_examples.py                       # the five small examples
    .venv/bin/python benchmarks/train_examples.py gate_switcher --steps 10000 --batch 256 --length 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BONSAIC = [sys.executable, "-m", "bonsaic.cli.main"]

# The seed post's published bonsai networks: (neurons incl. the dense output neuron, states, edges).
POST = {"delay2": (4, 2, 4), "loop3": (4, 2, 5), "replace111": (4, 2, 7), "parens": (5, 2, 11),
        "gate_switcher": (19, 9, 50)}
SMALL = ["delay1", "delay2", "loop3", "replace111", "parens"]


def _run(args: list[str], log: Path) -> tuple[int, str, float]:
    """Run a CLI command with its output going to ``log`` as it comes (tail -f it to follow training)."""
    start = time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(args, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True)
    return done.returncode, log.read_text(), time.perf_counter() - start


def grow(name: str, out: Path, seed: int | None, restarts: int | None, steps: int | None, batch: int | None,
         length: int | None = None) -> dict:
    """Train, optimise and verify one example; return the measured row."""
    model, optimized = out / f"{name}.ir", out / f"{name}.opt.ir"
    train = [*BONSAIC, "train", f"examples/{name}.bns", "-o", str(model), "--quiet"]
    train += ["--seed", str(seed)] if seed is not None else []
    train += ["--restarts", str(restarts)] if restarts else []
    train += ["--steps", str(steps)] if steps else []
    train += ["--batch", str(batch)] if batch else []
    train += ["--length", str(length)] if length else []
    rc, log, train_s = _run(train, out / f"{name}.train.log")
    last = re.findall(r"stopped after step (\d+)", log)
    row = {"name": name, "train_rc": rc, "steps": int(last[-1]) if last else None, "train_s": train_s,
           "flags": " ".join(train[len(BONSAIC):])}
    if rc != 0:
        row["verdict"] = "not solved"
        return row
    rc, log, opt_s = _run([*BONSAIC, "opt", str(model), "-o", str(optimized), "--stats"], out / f"{name}.opt.log")
    row["opt_s"] = opt_s
    if rc != 0:
        row["verdict"] = "opt failed"
        return row
    rc, log, verify_s = _run([*BONSAIC, "verify", str(optimized)], out / f"{name}.verify.log")
    row["verify_s"] = verify_s
    row["verdict"] = log.split(":")[0].split()[0] if rc == 0 else "FAILED"
    row["verify"] = log.strip().splitlines()[-1] if log.strip() else ""
    rc, _, _ = _run([*BONSAIC, "stats", str(optimized), "--json"], out / f"{name}.stats.json")
    row["stats"] = json.loads((out / f"{name}.stats.json").read_text()) if rc == 0 else None
    return row


def _size(stats: dict | None) -> str:
    return f"{stats['neurons']} / {stats['states']} / {stats['edges']}" if stats else "-"


def table(rows: list[dict]) -> str:
    lines = ["| example | steps | train (s) | opt (s) | verify (s) | train to proved (s) | verdict | "
             "bonsai neurons / states / edges | seed post | command |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        post = POST.get(r["name"])
        opt_s = f"{r['opt_s']:.1f}" if "opt_s" in r else "-"
        verify_s = f"{r['verify_s']:.1f}" if "verify_s" in r else "-"
        total = (f"{r['train_s'] + r['opt_s'] + r['verify_s']:.0f}" if "verify_s" in r and r["verdict"] == "proved"
                 else "-")
        lines.append(f"| {r['name']} | {r['steps'] or '-'} | {r['train_s']:.0f} | {opt_s} | {verify_s} | {total} | "
                     f"{r['verdict']} | "
                     f"{_size(r.get('stats'))} | {' / '.join(map(str, post)) if post else '-'} | "
                     f"`bonsaic {r['flags']}` |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=SMALL)
    parser.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    parser.add_argument("--restarts", type=int, default=None, help="override the spec's restarts")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--length", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "runs" / "examples"))
    parser.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "EXAMPLES.md"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.names:
        print(f"growing {name} ...", flush=True)
        rows.append(grow(name, out, args.seed, args.restarts, args.steps, args.batch, args.length))
        print(table(rows[-1:]), flush=True)
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.machine())
    text = (f"# Growing the bundled examples\n\nMeasured {time.strftime('%Y-%m-%d %H:%M')} on {cpu}, "
            f"{os.cpu_count()} cores, by `{' '.join(sys.argv)}` (train on tinygrad CPU, then the default "
            "`opt` pipeline, then `verify`). Logs: `" + str(out.relative_to(ROOT) if out.is_relative_to(ROOT)
                                                        else out) + "/`.\n\n" + table(rows) + "\n")
    Path(args.output).write_text(text)
    print(f"wrote {args.output}")
    return 0 if all(r["verdict"] in ("proved", "bounded") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
