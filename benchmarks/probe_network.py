"""Why does the verifier not prove this network? Measurements of a trained IR's state dynamics.

Run from the repository root::

    .venv/bin/python benchmarks/probe_network.py MODEL.ir [--hold INPUT] [--seed N]

Prints, for a network whose verdict is "bounded, not proved" (benchmarks/EXAMPLES_gate_switcher.md
quotes its output):

* **Settling**: after random histories of 12 steps, every input held constant (``--hold``, default
  the first input, false; the others at random values): how far the state still moves per step at steps 1, 10,
  100, 1000 and 3000, and whether it repeats exactly. A network that settles onto one float per spec
  state is what exhaustive exploration needs; one that moves forever can only be proved by an
  invariant.
* **Stretch**: the infinity norm of the k-step Jacobian of the state map along random trajectories
  (median, 90th percentile, maximum; finite differences). Interval, affine and cell images over k
  steps grow a box by about this factor, so the searches of ``bonsaic/verify`` cannot close
  while it stays above 1 for the k they use (1-4).
* **Saturation**: the share of the state neurons' pre-activations beyond +-3 (where the Ameo
  saturates) on random input; only saturated states become exact when snapping removes the leak.
* **Exploration and snapping**: whether the exploration closes within 20,000 product states, as
  trained and after each snapping candidate (every grid, with and without the state neurons' leak),
  and how long ``snap`` takes with and without the leak-free candidates.

Every number is computed by this script on the given file; nothing is stored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bonsaic.ir.graph import Graph  # noqa: E402
from bonsaic.ir.simulate import Stepper  # noqa: E402
from bonsaic.passes.params import assign, parameters  # noqa: E402
from bonsaic.passes.quantize import round_to  # noqa: E402
from bonsaic.passes.snap import DENOMINATORS, flat_states  # noqa: E402
from bonsaic.verify import Verifier  # noqa: E402
from bonsaic.verify.embedded import load_model  # noqa: E402

BUDGET = 20_000


def _random_inputs(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=(n, width))


def settling(graph: Graph, hold: int, rng: np.random.Generator, n: int = 64, history: int = 12,
             steps: int = 3000) -> None:
    stepper = Stepper(graph)
    states = np.broadcast_to(stepper.initial_states(), (n, len(graph.states))).copy()
    for _ in range(history):
        states = stepper.step(states, _random_inputs(rng, n, len(graph.inputs)))[0]
    inputs = _random_inputs(rng, n, len(graph.inputs))
    inputs[:, hold] = -1.0
    trace = []
    for _ in range(steps):
        states = stepper.step(states, inputs)[0]
        trace.append(states.copy())
    trace = np.array(trace)
    print(f"settling: {n} random histories of {history} steps, then every input held: '{graph.inputs[hold]}' "
          "false, the others at random constant values")
    for t in sorted({t for t in (1, 10, 100, 1000) if t < steps} | {steps - 1}):
        moved = np.abs(trace[t] - trace[t - 1]).max(axis=1)
        print(f"  step {t:>5}: largest move of a state per step: median {np.median(moved):.3g}, max {moved.max():.3g}")
    periods = []
    for seq in range(n):
        period = next((p for p in range(1, min(200, steps)) if np.array_equal(trace[-1, seq], trace[-1 - p, seq])),
                      None)
        periods.append(period)
    repeating = [p for p in periods if p is not None]
    print(f"  exact repeat within {min(200, steps) - 1} steps at the end: {len(repeating)} of {n} sequences"
          + (f" (periods {sorted(set(repeating))[:8]})" if repeating else ""))


def stretch(graph: Graph, rng: np.random.Generator, n: int = 200, horizon: int = 12, eps: float = 1e-7) -> None:
    stepper = Stepper(graph)
    size = len(graph.states)
    norms = np.zeros((n, horizon))
    for row in range(n):
        state = stepper.initial_states().copy()
        for _ in range(int(rng.integers(5, 60))):
            state = stepper.step(state[None], _random_inputs(rng, 1, len(graph.inputs)))[0][0]
        product = np.eye(size)
        for k in range(horizon):
            inputs = _random_inputs(rng, 1, len(graph.inputs))
            probes = np.repeat(state[None], size + 1, 0)
            probes[1:] += np.eye(size) * eps
            nxt = stepper.step(probes, np.repeat(inputs, size + 1, 0))[0]
            product = ((nxt[1:] - nxt[0]) / eps).T @ product
            state = nxt[0]
            norms[row, k] = np.abs(product).sum(axis=1).max()
    print(f"stretch: infinity norm of the k-step Jacobian along {n} random trajectories (median / 90% / max)")
    for k in range(horizon):
        low, mid, high = np.percentile(norms[:, k], [50, 90, 100])
        print(f"  k = {k + 1:>2}: {low:8.3f} {mid:8.3f} {high:8.3f}")


def saturation(graph: Graph, rng: np.random.Generator, n: int = 64, steps: int = 200) -> None:
    feeders = {s.next for s in graph.states if s.next is not None}
    stepper = Stepper(graph)
    names = graph.node_names()
    states = np.broadcast_to(stepper.initial_states(), (n, len(graph.states))).copy()
    pres = []
    for _ in range(steps):
        inputs = _random_inputs(rng, n, len(graph.inputs))
        values = dict(zip(names, stepper.step(states, inputs)[1].T, strict=True))
        values.update(zip(graph.inputs, inputs.T, strict=True))
        values.update((s.name, states[:, i]) for i, s in enumerate(graph.states))
        for neuron in graph.neurons:
            if neuron.name in feeders:
                pres.append(sum(w * values[src] for src, w in neuron.inputs) + neuron.bias)
        states = stepper.step(states, inputs)[0]
    share = float(np.mean(np.abs(np.concatenate(pres)) > 3.0)) if pres else float("nan")
    print(f"saturation: {share:.1%} of the state neurons' pre-activations lie beyond +-3 ({n} random sequences of {steps} steps)")


def snapping(graph: Graph) -> None:
    verifier = Verifier.for_graph(graph)

    def explored(candidate: Graph) -> str:
        ex = verifier.explore(candidate, budget=BUDGET)
        if ex.mismatch_step is not None:
            return f"wrong (depth {ex.depth})"
        return f"closed ({ex.product_states} product states)" if ex.closed else f"open ({ex.product_states} product states at depth {ex.depth})"

    print(f"exploration (budget {BUDGET}): as trained: {explored(graph)}")
    flat = flat_states(graph)
    if flat is not None:
        print(f"  leak removed from the state neurons: {explored(flat)}")
    table = parameters(graph)
    for denominator in DENOMINATORS:
        rounded = {ref: round_to(v, denominator) for ref, v in table.items()}
        line = f"  grid 1/{denominator}: {explored(assign(graph, rounded))}"
        if flat is not None:
            line += f"; without the leak: {explored(assign(flat, rounded))}"
        print(line)


def snap_cost(graph: Graph) -> None:
    """Wall time of ``snap`` on this network with and without the leak-free candidates."""
    import time

    from bonsaic.passes import snap as snapping_module

    start = time.perf_counter()
    full = snapping_module.snap(graph)
    with_flat = time.perf_counter() - start
    original = snapping_module.flat_states
    snapping_module.flat_states = lambda _graph: None
    try:
        start = time.perf_counter()
        snapping_module.snap(graph)
        grids_only = time.perf_counter() - start
    finally:
        snapping_module.flat_states = original
    verdict = "no candidate proved" if full is None else full.change
    print(f"snap: {with_flat:.1f} s with the leak-free candidates, {grids_only:.1f} s with the grids only ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--hold", default=None, help="the input held false while settling (default: the first)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    graph = load_model(args.model)
    hold = graph.inputs.index(args.hold) if args.hold else 0
    print(f"{args.model}: {len(graph.neurons)} neurons, {len(graph.states)} states, {graph.edge_count()} edges")
    rng = np.random.default_rng(args.seed)
    settling(graph, hold, rng)
    stretch(graph, rng)
    saturation(graph, rng)
    snapping(graph)
    snap_cost(graph)


if __name__ == "__main__":
    main()
