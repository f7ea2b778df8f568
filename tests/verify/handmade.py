"""Hand-made graphs for the seed post's tasks, and small stand-in spec programs.

The graphs use the hard ``ameo`` activation with weights of 3 so every signal stays exactly +1/-1:
``ameo(3a) = a`` for a bit a, and ``ameo(3(a + b + c) + 6)`` is ``a or b or c``. The programs
implement the :class:`bonsaic.spec.Program` interface directly in Python, so the verifier's tests
do not depend on the spec language.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State

HARD = {"H": Activation.ameo()}


def _graph(states: list[State], neurons: list[Neuron], inputs: tuple[str, ...] = ("x",)) -> Graph:
    return Graph(acts=dict(HARD), inputs=list(inputs), states=states, neurons=neurons,
                 outputs=[Output("y", "o")])


def delay1(init: float = -1.0) -> Graph:
    """y[n] = x[n-1], -1 on the first step."""
    return _graph([State("s", init, "r")],
                  [Neuron("r", "H", [("x", 3.0)]), Neuron("o", "H", [("s", 3.0)])])


def delay2(link: float = 3.0) -> Graph:
    """y[n] = x[n-2]; ``link`` is the weight of the middle link of the delay line."""
    return _graph([State("s0", -1.0, "r0"), State("s1", -1.0, "r1")],
                  [Neuron("r0", "H", [("x", 3.0)]), Neuron("r1", "H", [("s0", link)]),
                   Neuron("o", "H", [("s1", 3.0)])])


def loop3(inits: tuple[float, float, float] = (1.0, -1.0, -1.0)) -> Graph:
    """-1, -1, 1 forever, with no input: a three-state rotating ring."""
    names = ["s0", "s1", "s2"]
    return _graph([State(n, v, f"r{i}") for i, (n, v) in enumerate(zip(names, inits, strict=True))],
                  [Neuron(f"r{i}", "H", [(names[i - 1], 3.0)]) for i in range(3)]
                  + [Neuron("o", "H", [("s2", 3.0)])], inputs=())


def replace111(bias: float = 6.0) -> Graph:
    """y[n] = x[n] or x[n-1] or x[n-2]: every 1 is stretched to 1, 1, 1."""
    return _graph([State("s1", -1.0, "r1"), State("s2", -1.0, "r2")],
                  [Neuron("r1", "H", [("x", 3.0)]), Neuron("r2", "H", [("s1", 3.0)]),
                   Neuron("o", "H", [("x", 3.0), ("s1", 3.0), ("s2", 3.0)], bias)])


def counting_delay1(start: float, gate_weight: float) -> Graph:
    """delay1 plus a linear counter c (start, start+1, ...) that never repeats. ``h = ameo(c)`` is
    -1 while c <= -3; ``gate_weight`` 6 makes the output stick at +1 once h rises (c = -2)."""
    graph = delay1()
    graph.acts["L"] = Activation.linear()
    graph.states.append(State("c", start, "inc"))
    graph.neurons[1:1] = [Neuron("inc", "L", [("c", 1.0)], 1.0), Neuron("h", "H", [("c", 1.0)])]
    graph.neurons[-1] = Neuron("o", "H", [("s", 3.0), ("h", gate_weight)], gate_weight)
    return graph


@dataclass
class FakeProgram:
    """A spec program with inputs ``x`` (all vectors allowed) and one output ``y``, given as a
    Python step function ``transition(state, inputs) -> (next state, y)``."""

    init: tuple
    transition: Callable[[tuple, tuple[bool, ...]], tuple[tuple, bool]]
    n_inputs: int = 1

    def initial_state(self) -> tuple:
        return self.init

    def allowed_inputs(self, state: tuple) -> list[tuple[bool, ...]]:
        return list(itertools.product((False, True), repeat=self.n_inputs))

    def step(self, state: tuple, inputs: tuple[bool, ...]) -> tuple[tuple, tuple[bool, ...]]:
        nxt, out = self.transition(state, inputs)
        return nxt, (out,)

    def generate(self, batch: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        bits = np.random.default_rng(seed).random((batch, length, self.n_inputs)) < 0.5
        targets = np.zeros((batch, length, 1), dtype=bool)
        for b in range(batch):
            state = self.init
            for t in range(length):
                state, targets[b, t, 0] = self.transition(state, tuple(bits[b, t]))
        return (bits * 2.0 - 1.0).astype(np.float32), (targets * 2.0 - 1.0).astype(np.float32)


PROGRAMS = {
    "delay1": FakeProgram((False,), lambda s, x: ((x[0],), s[0])),
    "delay2": FakeProgram((False, False), lambda s, x: ((x[0], s[0]), s[1])),
    "loop3": FakeProgram((0,), lambda s, x: (((s[0] + 1) % 3,), s[0] == 2), n_inputs=0),
    "replace111": FakeProgram((False, False), lambda s, x: ((x[0], s[0]), x[0] or s[0] or s[1])),
}
GRAPHS = {"delay1": delay1, "delay2": delay2, "loop3": loop3, "replace111": replace111}


def perturbed(name: str, seed: int, act: Activation, noise: float) -> Graph:
    """Hand-made graph ``name`` with activation ``H`` replaced by ``act``, one random extra input per
    neuron (weight ~ N(0, noise)) and biases moved by N(0, noise / 3): some stay right, some turn
    wrong; the provers' soundness properties draw from these."""
    rng = np.random.default_rng(seed)
    graph = GRAPHS[name]()
    graph.acts["H"] = act
    nodes = graph.inputs + [s.name for s in graph.states]
    for neuron in graph.neurons:
        extra = nodes[int(rng.integers(len(nodes)))]
        neuron.inputs = [*neuron.inputs, (extra, float(rng.normal(0.0, noise)))]
        neuron.bias += float(rng.normal(0.0, noise / 3))
    return graph
