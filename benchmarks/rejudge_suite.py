"""Re-judge the checkpoints a task-suite run left: which proved restart each ranking keeps, and its bonsai.

For every task of ``benchmarks/task_suite.py --out DIR`` whose training proved a network, load the
checkpoint of the configuration that was written (the escalation stage named in ``TASK.train.log``),
judge its restarts as ``bonsaic train`` does (:func:`bonsaic.train.restarts.judge_restarts`, which
sizes every proved restart with ``opt``'s default pipeline), and print one JSON row: the bonsai
(neurons, states, edges) of the restart the fewest edges after ``clip,dce`` pick (the ranking before
2026-12-07's ``refit`` session) and of the one :func:`bonsaic.train.restarts.choose` keeps now::

    .venv/bin/python benchmarks/rejudge_suite.py runs/tasksA runs/tasksB > rows.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def written_run(spec_path: Path, directory: Path, task: str, settle: bool = False) -> tuple | None:
    """(trainer, spec, configuration index) of the configuration whose network a suite run wrote,
    resumed from its checkpoint; None when the run proved nothing. ``settle``: the trainer's
    settings say so (as ``bonsaic train`` sets them when nobody chose the steps)."""
    from dataclasses import replace

    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.sizing import with_sized_model
    from bonsaic.train import escalation
    from bonsaic.train.loop import Trainer
    from bonsaic.train.settings import TrainSettings

    log = (directory / f"{task}.train.log").read_text()
    if "proved for all sequence lengths" not in log:
        return None
    spec, _origin = with_sized_model(Program(load_spec(spec_path)))
    settings = TrainSettings.from_spec(spec)
    index = 0
    stage = re.search(r"of configuration '([^']*)'", log)
    if stage:
        plan = escalation.planned(spec, settings)
        index = [s.name for s in plan].index(stage.group(1)) + 1
        spec, settings = plan[index - 1].change(spec, settings)  # type: ignore[misc]
    trainer = Trainer(spec, replace(settings, settle=settle), None)
    trainer.resume(directory / (f"{task}.safetensors" if index == 0 else f"{task}.{index}.safetensors"))
    return trainer, spec, index


def rejudge(spec_path: Path, directory: Path, task: str) -> dict | None:
    from bonsaic.train.restarts import choose, judge_restarts

    written = written_run(spec_path, directory, task)
    if written is None:
        return None
    trainer, spec, index = written
    results = judge_restarts(trainer, spec)
    proved = [r for r in results if r.proved]
    by_clip = min(proved, key=lambda r: (r.edges_after_clip, r.reg))
    kept = choose(results)
    assert kept is not None
    return {"task": task, "configuration": index, "proved_restarts": len(proved),
            "by_clip_dce": by_clip.bonsai, "kept": kept.bonsai,
            "restarts": {r.index: r.bonsai for r in proved}}


def print_rows(row_of: Callable[[Path, Path, str], dict | None], directories: list[str]) -> None:
    """One JSON line per task of each suite run directory for which ``row_of(spec, directory, task)``
    gives a row."""
    for directory in map(Path, directories):
        for log in sorted(directory.glob("*.train.log")):
            task = log.name.removesuffix(".train.log")
            row = row_of(ROOT / "benchmarks" / "tasks" / f"{task}.bns", directory, task)
            if row is not None:
                print(json.dumps(row), flush=True)


def main() -> None:
    print_rows(rejudge, sys.argv[1:])


if __name__ == "__main__":
    main()
