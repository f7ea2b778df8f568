"""The ``booleanize`` pass: the verifier's booleanize analysis (:mod:`bonsaic.verify.booleanize`) run
inside a pipeline, for its ``--stats`` note; it rewrites nothing."""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.verify.booleanize import analyse


@dataclass(frozen=True)
class Booleanize(Pass):
    """Analysis, not a rewrite: explore the reachable set and decide whether every node is
    two-valued on it, giving each neuron its truth table over its sources (unreachable rows are
    don't-cares) and each state and output its table over the current inputs and states. The graph
    is returned unchanged; the verdict is recorded as a note in ``--stats``. The ``bool`` back end
    runs the same analysis to decompile the graph. Costs one exploration.
    """

    name = "booleanize"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        analysis = analyse(graph, ctx.explore(graph))
        multi = sorted(name for name, lv in analysis.levels.items() if lv.count > 2)
        if multi:
            ctx.note(f"booleanize: not all boolean; enumerated: {', '.join(multi)}")
        else:
            ctx.note(f"booleanize: every node is boolean or constant on {analysis.steps} steps")
        return graph.copy()
