"""The graph's real-valued parameters as one flat table, for the passes that search over them.

``clip``, ``prune`` and ``quantize`` all ask the same question: "if these parameters took these
values, would the graph still implement its spec?". They describe a candidate as a mapping
``ParamRef -> value`` applied to the pass's *input* graph, so candidates never depend on the order
in which earlier ones were tried, and a weight set to 0.0 is an edge removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bonsaic.ir.graph import Graph

ParamKind = Literal["weight", "bias", "init"]


@dataclass(frozen=True, order=True)
class ParamRef:
    """One parameter: a weight (``owner`` neuron, ``slot`` index in its inputs), a bias or an initial state."""

    kind: ParamKind
    owner: str
    slot: int = 0


def parameters(graph: Graph) -> dict[ParamRef, float]:
    """Every weight, bias and initial state of ``graph`` with its value (zeros included)."""
    table: dict[ParamRef, float] = {}
    for neuron in graph.neurons:
        for slot, (_src, weight) in enumerate(neuron.inputs):
            table[ParamRef("weight", neuron.name, slot)] = weight
        table[ParamRef("bias", neuron.name)] = neuron.bias
    for state in graph.states:
        table[ParamRef("init", state.name)] = state.init
    return table


def assign(graph: Graph, values: Mapping[ParamRef, float]) -> Graph:
    """A copy of ``graph`` with ``values`` substituted; weights that become 0.0 are removed as edges."""
    out = graph.copy()
    for neuron in out.neurons:
        weights = [values.get(ParamRef("weight", neuron.name, slot), w)
                   for slot, (_src, w) in enumerate(neuron.inputs)]
        neuron.inputs = [(src, w) for (src, _old), w in zip(neuron.inputs, weights, strict=True) if w != 0.0]
        neuron.bias = values.get(ParamRef("bias", neuron.name), neuron.bias)
    for state in out.states:
        state.init = values.get(ParamRef("init", state.name), state.init)
    return out
