"""Re-optimise the networks a task-suite run trained: the pipeline without ``refit`` against the default.

For every ``TASK.ir`` that ``benchmarks/task_suite.py --out DIR`` left in DIR, run ``bonsaic opt``
twice on the same trained network -- once with the default pipeline minus ``refit``, once with the
default pipeline -- then ``bonsaic verify`` and ``bonsaic stats`` on the default pipeline's result,
and print one JSON row per task: the two sizes (neurons, states, edges), both opt times, and the
verdict. This isolates what a pass does from what a new training draw does (``benchmarks/TASKS.md``,
"The ``refit`` pass")::

    .venv/bin/python benchmarks/reopt_suite.py runs/tasksA runs/tasksB > rows.jsonl
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

BONSAIC = [sys.executable, "-m", "bonsaic.cli.main"]
WITHOUT_REFIT = "clip,freeze,inline,cse,bypass,prune,quantize,reinit,fold,merge,dce"


def _opt(model: Path, out: Path, pipeline: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([*BONSAIC, "opt", str(model), "-o", str(out), "--force", "-q", *pipeline],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def _size(model: Path) -> list[int]:
    counts = json.loads(subprocess.run([*BONSAIC, "stats", str(model), "--json"], capture_output=True, text=True,
                                       check=True).stdout)
    return [counts["neurons"], counts["states"], counts["edges"]]


def row(model: Path) -> dict:
    """The measured row for one trained network."""
    task = model.stem
    base, new = model.with_name(f"{task}.norefit.ir"), model.with_name(f"{task}.opt2.ir")
    base_s = _opt(model, base, ["-p", WITHOUT_REFIT])
    opt_s = _opt(model, new, [])
    verify = subprocess.run([*BONSAIC, "verify", str(new), "-q"], capture_output=True, text=True)
    verdict = verify.stdout.strip().splitlines()[-1] if verify.stdout.strip() else ""
    return {"task": task, "verdict": verdict[:40], "rc": verify.returncode, "opt_s": round(opt_s, 1),
            "base_s": round(base_s, 1), "old": _size(base), "new": _size(new)}


def main() -> None:
    for directory in sys.argv[1:]:
        for model in sorted(Path(directory).glob("*.ir")):
            if model.name.count(".") == 1:  # TASK.ir, not TASK.opt.ir and the like
                print(json.dumps(row(model)), flush=True)


if __name__ == "__main__":
    main()
