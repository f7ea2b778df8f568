"""The numpy simulator against an independent, deliberately naive loop-per-node reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir import Activation, Graph, Neuron, Output, State, Stepper, load_ir, simulate
from tests.ir.strategies import graphs

DATA = Path(__file__).parent / "data"


def reference(graph: Graph, sequence: np.ndarray) -> list[dict[str, float]]:
    """Node values at every step of one sequence [T, I], read straight off the graph.py docstring.

    Sums run left to right and then add the bias, the order the simulator promises, so the
    comparison is exact (``==``, under which -0.0 and 0.0 are equal).
    """
    states = {s.name: s.init for s in graph.states}
    history = []
    for bits in sequence:
        value = dict(zip(graph.inputs, map(float, bits), strict=True)) | states
        for neuron in graph.neurons:
            total = None
            for src, w in neuron.inputs:
                total = w * value[src] if total is None else total + w * value[src]
            pre = neuron.bias if total is None else total + neuron.bias
            value[neuron.name] = float(graph.acts[neuron.act].forward(np.array([pre]))[0])
        history.append(value)
        states = {s.name: 0.0 if s.next is None else value[s.next] for s in graph.states}
    return history


def _random_inputs(graph: Graph, batch: int, steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=(batch, steps, len(graph.inputs)))


@settings(max_examples=60, deadline=None)
@given(graphs(), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_simulate_matches_the_reference(graph: Graph, steps: int, seed: int) -> None:
    inputs = _random_inputs(graph, 3, steps, seed)
    result = simulate(graph, inputs, trace=True)
    assert result.trace is not None
    for b in range(3):
        for t, expected in enumerate(reference(graph, inputs[b])):
            for name, value in expected.items():
                assert result.trace[name][b, t] == value, (name, t)
            for o, out in enumerate(graph.outputs):
                assert result.values[b, t, o] == expected[out.source]
    assert set(np.unique(result.outputs)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(result.outputs, np.where(result.values > 0, 1.0, -1.0))


@settings(max_examples=40, deadline=None)
@given(graphs(max_fan_in=12, max_neurons=12), st.integers(0, 2**32 - 1))
def test_a_sequence_gives_the_same_bits_in_any_batch(graph: Graph, seed: int) -> None:
    """The verifier compares states exactly, so batch composition must not change a single bit.

    300 sequences take the simulator's wide-batch code path, one sequence the narrow one.
    """
    inputs = _random_inputs(graph, 300, 5, seed)
    whole = simulate(graph, inputs, trace=True).trace
    alone = simulate(graph, inputs[5:6], trace=True).trace
    assert whole is not None and alone is not None
    for name in graph.node_names():
        assert whole[name][5:6].tobytes() == alone[name].tobytes()


@settings(max_examples=40, deadline=None)
@given(graphs(), st.integers(0, 2**32 - 1))
def test_stepper_steps_agree_with_simulate(graph: Graph, seed: int) -> None:
    inputs = _random_inputs(graph, 4, 4, seed)
    result = simulate(graph, inputs, trace=True)
    assert result.trace is not None
    stepper = Stepper(graph)
    states = np.tile(stepper.initial_states(), (4, 1))
    for t in range(4):
        states, nodes, outs = stepper.step(states, inputs[:, t])
        assert nodes.shape == (4, len(graph.node_names())) and outs.shape == (4, len(graph.outputs))
        for k, name in enumerate(graph.node_names()):
            np.testing.assert_array_equal(nodes[:, k], result.trace[name][:, t])
        np.testing.assert_array_equal(outs, result.values[:, t])


def test_state_without_next_is_init_then_zero() -> None:
    lin = {"L": Activation.linear()}
    g = Graph(lin, ["x"], [State("s", 0.75, None)], [Neuron("n", "L", [("s", 2.0), ("x", 0.5)], 0.25)],
              [Output("y", "n")])
    result = simulate(g, np.array([[[1.0], [1.0], [-1.0]]]))
    np.testing.assert_array_equal(result.values[0, :, 0], [2.0 * 0.75 + 0.5 + 0.25, 0.75, 0.25 - 0.5 + 0.0])
    np.testing.assert_array_equal(result.outputs[0, :, 0], [1.0, 1.0, -1.0])


def test_states_update_all_at_once() -> None:
    """Two states that swap: each must read the other's *old* value."""
    lin = {"L": Activation.linear()}
    g = Graph(lin, ["x"], [State("a", 1.0, "b_copy"), State("b", -1.0, "a_copy")],
              [Neuron("a_copy", "L", [("a", 1.0)]), Neuron("b_copy", "L", [("b", 1.0)])],
              [Output("ya", "a_copy")])
    result = simulate(g, np.zeros((1, 4, 1)))
    np.testing.assert_array_equal(result.values[0, :, 0], [1.0, -1.0, 1.0, -1.0])


def test_zero_output_decodes_false() -> None:
    g = Graph({"L": Activation.linear()}, ["x"], [], [Neuron("n", "L", [("x", 0.0)])], [Output("y", "n")])
    assert simulate(g, np.ones((1, 1, 1))).outputs[0, 0, 0] == -1.0


def test_seed_post_delay_network_delays_by_one() -> None:
    """The seed post's trained network ("Constructing the Graphs") computes y[n] = x[n-1], y[0] = -1."""
    g = load_ir(DATA / "seed_delay.ir")
    inputs = np.random.default_rng(0).choice([-1.0, 1.0], size=(64, 12, 1))
    outputs = simulate(g, inputs).outputs[:, :, 0]
    np.testing.assert_array_equal(outputs[:, 0], -1.0)
    np.testing.assert_array_equal(outputs[:, 1:], inputs[:, :-1, 0])
