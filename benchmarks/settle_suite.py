"""What each task's bonsai would have been had training stopped earlier: the evidence for ``settle``.

For every task of ``benchmarks/task_suite.py --out DIR`` whose training proved a network, load the
checkpoint of the configuration that was written (as ``benchmarks/rejudge_suite.py`` does) and judge
its restarts as ``bonsaic train`` does, once per cut-off step, using only the snapshots taken up to
that step: per restart the latest one is the best, the earlier ones its fallbacks. The checkpoint
keeps at most :data:`bonsaic.train.loop.MAX_FALLBACKS` earlier snapshots per restart, spread over
the run, so a cut-off sees the snapshot that was best at that step only when it was kept: the
numbers are an emulation, not a rerun. Cut-offs: fixed steps, and the step at which
``settle`` would have ended the run (:meth:`bonsaic.train.loop.Trainer.settle_step`)::

    .venv/bin/python benchmarks/settle_suite.py runs/tasksA runs/tasksB > rows.jsonl

One JSON row per task: its first solved step, and the kept bonsai (neurons, states, edges) at each
cut-off (``null``: no restart solved by then).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CUTOFFS = (2000, 2500, 3000, 4000, 5000)


def cut(spec_path: Path, directory: Path, task: str) -> dict | None:
    from rejudge_suite import written_run

    from bonsaic.train.restarts import choose, judge_restarts

    written = written_run(spec_path, directory, task, settle=True)
    if written is None:
        return None
    trainer, spec, index = written
    settings = trainer.settings
    snapshots = {k: sorted([*trainer.fallbacks.get(k, []), best], key=lambda s: s.step)
                 for k, best in trainer.best.items()}
    settle = trainer.settle_step()
    row: dict = {"task": task, "configuration": index, "steps": settings.steps, "ran": trainer.step,
                 "first_solved": trainer.first_solved_step(), "settle": settle, "at": {}}
    for step in sorted({*CUTOFFS, *([settle] if settle is not None else [])}):
        trainer.best, trainer.fallbacks = {}, {}
        for k, snaps in snapshots.items():
            kept = [s for s in snaps if s.step <= step]
            if kept:
                trainer.best[k], trainer.fallbacks[k] = kept[-1], kept[:-1]
        chosen = choose(judge_restarts(trainer, spec))
        row["at"][step] = (list(chosen.bonsai) if chosen is not None and chosen.proved and chosen.bonsai
                           else "bounded" if chosen is not None else None)
    trainer.close()
    return row


def main() -> None:
    from rejudge_suite import print_rows

    print_rows(cut, sys.argv[1:])


if __name__ == "__main__":
    main()
