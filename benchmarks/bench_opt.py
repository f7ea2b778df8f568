"""`bonsaic opt` with the default pipeline on every available model: wall time and verifier calls.

Models: the seed post's y[n] = x[n-1] network (imported from the rnn-viz fixture), plus every ``.ir``
file with an embedded spec under ``models/`` and ``examples/`` (where trained networks are saved).
Each is optimised ``repeats`` times in-process; the table gives the best time, how many verifier
calls (verify + explore, the passes' own and the pipeline's checks between passes) one run made, and
the size before -> after.

Run alone: ``.venv/bin/python benchmarks/bench_opt.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _models() -> list[tuple[str, object]]:
    """(label, graph) for every model this checkout has."""
    from bonsaic.importers import load_rnnviz
    from bonsaic.ir.text import load_ir
    from bonsaic.spec import load_spec

    seed = load_rnnviz(ROOT / "tests" / "importers" / "fixtures" / "seed_delay1_dump.json",
                       load_spec(ROOT / "examples" / "delay1.bns"))
    found = [("seed post delay1 (rnn-viz import)", seed)]
    for folder in ("models", "examples"):
        for path in sorted((ROOT / folder).glob("**/*.ir")):
            graph = load_ir(path)
            if graph.spec_source:
                found.append((str(path.relative_to(ROOT)), graph))
    return found


def _size(stats: dict[str, int]) -> str:
    return f"{stats['neurons']}n {stats['states']}s {stats['edges']}e {stats['nonzero_biases']}b"


def main(quick: bool = False) -> str:
    from bonsaic.passes.base import PassContext
    from bonsaic.passes.pipeline import optimize, parse_pipeline
    from bonsaic.passes.registry import DEFAULT_PIPELINE

    repeats = 1 if quick else 5
    rows = ["| model | best time (s) | verifier calls | before | after | result |", "|---|---|---|---|---|---|"]
    for label, graph in _models():
        best, calls, result = float("inf"), 0, None
        for _ in range(repeats):
            ctx = PassContext()
            start = time.perf_counter()
            result = optimize(graph, parse_pipeline(DEFAULT_PIPELINE), ctx)
            best = min(best, time.perf_counter() - start)
            calls = ctx.verifier_calls
        assert result is not None
        verdict = "verified" if result.failure is None else f"stopped: {result.failure.describe().splitlines()[0]}"
        after = _size(result.stats[-1].after) if result.stats else "-"
        rows.append(f"| {label} | {best:.3f} | {calls} | {_size(result.stats[0].before)} | {after} | {verdict} |")
    return "\n".join([
        "## opt: default pipeline",
        "",
        f"Pipeline `{DEFAULT_PIPELINE}`, best of {repeats} in-process run(s) per model "
        "(n neurons, s states, e edges, b nonzero biases).",
        "",
        *rows,
    ])


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
