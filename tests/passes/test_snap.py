"""Snapping a drifting counter onto a dyadic grid: kept only when the verifier proves it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.passes.params import parameters
from bonsaic.passes.snap import snap
from bonsaic.spec import load_spec
from bonsaic.train.restarts import RestartResult, _judge_snapshot, restart_table
from bonsaic.verify import Verifier, verify
from tests.verify.test_examples import EXAMPLES

# The parens bonsai `bonsaic train` found (runs/p3, restart 1, after snapping and `opt`): one state
# counts depth in quarters (-1 = balanced ... +1 = depth 8) in the linear middle of the Ameo.
EXACT = {"r": ([("close", 0.25), ("s", -1.0)], 0.0), "o0": ([("close", -0.25), ("s", 0.75)], 0.5),
         "o6": ([("close", 0.25), ("s", -1.5)], 0.0), "y": ([("o0", -2.0), ("s", 1.0), ("o6", -2.0)], 0.0)}


def parens_counter(noise: dict[str, float] | None = None, init: float = -1.0) -> Graph:
    """The exact counter, with ``noise[neuron]`` added to each of that neuron's weights."""
    noise = noise or {}
    neurons = [Neuron(name, "A", [(src, w + noise.get(name, 0.0)) for src, w in inputs], bias)
               for name, (inputs, bias) in EXACT.items()]
    spec = load_spec(EXAMPLES / "parens.bns")
    return Graph(acts={"A": Activation.interpolated_ameo(1.0, 0.1)}, inputs=["close"],
                 states=[State("s", init, "r")], neurons=neurons, outputs=[Output("balanced", "y")],
                 spec_source=spec.source, spec_name=spec.name)


def test_the_exact_counter_is_proved_and_a_drifting_one_is_not() -> None:
    assert verify(parens_counter()).mode == "proved"
    drifting = verify(parens_counter({"r": 3e-4}), budget=20_000)
    assert drifting.mode != "proved"  # its states never repeat: at best sampled, here wrong
    assert not drifting.ok


def test_snap_rounds_a_drifting_counter_back_to_the_exact_one() -> None:
    snapped = snap(parens_counter({"r": 3e-4, "o0": -2e-3, "y": 1e-2}, init=-1.004))
    assert snapped is not None and snapped.grid == "1/4"
    assert parameters(snapped.graph) == parameters(parens_counter())
    assert verify(snapped.graph).mode == "proved"


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-0.02, 0.02), min_size=4, max_size=4))
def test_whatever_snap_returns_is_proved_and_on_its_grid(noise: list[float]) -> None:
    graph = parens_counter(dict(zip(EXACT, noise, strict=True)))
    verifier = Verifier.for_graph(graph)
    snapped = snap(graph, verifier)
    assert snapped is not None  # within 0.02 of the exact counter, the 1/4 grid always recovers it
    values = np.array(list(parameters(snapped.graph).values()))
    assert np.array_equal(values * snapped.denominator, np.round(values * snapped.denominator))
    assert verifier.verify(snapped.graph).mode == "proved"


def test_snap_gives_up_on_a_network_no_grid_makes_right() -> None:
    wrong = parens_counter()
    wrong.neurons[-1].inputs = [(src, -w) for src, w in wrong.neurons[-1].inputs]  # inverted output
    assert snap(wrong) is None


def test_restart_judging_keeps_the_snapped_network_and_says_so() -> None:
    drifting = parens_counter({"r": 3e-4})
    judged = _judge_snapshot(drifting, Verifier.for_graph(drifting))
    graph, edges, failure, grid = judged.graph, judged.edges, judged.failure, judged.grid
    assert judged.verdict == "proved"
    assert grid == "1/4" and parameters(graph) == parameters(parens_counter())
    assert failure is not None and failure.startswith("wrong at step")  # the drifting one's verdict
    assert edges is not None and edges <= graph.edge_count()
    row = restart_table([RestartResult(0, 1.0, 100, 0.05, True, edges, graph, None, grid, "proved")]).splitlines()[1]
    assert row.startswith("*") and row.endswith("weights snapped to multiples of 1/4")


def test_a_proved_network_is_not_snapped() -> None:
    exact = parens_counter({"o0": 1e-3})  # off the grid, but still exact enough to close
    judged = _judge_snapshot(exact, Verifier.for_graph(exact))
    graph, failure, grid = judged.graph, judged.failure, judged.grid
    assert judged.verdict == "proved"
    assert grid is None and failure is None and graph is exact
