"""Verifier speed: wall time and product-state counts, per model.

Models: the hand-made graph of each example that has one (``tests/verify/handmade.py``), the seed
post's network imported from rnn-viz, every ``examples/*.ir``, and two graphs that never close --
a thin one (a counter: one new product state per level, stopped by the depth limit; it ends
"bounded", showing what the long samples cost) and a wide one (three tanh states: the exploration
stops at the product-state budget, then the interval-invariant search proves it).

"cold" is one ``verify()`` call (parses the embedded spec, builds the spec tables); "warm" reuses a
:class:`~bonsaic.verify.Verifier`, which is what the optimisation passes do for every candidate.

Run: ``.venv/bin/python benchmarks/run_all.py verify`` (``--quick`` for a smoke test).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the hand-made graphs live with the tests that check them

from bonsaic.importers import load_rnnviz  # noqa: E402
from bonsaic.ir.activations import Activation  # noqa: E402
from bonsaic.ir.graph import Graph, Neuron, State  # noqa: E402
from bonsaic.ir.text import load_ir  # noqa: E402
from bonsaic.spec import load_spec  # noqa: E402
from bonsaic.verify import Verifier, verify  # noqa: E402
from tests.verify.handmade import GRAPHS, counting_delay1, delay1  # noqa: E402

EXAMPLES = ROOT / "examples"
SEED_DUMP = ROOT / "tests" / "importers" / "fixtures" / "seed_delay1_dump.json"


def _with_spec(graph: Graph, task: str) -> Graph:
    spec = load_spec(EXAMPLES / f"{task}.bns")
    graph.spec_source, graph.spec_name = spec.source, spec.name
    return graph


def _wide() -> Graph:
    """delay1 plus three tanh states driven by random weights: graph states never repeat."""
    graph = _with_spec(delay1(), "delay1")
    graph.acts["T"] = Activation.tanh()
    rng = np.random.default_rng(0)
    graph.states += [State(f"t{j}", 0.1 * j, f"u{j}") for j in range(3)]
    graph.neurons[:0] = [Neuron(f"u{j}", "T", [("x", rng.normal())] + [(f"t{k}", rng.normal()) for k in range(3)])
                         for j in range(3)]
    return graph


def _models(quick: bool) -> list[tuple[str, Graph, dict]]:
    models = [(f"hand-made {task}", _with_spec(make(), task), {}) for task, make in sorted(GRAPHS.items())]
    models.append(("seed post's delay1 (rnn-viz import)", load_rnnviz(SEED_DUMP, load_spec(EXAMPLES / "delay1.bns")),
                   {}))
    models += [(f"examples/{path.name}", load_ir(path), {}) for path in sorted(EXAMPLES.glob("*.ir"))]
    models.append(("never closes, thin (counter)", _with_spec(counting_delay1(-1e9, 0.0), "delay1"), {}))
    models.append(("never closes, wide (3 tanh states)", _wide(), {"budget": 20_000 if quick else 200_000}))
    return models


def _best_of(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(quick: bool = False) -> str:
    repeats = 1 if quick else 3
    rows = ["| model | verdict | product states | margin | cold (ms) | warm (ms) |", "|---|---|---|---|---|---|"]
    for name, graph, options in _models(quick):
        result = verify(graph, **options)
        cold = _best_of(lambda g=graph, o=options: verify(g, **o), repeats)
        verifier = Verifier.for_graph(graph)
        warm = _best_of(lambda g=graph, o=options, v=verifier: v.verify(g, **o), repeats)
        verdict = result.mode if result.ok else f"failed ({len(result.counterexample)} steps)"
        if result.mode == "bounded":
            verdict += f", depth {result.depth}"
        rows.append(f"| {name} | {verdict} | {result.product_states} | {result.margin:.4g} | "
                    f"{cold * 1e3:.1f} | {warm * 1e3:.1f} |")
    return "\n".join([
        "## verify",
        "",
        "Exhaustive breadth-first exploration of (spec state, graph state); where it does not close, "
        "the interval-invariant search, then 1000 random sequences of length 100, 64 of length 20,000 "
        "and 64 periodic ones of length 20,000 (the verifier's defaults). Best of "
        f"{repeats} run(s).",
        "",
        *rows,
    ])


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
