"""Simulation throughput: the numpy Stepper against the OpenCL kernel, in sequence-steps per second.

Two random, unpruned networks with the shapes of the example specs' models (the sizes a freshly
trained network has, before any pass shrinks it): ``delay1`` (1 input, one cell of 4 outputs and
2 states, 1 dense neuron) and ``gate_switcher`` (3 inputs, two cells of 16 outputs and 10 states).
Also the latency of one ``Stepper.step`` on small batches, which is what the verifier's
breadth-first exploration pays per frontier.

Run: ``.venv/bin/python benchmarks/run_all.py simulate`` (``--quick`` for a smoke test).
"""

from __future__ import annotations

import time

import numpy as np

from bonsaic.ir import Activation, Graph, Stepper, simulate
from bonsaic.ir.lower import CellWeights, DenseWeights, lower_network
from bonsaic.ir.opencl import OpenCLSimulator, opencl_available, opencl_precision

SHAPES = {  # name: (inputs, [(cell outputs, cell states), ...])
    "delay1-sized": (1, [(4, 2)]),
    "gate_switcher-sized": (3, [(16, 10), (16, 10)]),
}


def random_network(n_inputs: int, cells: list[tuple[int, int]], seed: int = 0) -> Graph:
    """A dense network of the given shape with N(0, 1) weights, lowered like a trained one."""
    rng = np.random.default_rng(seed)
    act = Activation.interpolated_ameo(0.5, 0.01)
    lowered, width = [], n_inputs
    for outputs, states in cells:
        lowered.append(CellWeights(rng.normal(size=(width + states, outputs)), rng.normal(size=outputs),
                                   rng.normal(size=(width + states, states)), rng.normal(size=states),
                                   rng.normal(size=states), act, act))
        width = outputs
    dense = DenseWeights(rng.normal(size=(1, width)), rng.normal(size=1), act)
    return lower_network(lowered, dense, [f"x{i}" for i in range(n_inputs)], ["y"])


def _seconds(fn, repeats: int = 1) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _rate(graph: Graph, batch: int, steps: int, cl_sim: OpenCLSimulator | None) -> tuple[str, str]:
    inputs = np.random.default_rng(1).choice([-1.0, 1.0], size=(batch, steps, len(graph.inputs)))
    numpy_rate = batch * steps / _seconds(lambda: simulate(graph, inputs))
    if cl_sim is None:
        return f"{numpy_rate:.3g}", "n/a"
    cl_rate = batch * steps / _seconds(lambda: cl_sim.run(inputs), repeats=2)
    return f"{numpy_rate:.3g}", f"{cl_rate:.3g}"


def _step_latency(graph: Graph, n: int) -> float:
    stepper = Stepper(graph)
    states = np.tile(stepper.initial_states(), (n, 1))
    inputs = np.ones((n, len(graph.inputs)))
    repeats = 200 if n <= 100 else 20
    return _seconds(lambda: [stepper.step(states, inputs) for _ in range(repeats)]) / repeats


def main(quick: bool = False) -> str:
    batches = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    steps = 5 if quick else 20
    cl = opencl_available()
    lines = [
        "## simulate: numpy vs OpenCL",
        "",
        f"Random unpruned networks, {steps}-step sequences; sequence-steps per second (higher is "
        f"better), one run each (OpenCL: best of 2, kernel build excluded). OpenCL: "
        f"{'PoCL/first device, ' + str(opencl_precision()) if cl else 'no platform found'}.",
        "",
        "| network | neurons | edges | batch | numpy | OpenCL |",
        "|---|---|---|---|---|---|",
    ]
    latency = ["", "`Stepper.step` latency (the verifier's unit of work), microseconds per call:", "",
               "| network | N=1 | N=100 | N=10000 |", "|---|---|---|---|"]
    builds = []
    for name, (n_inputs, cells) in SHAPES.items():
        graph = random_network(n_inputs, cells)
        cl_sim = None
        if cl:
            cl_sim = OpenCLSimulator(graph)
            first = np.ones((1, 1, n_inputs))
            builds.append(f"{name} {_seconds(lambda sim=cl_sim, x=first: sim.run(x)):.2f} s")
        for batch in batches:
            numpy_rate, cl_rate = _rate(graph, batch, steps, cl_sim)
            lines.append(f"| {name} | {len(graph.neurons)} | {graph.edge_count()} | {batch:,} | "
                         f"{numpy_rate} | {cl_rate} |")
        micros = [f"{_step_latency(graph, n) * 1e6:.0f}" for n in (1, 100, 10_000)]
        latency.append(f"| {name} | {' | '.join(micros)} |")
    if builds:
        lines += ["", f"First OpenCL run, kernel build included: {', '.join(builds)}."]
    return "\n".join(lines + latency) + "\n"


if __name__ == "__main__":
    print(main(quick=True))
