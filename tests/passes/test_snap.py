"""Snapping a drifting counter onto a dyadic grid: kept only when the verifier proves it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.ir.simulate import simulate
from bonsaic.ir.text import parse_ir, print_ir
from bonsaic.passes.params import parameters
from bonsaic.passes.snap import flat_states, snap
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
    graph, edges, failure, grid = judged.graph, judged.edges, judged.failure, judged.snapped
    assert judged.verdict == "proved"
    assert grid == "weights snapped to multiples of 1/4" and parameters(graph) == parameters(parens_counter())
    assert failure is not None and failure.startswith("wrong at step")  # the drifting one's verdict
    assert edges is not None and edges <= graph.edge_count()
    row = restart_table([RestartResult(0, 1.0, 100, 0.05, True, edges, graph, None, grid, "proved")]).splitlines()[1]
    assert row.startswith("*") and row.endswith("weights snapped to multiples of 1/4")


def test_a_proved_network_is_not_snapped() -> None:
    exact = parens_counter({"o0": 1e-3})  # off the grid, but still exact enough to close
    judged = _judge_snapshot(exact, Verifier.for_graph(exact))
    graph, failure, grid = judged.graph, judged.failure, judged.snapped
    assert judged.verdict == "proved"
    assert grid is None and failure is None and graph is exact


# A wire (y = x) next to a state that stores a saturated bit: s' = A(4 s + 1.25 x) with the leaky
# Ameo sits between 1.0 and 1.3 and remembers every input by a factor of 0.4 per step, so no two
# histories give the same float and the exploration never closes. Without the leak s is exactly 1.
WIRE = "input x\noutput y\nstep { y = x }\n"


def saturated_bit(w_x: float = 1.25) -> Graph:
    return Graph(acts={"A": Activation.leaky_ameo(0.1), "L": Activation.linear()}, inputs=["x"],
                 states=[State("s", 1.0, "r")],
                 neurons=[Neuron("r", "A", [("s", 4.0), ("x", w_x)], 0.0), Neuron("o", "L", [("x", 1.0), ("s", 0.01)])],
                 outputs=[Output("y", "o")], spec_source=WIRE, spec_name="wire.bns")


def test_flat_states_removes_the_leak_of_state_neurons_only() -> None:
    graph = saturated_bit()
    flat = flat_states(graph)
    assert flat is not None and graph.neuron("r").act == "A"  # the input is not changed
    assert flat.acts[flat.neuron("r").act] == Activation.leaky_ameo(0.0)
    assert flat.neuron("o").act == "L" and flat.acts["A"] == Activation.leaky_ameo(0.1)
    assert flat_states(flat) is None  # nothing left to flatten
    assert parse_ir(print_ir(flat)) == flat  # the second activation is ordinary IR


def test_a_saturated_state_that_drifts_is_proved_once_its_leak_is_gone() -> None:
    graph = saturated_bit()
    explored = verify(graph, budget=5_000, long_sequences=0, random_sequences=0, intervals=False)
    assert explored.ok and explored.mode != "proved"  # right, but its exploration does not close
    snapped = snap(graph, budget=5_000)
    assert snapped is not None and snapped.flat
    assert snapped.change.endswith("leak removed from the state neurons (exact saturation)")
    assert Verifier.for_graph(graph).verify(snapped.graph).mode == "proved"
    values = simulate(snapped.graph, np.random.default_rng(0).choice([-1.0, 1.0], (4, 50, 1)), trace=True)
    assert set(np.unique(values.trace["r"])) == {1.0}  # the state is exactly 1 from step 1 on


def test_flat_states_that_break_the_network_are_not_kept() -> None:
    # s' = A(4 s + 0.5 x) stays in 1.08-1.25 with the leak, and the output needs it there:
    # o = x + 8 s - 9.5. Without the leak s is exactly 1 and o is wrong whenever x is true.
    graph = saturated_bit(w_x=0.5)
    graph.states[0].init = 1.2
    graph.neuron("o").inputs, graph.neuron("o").bias = [("x", 1.0), ("s", 8.0)], -9.5
    explored = verify(graph, budget=5_000, long_sequences=0, random_sequences=0, intervals=False)
    assert explored.ok and explored.mode != "proved"
    assert not verify(flat_states(graph), budget=5_000).ok
    assert snap(graph, budget=5_000) is None
