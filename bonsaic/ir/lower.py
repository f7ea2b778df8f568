"""Lowering: stacked custom-RNN-cell weights -> a :class:`Graph` (the unpruned network).

This is the one place that knows how the seed post's custom RNN cell maps onto graph nodes, shared
by the trainer and the rnn-viz importer so both produce the same graph for the same weights.

A cell ``i`` reads the concatenation ``[previous layer's outputs, this cell's states]`` (the graph
inputs for cell 0) with two kernels::

    c{i}.o{k} = output_activation(sum_r output_kernel[r][k] * concat[r] + output_bias[k])
    c{i}.r{j} = recurrent_activation(sum_r recurrent_kernel[r][j] * concat[r] + recurrent_bias[j])
    state c{i}.s{j} = initial_state[j] <- c{i}.r{j}

Both read the states of the *previous* step, so recurrent neurons are ordinary neurons and the new
state is taken at the end of the step. The post layers read the last cell's outputs:
``dense.{k}`` when there is one, ``d{l}.{k}`` when there are several. Every weight that is not
exactly 0.0 becomes an edge; pruning is the passes' job, not this one's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State


@dataclass
class CellWeights:
    """One custom RNN cell. Kernels are ``[in + state_size][out]``; a cell may have no states."""

    output_kernel: np.ndarray
    output_bias: np.ndarray
    recurrent_kernel: np.ndarray
    recurrent_bias: np.ndarray
    initial_state: np.ndarray
    output_activation: Activation
    recurrent_activation: Activation

    @property
    def state_size(self) -> int:
        return int(np.asarray(self.initial_state).shape[0])

    @property
    def output_dim(self) -> int:
        return int(np.asarray(self.output_bias).shape[0])


@dataclass
class DenseWeights:
    """One post layer: ``weights`` is ``[out][in]`` (as rnn-viz dumps it), ``bias`` ``[out]``."""

    weights: np.ndarray
    bias: np.ndarray
    activation: Activation


def _check_shape(what: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{what} has shape {array.shape}, expected {shape}")
    return array


class GraphBuilder:
    """Accumulates states and neurons in evaluation order and names each distinct activation once.

    Shared by :func:`lower_network` and the importers, so every front end names things alike.
    """

    def __init__(self) -> None:
        self.acts: dict[str, Activation] = {}
        self.neurons: list[Neuron] = []
        self.states: list[State] = []
        self._letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def act_name(self, act: Activation) -> str:
        """The name ``act`` is declared under, declaring it on first use."""
        for name, known in self.acts.items():
            if known == act:
                return name
        # parameterless kinds read best under their own name; the others get A, B, C...
        name = act.kind if act.kind in ("ameo", "tanh", "linear") else next(self._letters)
        self.acts[name] = act
        return name

    def add_state(self, name: str, init: float, next_node: str | None) -> None:
        self.states.append(State(name, float(init), next_node))

    def add_neuron(self, name: str, act: Activation, inputs: list[tuple[str, float]], bias: float) -> None:
        """Append a neuron; every source must already be an input, a state or an earlier neuron."""
        self.neurons.append(Neuron(name, self.act_name(act), [(s, float(w)) for s, w in inputs],
                                   float(bias)))

    def add_dense_neuron(self, name: str, act: Activation, sources: list[str], column: np.ndarray,
                         bias: float) -> None:
        """A neuron reading ``sources`` with weights ``column``; exact zeros are not edges."""
        self.add_neuron(name, act, [(s, w) for s, w in zip(sources, column, strict=True) if w != 0.0],
                        bias)

    def graph(self, input_names: Sequence[str], outputs: list[Output], spec_source: str | None,
              spec_name: str | None) -> Graph:
        return Graph(acts=self.acts, inputs=list(input_names), states=self.states, neurons=self.neurons,
                     outputs=outputs, spec_source=spec_source, spec_name=spec_name)


def _lower_cell(b: GraphBuilder, i: int, cell: CellWeights, sources: list[str]) -> list[str]:
    """Add cell ``i`` reading ``sources``; return the names of its output neurons."""
    states = [f"c{i}.s{j}" for j in range(cell.state_size)]
    rows = len(sources) + cell.state_size
    out_k = _check_shape(f"cell {i} output_kernel", cell.output_kernel, (rows, cell.output_dim))
    out_b = _check_shape(f"cell {i} output_bias", cell.output_bias, (cell.output_dim,))
    rec_k = _check_shape(f"cell {i} recurrent_kernel", cell.recurrent_kernel, (rows, cell.state_size))
    rec_b = _check_shape(f"cell {i} recurrent_bias", cell.recurrent_bias, (cell.state_size,))
    init = _check_shape(f"cell {i} initial_state", cell.initial_state, (cell.state_size,))
    concat = [*sources, *states]
    for j, name in enumerate(states):
        b.add_state(name, init[j], f"c{i}.r{j}")
        b.add_dense_neuron(f"c{i}.r{j}", cell.recurrent_activation, concat, rec_k[:, j], rec_b[j])
    outputs = [f"c{i}.o{k}" for k in range(cell.output_dim)]
    for k, name in enumerate(outputs):
        b.add_dense_neuron(name, cell.output_activation, concat, out_k[:, k], out_b[k])
    return outputs


def lower_network(
    cells: Sequence[CellWeights],
    dense: DenseWeights | Sequence[DenseWeights],
    input_names: Sequence[str],
    output_names: Sequence[str],
    spec_source: str | None = None,
    spec_name: str | None = None,
) -> Graph:
    """The graph of a stack of cells followed by post layers (``dense``: one layer or a list).

    The last layer (the last post layer, or the last cell if there are none) must have one neuron
    per output name. Raises ValueError on inconsistent shapes.
    """
    layers = [dense] if isinstance(dense, DenseWeights) else list(dense)
    b = GraphBuilder()
    sources = list(input_names)
    for i, cell in enumerate(cells):
        sources = _lower_cell(b, i, cell, sources)
    for index, layer in enumerate(layers):
        bias = np.asarray(layer.bias, dtype=np.float64)
        weights = _check_shape(f"post layer {index} weights", layer.weights,
                               (bias.shape[0], len(sources)))
        prefix = "dense" if len(layers) == 1 else f"d{index}"
        names = [f"{prefix}.{k}" for k in range(bias.shape[0])]
        for k, name in enumerate(names):
            b.add_dense_neuron(name, layer.activation, sources, weights[k], bias[k])
        sources = names
    if len(sources) != len(output_names):
        raise ValueError(f"the last layer has {len(sources)} neurons but there are "
                         f"{len(output_names)} outputs")
    outputs = [Output(name, src) for name, src in zip(output_names, sources, strict=True)]
    return b.graph(input_names, outputs, spec_source, spec_name)
