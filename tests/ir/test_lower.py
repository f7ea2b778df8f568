"""lower_network against a direct numpy forward pass of the custom RNN cell equations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.lower import CellWeights, DenseWeights, lower_network
from bonsaic.ir.simulate import simulate

ACTS = [Activation.interpolated_ameo(0.5, 0.1), Activation.leaky_ameo(0.2), Activation.ameo(),
        Activation.tanh(), Activation.linear()]


def _matrix(draw: st.DrawFn, rows: int, cols: int) -> np.ndarray:
    """Random weights in which about a third are exactly zero (those must not become edges)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.normal(0.0, 1.5, (rows, cols))
    return np.where(rng.random((rows, cols)) < 0.33, 0.0, values)


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[CellWeights], list[DenseWeights], int, int]:
    n_inputs = draw(st.integers(1, 2))
    width, cells = n_inputs, []
    for _ in range(draw(st.integers(1, 2))):
        states, outs = draw(st.integers(0, 3)), draw(st.integers(1, 3))
        cells.append(CellWeights(
            output_kernel=_matrix(draw, width + states, outs),
            output_bias=_matrix(draw, 1, outs)[0],
            recurrent_kernel=_matrix(draw, width + states, states),
            recurrent_bias=_matrix(draw, 1, states)[0],
            initial_state=_matrix(draw, 1, states)[0],
            output_activation=draw(st.sampled_from(ACTS)),
            recurrent_activation=draw(st.sampled_from(ACTS)),
        ))
        width = outs
    dense = []
    for _ in range(draw(st.integers(0, 2))):
        outs = draw(st.integers(1, 2))
        dense.append(DenseWeights(_matrix(draw, outs, width), _matrix(draw, 1, outs)[0],
                                  draw(st.sampled_from(ACTS))))
        width = outs
    return cells, dense, n_inputs, width


def _forward(cells: list[CellWeights], dense: list[DenseWeights], xs: np.ndarray) -> np.ndarray:
    """The cell equations, written straight from the seed post: xs [T, I] -> outputs [T, O]."""
    states = [c.initial_state.copy() for c in cells]
    produced = []
    for x in xs:
        h = x
        for i, cell in enumerate(cells):
            concat = np.concatenate([h, states[i]])
            h_next = cell.output_activation.forward(concat @ cell.output_kernel + cell.output_bias)
            states[i] = cell.recurrent_activation.forward(concat @ cell.recurrent_kernel
                                                          + cell.recurrent_bias)
            h = h_next
        for layer in dense:
            h = layer.activation.forward(layer.weights @ h + layer.bias)
        produced.append(h)
    return np.array(produced)


@settings(max_examples=40, deadline=None)
@given(networks(), st.integers(0, 2**32 - 1))
def test_lowered_graph_computes_the_cell_equations(net, seed: int) -> None:
    cells, dense, n_inputs, n_outputs = net
    graph = lower_network(cells, dense, [f"x{i}" for i in range(n_inputs)],
                          [f"y{k}" for k in range(n_outputs)])
    xs = np.where(np.random.default_rng(seed).random((3, 7, n_inputs)) < 0.5, -1.0, 1.0)
    got = simulate(graph, xs).values
    for b in range(len(xs)):
        np.testing.assert_allclose(got[b], _forward(cells, dense, xs[b]), rtol=1e-9, atol=1e-12)
    nonzero = sum(int(np.count_nonzero(c.output_kernel) + np.count_nonzero(c.recurrent_kernel))
                  for c in cells) + sum(int(np.count_nonzero(d.weights)) for d in dense)
    assert graph.edge_count() == nonzero


def _seed_like_cell() -> CellWeights:
    return CellWeights(
        output_kernel=np.array([[0.0, 2.0], [1.0, 0.0]]), output_bias=np.array([0.5, 0.0]),
        recurrent_kernel=np.array([[1.5], [0.0]]), recurrent_bias=np.array([-0.1]),
        initial_state=np.array([0.25]), output_activation=Activation.interpolated_ameo(),
        recurrent_activation=Activation.interpolated_ameo(),
    )


def test_names_follow_cell_role_index() -> None:
    graph = lower_network([_seed_like_cell()], DenseWeights(np.array([[0.5, -1.0]]), np.array([0.0]),
                                                            Activation.linear()), ["x"], ["y"])
    assert graph.node_names() == ["x", "c0.s0", "c0.r0", "c0.o0", "c0.o1", "dense.0"]
    assert graph.state("c0.s0").next == "c0.r0" and graph.state("c0.s0").init == 0.25
    assert graph.neuron("c0.o0").inputs == [("c0.s0", 1.0)]  # the exact-zero input weight is gone
    assert graph.neuron("c0.r0").inputs == [("x", 1.5)]
    assert [o.source for o in graph.outputs] == ["dense.0"]
    assert set(graph.acts.values()) == {Activation.interpolated_ameo(), Activation.linear()}


def test_several_post_layers_are_numbered_by_layer() -> None:
    linear = Activation.linear()
    layers = [DenseWeights(np.ones((2, 2)), np.zeros(2), linear), DenseWeights(np.ones((1, 2)), np.zeros(1), linear)]
    graph = lower_network([_seed_like_cell()], layers, ["x"], ["y"])
    assert [n.name for n in graph.neurons][-3:] == ["d0.0", "d0.1", "d1.0"]


def test_inconsistent_shapes_are_rejected() -> None:
    cell = _seed_like_cell()
    cell.recurrent_kernel = np.zeros((3, 1))
    with pytest.raises(ValueError, match="cell 0 recurrent_kernel has shape"):
        lower_network([cell], [], ["x"], ["y", "z"])
