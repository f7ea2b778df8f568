"""Measure candidate training defaults on task-suite specs: which change makes more restarts proved?

Each run is ``bonsaic train TASK --time-budget 0 -q`` (the first configuration only, no escalation)
on a copy of the task's spec with a ``train`` section appended that holds the variant's settings;
the row records how many of its restarts the verifier proved (``train`` judges every restart with
the same check as ``verify``), how many were bounded, the wall time and the training speed. Two
runs go side by side by default (``--jobs``), one per core of this machine.

The variants are the levers named in issue #18 (state noise from the start, longer sequences, a
regularizer warm-up, smaller batches with more restarts) and binary states; ``--variant
NAME=SETTINGS`` adds one (``;`` separates the lines of its train section; a part ``model: LINE``
goes into a ``model`` section instead, whose cells are still sized from the task; a part
``$NAME=VALUE`` is an environment variable of the run). Results are appended as JSON lines to ``--rows``
and summarised as a Markdown table on standard output.

    .venv/bin/python benchmarks/defaults_study.py counter_mod3 d_latch --variants base,noise
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = ROOT / "benchmarks" / "tasks"

VARIANTS = {
    "base": "",
    "noise": "state_noise = 0.05",
    "len40": "length = 40",
    "regwarm": "at 0: reg *= 0.1; at 1000: reg *= 8; at 1500: reg *= 0.6; at 2500: lr *= 0.5",
    "b64r16": "batch = 64; restarts = 16",
    "lr3e-3": "lr = 0.003",
    "lr03": "lr = 0.03",
    "b64": "batch = 64",
    "b64r8": "batch = 64; restarts = 8",
    "binary": "model: binary_states = true",
    "binary_all": "model: binary_states = true; $BONSAIC_BINARY_SHARE=1",
    # the covering data mix without its sparse segments (the mix before they were added)
    "no_sparse": "$BONSAIC_COVERING_SEGMENTS=iid,hold,hold,uniform",
    # twice the sized cell of a 4-state task (8 outputs / 4 states), binary, 3000 steps
    "wide16": "model: binary_states = true; model: cell(outputs = 16, states = 8); steps = 3000",
}

ROW = re.compile(r"^[*\s]+(\d+)\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+(proved|bounded|failed)\b")


def spec_text(task: str, settings: str) -> str:
    text = (TASKS / f"{task}.bns").read_text()
    if not settings:
        return text
    parts = [part.strip() for part in settings.split(";") if part.strip() and not part.strip().startswith("$")]
    train = "\n".join(f"    {part}" for part in parts if not part.startswith("model:"))
    model = "\n".join(f"    {part.removeprefix('model:').strip()}" for part in parts if part.startswith("model:"))
    if model:
        text = f"{text.rstrip()}\n\nmodel {{\n{model}\n}}\n"
    if train:
        text = f"{text.rstrip()}\n\ntrain {{\n{train}\n}}\n"
    return text


def run_one(task: str, variant: str, settings: str, workdir: Path, seed: int) -> dict:
    spec = workdir / f"{task}.{variant}.s{seed}.bns"
    spec.write_text(spec_text(task, settings))
    # `python -m` from ROOT runs this checkout's bonsaic even when the environment's is installed elsewhere
    cmd = [sys.executable, "-m", "bonsaic.cli.main", "train", str(spec), "-o", str(spec.with_suffix(".ir")),
           "-q", "--time-budget", "0", "--seed", str(seed), "--force"]
    env = dict(os.environ)  # "$NAME=VALUE" parts of a variant are environment variables of its run
    env.update(part.strip()[1:].split("=", 1) for part in settings.split(";") if part.strip().startswith("$"))
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.monotonic() - start
    verdicts = [m.group(5) for m in map(ROW.match, proc.stdout.splitlines() + proc.stderr.splitlines()) if m]
    speeds = [float(s) for s in re.findall(r"([\d.]+) steps/s", proc.stdout + proc.stderr)]
    (workdir / f"{spec.stem}.log").write_text(proc.stdout + proc.stderr)
    return {"task": task, "variant": variant, "settings": settings, "seed": seed, "rc": proc.returncode,
            "restarts": len(verdicts), "proved": verdicts.count("proved"),
            "bounded": verdicts.count("bounded"), "wall_s": round(wall, 1),
            "steps_per_s": round(sorted(speeds)[len(speeds) // 2], 1) if speeds else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--variant", action="append", default=[], help="NAME=SETTINGS (';' between lines)")
    parser.add_argument("--seeds", default="0", help="comma list of seeds")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rows", default=str(ROOT / "runs" / "defaults_study_rows.jsonl"))
    args = parser.parse_args()
    variants = dict(VARIANTS)
    for item in args.variant:
        name, _, settings = item.partition("=")
        variants[name] = settings
    chosen = [v for v in args.variants.split(",") if v] + [i.partition("=")[0] for i in args.variant]
    jobs = [(t, v, s) for s in map(int, args.seeds.split(",")) for t in args.tasks for v in dict.fromkeys(chosen)]
    workdir = Path(tempfile.mkdtemp(prefix="bonsaic-defaults-"))
    Path(args.rows).parent.mkdir(parents=True, exist_ok=True)
    print(f"{len(jobs)} runs, logs in {workdir}", file=sys.stderr)
    rows = []
    with ThreadPoolExecutor(args.jobs) as pool, open(args.rows, "a") as out:
        futures = [pool.submit(run_one, t, v, variants[v], workdir, s) for t, v, s in jobs]
        for future in futures:
            row = future.result()
            rows.append(row)
            out.write(json.dumps(row) + "\n")
            out.flush()
            print(json.dumps(row), file=sys.stderr)
    print("| task | variant | seed | proved | bounded | restarts | wall | steps/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['task']} | {r['variant']} | {r['seed']} | {r['proved']} | {r['bounded']} | {r['restarts']} "
              f"| {r['wall_s']:.0f} s | {r['steps_per_s']} |")


if __name__ == "__main__":
    main()
