"""Fuzz campaign: mutated specs, IR files and rnn-viz files through every command that reads them.

    .venv/bin/python scripts/fuzz.py [--inputs N] [--seed S] [--timeout T] [--out docs/fuzz-results.md]

N inputs of each kind (default 300) are drawn from the mutators in ``tests/fuzz/mutations.py``
(seeded: the same command finds the same inputs), each run through the commands in
``tests/fuzz/targets.py``, plus the hand-written regression corpus of ``tests/fuzz/corpus.py``. Every
run is classified (ok / clean error / crash / hang, and whether any file was lost, see
``tests/fuzz/harness.py``); the table goes to stdout and, with ``--out``, to a Markdown file. Every
failing input is saved under ``fuzz-failures/`` with the command that failed, to replay by hand.
Exit code 1 if anything crashed, hung or lost a file.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz import corpus, mutations, targets  # noqa: E402
from tests.fuzz.harness import KINDS, Outcome  # noqa: E402

KINDS_OF_INPUT = {
    "spec": (mutations.spec_text, targets.spec_runs),
    "ir": (mutations.ir_text, targets.ir_runs),
    "rnnviz": (mutations.rnnviz_text, targets.rnnviz_runs),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=300, help="mutated inputs of each kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a run counts as a hang")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here (Markdown)")
    args = parser.parse_args()

    tally: dict[tuple[str, str], Counter] = {}
    failures: list[tuple[str, str, Outcome]] = []
    inputs: Counter = Counter()
    started = time.perf_counter()

    def record(source: str, text: str, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            command = outcome.argv[0] if outcome.argv[0] != "import" else "import rnnviz"
            key = (source, command)
            tally.setdefault(key, Counter())[outcome.kind if not outcome.lost else "lost a file"] += 1
            if not outcome.acceptable:
                failures.append((source, text, outcome))

    for name, case in corpus.CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            inputs["corpus"] += 1
            record("corpus", name, corpus.run_case(case, Path(tmp)))
    for kind, (mutate, runs) in KINDS_OF_INPUT.items():
        rng = random.Random(f"{args.seed}-{kind}")
        for _ in range(args.inputs):
            text = mutate(rng)
            inputs[kind] += 1
            with tempfile.TemporaryDirectory() as tmp:
                record(kind, text, runs(text, Path(tmp), args.timeout))
    elapsed = time.perf_counter() - started

    columns = ["ok", "clean", "crash", "hang", "lost a file"]
    lines = [f"Fuzz campaign: {sum(inputs.values())} inputs ({', '.join(f'{v} {k}' for k, v in inputs.items())}), "
             f"{sum(sum(c.values()) for c in tally.values())} runs, seed {args.seed}, {elapsed:.0f} s.", "",
             "| inputs | command | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for (source, command), counts in tally.items():
        lines.append(f"| {source} | {command} | " + " | ".join(str(counts.get(c, 0)) for c in columns) + " |")
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        args.out.write_text(f"# Fuzz campaign\n\nWritten by `.venv/bin/python scripts/fuzz.py --inputs {args.inputs} "
                            f"--seed {args.seed} --out {args.out}` (see docs/robustness.md for what each column "
                            f"means).\n\n{table}\n")
    if failures:
        keep = ROOT / "fuzz-failures"
        keep.mkdir(exist_ok=True)
        for k, (source, text, outcome) in enumerate(failures):
            (keep / f"{k:03d}-{source}.input").write_text(text, encoding="utf-8", errors="surrogatepass")
            (keep / f"{k:03d}-{source}.txt").write_text(outcome.describe())
        print(f"{len(failures)} failing runs; inputs and messages in {keep}", file=sys.stderr)
    assert set(KINDS) <= set(columns)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
