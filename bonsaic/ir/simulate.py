"""The numpy reference simulator: a graph run on a whole batch of sequences at once.

This is the hot loop of the verifier and of every optimisation pass, so the graph is compiled once
(:class:`Stepper`) into a few index and weight arrays per *group*: neurons at the same topological
depth that share an activation. A step then costs, per group, a weighted sum over the whole batch
and one call of the activation, instead of a Python loop over neurons.

Values live node-major (``[node, batch]``), so a group's inputs are gathered as ``[fan_in, group,
batch]`` and summed over the first axis strictly term by term (see :func:`_weighted_sum`). A
sequence's values are therefore the same bits whatever batch it runs in (the verifier compares
states exactly), and equal the left-to-right sum ``w1*v1 + w2*v2 + ... + bias`` of the semantics.
Neurons with a smaller fan-in than their group are padded with ``0.0 * 0.0`` terms, which can only
turn a -0.0 into +0.0: signed zeros are not significant in bonsaic (``==`` and the output decoding
cannot tell them apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph


@dataclass
class SimResult:
    """``values`` [B,T,O] float64, ``outputs`` [B,T,O] as +1/-1, ``trace`` node -> [B,T] or None."""

    values: np.ndarray
    outputs: np.ndarray
    trace: dict[str, np.ndarray] | None = None


@dataclass
class _Group:
    """Neurons computed together: ``rows`` of the value array, from sources ``src`` [F, L]."""

    rows: slice
    act: Activation
    src: np.ndarray  # [fan_in, L] row indices into the value array
    weights: np.ndarray  # [fan_in, L, 1]
    bias: np.ndarray  # [L, 1]
    # src[k] per slot, or just its row when every neuron of the group reads the same node in slot
    # k (dense layers before pruning): then values[slot] is one row that broadcasts, not a gather
    slots: list[int | np.ndarray]


class Stepper:
    """One vectorised step of a graph; see :meth:`step`.

    Internal row order of the value array: inputs, states, neurons grouped by (depth, activation),
    then one row that is always 0.0 (the padding source, and the ``next`` of a state without one).
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.n_inputs = len(graph.inputs)
        self.n_states = len(graph.states)
        order, groups = _schedule(graph)
        row = {name: i for i, name in enumerate(order)}
        self.zero_row = len(order)
        self.n_rows = len(order) + 1
        self._groups = [self._compile(graph, members, row) for members in groups]
        self._next_rows = np.array([self.zero_row if s.next is None else row[s.next] for s in graph.states],
                                   dtype=np.intp)
        self._output_rows = np.array([row[o.source] for o in graph.outputs], dtype=np.intp)
        self._node_rows = np.array([row[name] for name in graph.node_names()], dtype=np.intp)
        self._init = np.array([s.init for s in graph.states], dtype=np.float64)

    @staticmethod
    def _compile(graph: Graph, members: list[int], row: dict[str, int]) -> _Group:
        neurons = [graph.neurons[i] for i in members]
        fan_in = max((len(n.inputs) for n in neurons), default=0)
        zero = len(row)
        src = np.full((fan_in, len(neurons)), zero, dtype=np.intp)
        weights = np.zeros((fan_in, len(neurons), 1))
        for col, neuron in enumerate(neurons):
            for k, (name, w) in enumerate(neuron.inputs):
                src[k, col] = row[name]
                weights[k, col, 0] = w
        first = row[neurons[0].name]
        slots = [int(k[0]) if (k == k[0]).all() else k for k in src]
        return _Group(slice(first, first + len(neurons)), graph.acts[neurons[0].act], src, weights,
                      np.array([[n.bias] for n in neurons], dtype=np.float64), slots)

    def initial_states(self) -> np.ndarray:
        """The state vector at step 0, shape [S]."""
        return self._init.copy()

    def evaluate(self, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Every node's value for one step, node-major: the internal value array [rows, N]."""
        n = states.shape[0]
        values = np.empty((self.n_rows, n))
        values[: self.n_inputs] = inputs.T
        values[self.n_inputs : self.n_inputs + self.n_states] = states.T
        values[self.zero_row] = 0.0
        for g in self._groups:
            values[g.rows] = g.act.forward(_weighted_sum(g, values, n) + g.bias)
        return values

    def step(self, states: np.ndarray, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``states`` [N,S], ``inputs`` [N,I] -> (next states [N,S], node values [N,K], outputs [N,O]).

        Node values follow ``graph.node_names()``; outputs are the raw values (decode with ``> 0``).
        """
        values = self.evaluate(np.asarray(states, dtype=np.float64), np.asarray(inputs, dtype=np.float64))
        return values[self._next_rows].T, values[self._node_rows].T, values[self._output_rows].T

    def run(self, inputs: np.ndarray, trace: bool = False) -> SimResult:
        """Run sequences ``inputs`` [B,T,I] from the initial states."""
        inputs = np.asarray(inputs, dtype=np.float64)
        batch, steps, _ = inputs.shape
        states = np.broadcast_to(self._init, (batch, self.n_states))
        out = np.empty((len(self._output_rows), steps, batch))
        kept = np.empty((len(self._node_rows), steps, batch)) if trace else None
        for t in range(steps):
            values = self.evaluate(states, inputs[:, t, :])
            out[:, t, :] = values[self._output_rows]
            if kept is not None:
                kept[:, t, :] = values[self._node_rows]
            states = values[self._next_rows].T
        result = np.ascontiguousarray(out.transpose(2, 1, 0))
        traces = None
        if kept is not None:
            traces = {name: kept[i].T for i, name in enumerate(self.graph.node_names())}
        return SimResult(result, np.where(result > 0, 1.0, -1.0), traces)


# Above this many values per group and step, a loop over fan-in slots beats one gather and
# accumulate (measured: ~5 ns per gathered value against ~2 us per numpy call in the loop).
_LOOP_ABOVE = 256


def _weighted_sum(g: _Group, values: np.ndarray, n: int) -> np.ndarray:
    """``sum_k w_k * v_k`` of every neuron in ``g``, added strictly left to right in both branches.

    ``ndarray.sum`` would not do: for some shapes numpy switches to pairwise summation, and then a
    sequence's bits would depend on the batch it runs in. ``add.accumulate`` is sequential by
    definition, and the loop is too.
    """
    fan_in, width = g.src.shape
    if fan_in == 0:
        return np.zeros((width, n))
    if width * n <= _LOOP_ABOVE:
        return np.add.accumulate(g.weights * values[g.src], axis=0)[-1]
    total = g.weights[0] * values[g.slots[0]]
    for k in range(1, fan_in):
        total += g.weights[k] * values[g.slots[k]]
    return total


def simulate(graph: Graph, inputs: np.ndarray, trace: bool = False) -> SimResult:
    """Run ``graph`` on ``inputs`` [B,T,I] (±1); see :class:`SimResult` for what comes back."""
    return Stepper(graph).run(inputs, trace)


def _schedule(graph: Graph) -> tuple[list[str], list[list[int]]]:
    """Row order and groups: neurons by depth (longest path from inputs/states), then activation."""
    depth: dict[str, int] = {}
    for neuron in graph.neurons:  # topological order: sources first
        depth[neuron.name] = 1 + max((depth.get(src, 0) for src, _w in neuron.inputs), default=0)
    keyed: dict[tuple[int, str], list[int]] = {}
    for i, neuron in enumerate(graph.neurons):
        keyed.setdefault((depth[neuron.name], neuron.act), []).append(i)
    groups = [keyed[key] for key in sorted(keyed)]
    order = [*graph.inputs, *(s.name for s in graph.states)]
    order += [graph.neurons[i].name for members in groups for i in members]
    return order, groups
