"""``fold``: nodes that hold one constant on every reachable step become their consumers' bias."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext


def fold_constants(graph: Graph, constants: dict[str, float]) -> Graph:
    """A copy where every edge ``w`` from a node in ``constants`` (value ``c``) becomes ``bias += w*c``."""
    out = graph.copy()
    for neuron in out.neurons:
        folded = [(src, w) for src, w in neuron.inputs if src in constants]
        if folded:
            neuron.inputs = [(src, w) for src, w in neuron.inputs if src not in constants]
            neuron.bias = neuron.bias + sum(w * constants[src] for src, w in folded)
    return out


@dataclass(frozen=True)
class Fold(Pass):
    """Fold constants: explore the reachable (spec state, graph state) steps, and every node (input,
    state or neuron) whose value is the same number on all of them stops being read -- each
    consumer adds weight * value to its bias instead. This covers loops that hold a constant (a
    state fed back through an identity neuron) because the state and its ``next`` are both
    constant. Dead nodes are removed afterwards. Only done when exploration closes (otherwise
    "every reachable step" is not known); the result is checked once more with the verifier and
    discarded if float rounding in the new bias sum changed an output.
    """

    name = "fold"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        exploration = ctx.explore(graph)
        if not exploration.closed:
            ctx.note("exploration did not close; nothing folded")
            return graph
        constants = {name: float(values[0]) for name, values in exploration.node_values.items()
                     if len(values) and np.all(values == values[0])}
        readers = {src for n in graph.neurons for src, _w in n.inputs}
        constants = {name: v for name, v in constants.items() if name in readers}
        if not constants:
            return graph
        return ctx.keep_if_equivalent(graph, fold_constants(graph, constants), "folded graph",
                                      f"folded {', '.join(sorted(constants))}")
