"""Verifier speed: wall time and product-state counts, per model.

Models: the hand-made graph of each example that has one (``tests/verify/handmade.py``), the seed
post's network imported from rnn-viz, every ``examples/*.ir``, and two graphs that never close --
a thin one (a counter: one new product state per level, stopped by the depth limit; it ends
"bounded", showing what the battery and the long samples cost) and a wide one (three tanh states:
the exploration stops at the product-state budget, then the interval-invariant search proves it) --
and the soundness cases of ``tests/verify``: networks that drift wrong after thousands of steps of
one constant input (refused by the falsification battery), one whose overflowing interval once
"proved" it, a rotation only the affine k-step prover closes, and a D latch grown by ``bonsaic train``
that only the cell cover proves.

Columns: the verdict and the method that reached it; the battery's size (sequences, of how many
steps) and its own time on a warm verifier (what it adds to a verification that does not prove).

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
from tests.verify.affine_graphs import rotating_delay1  # noqa: E402
from tests.verify.drifting import ALL_ONES, all_ones_drifting, all_ones_leaky  # noqa: E402
from tests.verify.handmade import GRAPHS, PROGRAMS, counting_delay1, delay1  # noqa: E402

EXAMPLES = ROOT / "examples"
SEED_DUMP = ROOT / "tests" / "importers" / "fixtures" / "seed_delay1_dump.json"
TRAINED_D_LATCH = ROOT / "tests" / "verify" / "data" / "trained_d_latch.ir"


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
    models.append(("1*, wrong after 5,000 trues", all_ones_drifting(5_000), {"program": ALL_ONES}))
    models.append(("1*, wrong after 50,000 trues", all_ones_drifting(50_000), {"program": ALL_ONES}))
    models.append(("1*, leaky, NaN interval (once \"proved\")", all_ones_leaky(0.9995, overflow=True),
                   {"program": ALL_ONES}))
    models.append(("delay1 + a rotation (affine k = 2)", rotating_delay1(), {"program": PROGRAMS["delay1"],
                                                                            "budget": 2_000}))
    models.append(("trained D latch (interpolated Ameo; cell cover)", load_ir(TRAINED_D_LATCH), {}))
    return models


def _best_of(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _method(result) -> str:  # type: ignore[no-untyped-def]
    if result.mode == "proved":
        if result.invariant == "affine":
            return f"affine invariant, k = {result.invariant_steps}"
        if result.invariant == "cells":
            return f"cell cover, {result.boxes} cells of side 1/{round(1 / result.cell_size)}"
        return "interval invariant" if result.boxes else "closed exploration"
    if not result.ok:
        cex = result.counterexample
        return "exhaustive search" if cex.shortest else cex.source.split(":")[0]
    return f"bounded, depth {result.depth}"


def main(quick: bool = False) -> str:
    repeats = 1 if quick else 3
    rows = ["| model | verdict | method | product states | margin | battery | battery warm (ms) | cold (ms) "
            "| warm (ms) |", "|---|---|---|---|---|---|---|---|---|"]
    with np.errstate(all="ignore"):
        for name, graph, options in _models(quick):
            options = dict(options)
            program = options.pop("program", None)
            result = verify(graph, program, **options)
            cold = _best_of(lambda g=graph, p=program, o=options: verify(g, p, **o), repeats)
            verifier = Verifier.for_graph(graph, program)
            warm = _best_of(lambda g=graph, o=options, v=verifier: v.verify(g, **o), repeats)
            battery = verifier.battery()
            battery_time = _best_of(lambda g=graph, v=verifier: v.battery_check(g), repeats)
            verdict = result.mode if result.ok else f"failed ({len(result.counterexample)} steps)"
            rows.append(f"| {name} | {verdict} | {_method(result)} | {result.product_states} | {result.margin:.4g} | "
                        f"{len(battery)} x {battery.length} | {battery_time * 1e3:.1f} | {cold * 1e3:.1f} | "
                        f"{warm * 1e3:.1f} |")
    return "\n".join([
        "## verify",
        "",
        "Exhaustive breadth-first exploration of (spec state, graph state); where it does not close, "
        "the interval-invariant search, the affine k-step search, the falsification battery (every "
        "input word of up to 4 steps from every reachable spec state, repeated to 65,536 steps), then "
        "1000 random sequences of length 100, 64 of length 20,000 and 64 periodic ones of length 20,000 "
        "(the verifier's defaults). The battery column is its size and its own time (it runs only where "
        "nothing proved the graph). Best of "
        f"{repeats} run(s).",
        "",
        *rows,
    ])


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
