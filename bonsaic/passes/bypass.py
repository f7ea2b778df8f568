"""``bypass``: an output that reads a one-input neuron reads that neuron's input, where the verifier agrees.

An output is decoded by its sign only. A trained network often ends in a chain like
``dense.0 = A(-1.0*c0.o1)``, a neuron with one input that exists only because the model has a dense
layer; whenever it keeps (the sign of) what it reads on every reachable step, the output can read
that node directly and the neuron dies. Whether it does is a question about reachable values, which
the verifier answers; where the exploration does not close, the answer is bounded like every other
search's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.dce import eliminate_dead_nodes


def read_through(graph: Graph, index: int) -> Graph | None:
    """A copy where output ``index`` reads the only source of the neuron it reads now (None if
    that is not a neuron with exactly one input), without dead nodes."""
    source = graph.outputs[index].source
    neuron = next((n for n in graph.neurons if n.name == source), None)
    if neuron is None or len(neuron.inputs) != 1:
        return None
    out = graph.copy()
    out.outputs[index].source = neuron.inputs[0][0]
    return eliminate_dead_nodes(out)


@dataclass(frozen=True)
class Bypass(Pass):
    """Read outputs through: an output whose source is a neuron with a single input is tried on
    that input instead (outputs decode by sign, and such a neuron often keeps its input's sign:
    the Ameo is decreasing around 0, so ``A(-1.0*v)`` has the sign of ``v`` for |v| < 2); kept if
    the graph verifies, and repeated down the chain.
    """

    name = "bypass"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        current = graph
        for index, output in enumerate(graph.outputs):
            while (trial := read_through(current, index)) is not None and ctx.equivalent(trial):
                ctx.note(f"output {output.name} reads {trial.outputs[index].source}")
                current = trial
        return current
