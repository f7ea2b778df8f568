"""Hand-made networks that only a relational prover closes."""

from __future__ import annotations

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, State
from tests.verify.handmade import delay1


def rotating_delay1(scale: float = 0.6, read: float = 0.1) -> Graph:
    """delay1 plus two linear states that rotate by 45 degrees and shrink by ``scale * sqrt(2)`` per
    step, driven by the input; the output reads one of them a little. One step of a box in interval
    arithmetic is wider than the box (1.2 times), so the interval prover cannot close; two steps of
    the true map shrink it (a 90-degree turn, times 0.72)."""
    graph = delay1()
    graph.acts["L"] = Activation.linear()
    graph.states += [State("u", 0.0, "un"), State("v", 0.0, "vn")]
    graph.neurons[:0] = [Neuron("un", "L", [("u", scale), ("v", -scale), ("x", 0.1)]),
                         Neuron("vn", "L", [("u", scale), ("v", scale)])]
    graph.neurons[-1] = Neuron("o", "H", [("s", 3.0), ("u", read)])
    return graph
