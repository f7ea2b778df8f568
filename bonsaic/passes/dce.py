"""``dce``: delete every node that cannot influence an output."""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext


def live_nodes(graph: Graph) -> set[str]:
    """Nodes an output depends on: walk back from the outputs through edges and state ``next`` links."""
    reads = {n.name: [src for src, _w in n.inputs] for n in graph.neurons}
    reads.update({s.name: [s.next] if s.next is not None else [] for s in graph.states})
    live: set[str] = set()
    stack = [out.source for out in graph.outputs]
    while stack:
        node = stack.pop()
        if node not in live:
            live.add(node)
            stack.extend(reads.get(node, []))
    return live


def eliminate_dead_nodes(graph: Graph) -> Graph:
    """A copy of ``graph`` without dead states, neurons and unused activations (inputs all stay)."""
    live = live_nodes(graph)
    out = graph.copy()
    out.states = [s for s in out.states if s.name in live]
    out.neurons = [n for n in out.neurons if n.name in live]
    used = {n.act for n in out.neurons}
    out.acts = {name: act for name, act in out.acts.items() if name in used}
    return out


@dataclass(frozen=True)
class DeadCodeElimination(Pass):
    """Remove every neuron and state that cannot influence an output, found by a depth-first walk
    back from the outputs through neuron inputs and state ``next`` links (the seed post's final
    sweep). Edges from inputs to removed neurons go with them; inputs themselves stay declared,
    disconnected if unused, so the graph keeps its interface. Activations no neuron uses any more
    are dropped. Purely structural: needs no verifier call and is exact.
    """

    name = "dce"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        return eliminate_dead_nodes(graph)
