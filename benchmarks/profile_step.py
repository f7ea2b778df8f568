"""Where one training step's time goes: kernels per step, time per kernel, and what is left (Python).

Run from the repository root::

    .venv/bin/python benchmarks/profile_step.py [EXAMPLE] [BATCH]      # default delay1.bns 256
    HCQ2=1 .venv/bin/python benchmarks/profile_step.py                 # tinygrad's one-command-buffer mode

Prints the number of calls in the captured step, the wall time per step (steps replayed for 3 s,
reading the loss back as training does), and one step under ``DEBUG=2``, which synchronises after
every kernel and prints its time: their sum is the step's kernel time, the rest of the wall time is
tinygrad's Python dispatch (``py-spy record`` on this script says where inside tinygrad). Used for
docs/performance.md (issue #21, item 2). Not part of ``run_all.py``.
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(example: str = "delay1.bns", batch: int = 256, seconds: float = 3.0) -> str:
    sys.path.insert(0, str(ROOT))
    import bonsaic.train  # noqa: F401, I001 -- bonsaic's tinygrad settings (HCQ2) before tinygrad's import
    from tinygrad.helpers import Context  # noqa: I001

    from benchmarks import bench_train

    trainer, step, _data, _first = bench_train._started(example, batch, 1)
    calls = list(trainer._jit_step.captured.linear.src)
    kinds = Counter(str(c.src[0].op).removeprefix("Ops.") for c in calls)
    for _ in range(20):
        step()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        count += 1
    wall_ms = 1000 * (time.perf_counter() - start) / count
    out = io.StringIO()
    with redirect_stdout(out), Context(DEBUG=2):
        step()
    trainer.close()
    per_name: Counter[str] = Counter()
    launches: Counter[str] = Counter()
    for line in re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines():
        if (m := re.search(r"\*\*\* \S+\s+\d+\s+(\S+).*?tm\s+([\d.]+)(us|ms)/", line)):
            per_name[m[1]] += float(m[2]) * (1000 if m[3] == "ms" else 1)
            launches[m[1]] += 1
    lines = [f"{example}, batch {batch}: {len(calls)} calls per step ({dict(kinds)}), "
             f"{wall_ms:.3f} ms per step (wall, {count} steps)",
             f"kernel time under DEBUG=2: {sum(per_name.values()) / 1000:.3f} ms in {sum(launches.values())} "
             "launches", "", "| kernel | launches | us per step |", "|---|---|---|"]
    lines += [f"| `{name}` | {launches[name]} | {us:.1f} |" for name, us in per_name.most_common(12)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(*(sys.argv[1:2] or ["delay1.bns"]), *(int(a) for a in sys.argv[2:3])))
