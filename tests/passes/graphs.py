"""Small hand-made graphs with a known optimum, one per pass under test.

``H`` is the hard ameo: for a bit a (±1), H(3a) = a (3 lies on the x - 2 piece, -3 on the -1 clamp),
so a weight of 3 passes a bit through unchanged. ``L`` is linear, where the output is just the sign
of a weighted sum and the arithmetic in the comments can be checked by hand.
"""

from __future__ import annotations

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State

ACTS = {"H": Activation.ameo(), "L": Activation.linear()}


def graph(inputs: list[str], states: list[State], neurons: list[Neuron], source: str = "o") -> Graph:
    return Graph(acts=dict(ACTS), inputs=inputs, states=states, neurons=neurons,
                 outputs=[Output("y", source)])


def noisy_delay() -> Graph:
    """y = x[n-1] with noise: weights 0.01 and 0.03, bias 0.02 and a dead neuron d (weight 0.5).

    Noise shifts a ±3 pre-activation by at most 0.06, which the clamp at |x| >= 3 absorbs, so every
    |w| <= 0.5 can go; the weights of 3 cannot.
    """
    return graph(["x"], [State("s", -1.0, "r")], [
        Neuron("r", "H", [("x", 3.0), ("s", 0.01)], 0.02),
        Neuron("d", "H", [("x", 0.5)]),
        Neuron("o", "H", [("s", 3.0), ("x", -0.03)]),
    ])


def clean_delay(init: float = -1.0) -> Graph:
    """y = x[n-1], y[0] = sign(init): nothing to remove but (for init -1) the initial state, since an
    output value of exactly 0 already decodes as false."""
    return graph(["x"], [State("s", init, "r")], [Neuron("r", "H", [("x", 3.0)]), Neuron("o", "H", [("s", 3.0)])])


def hidden_helper() -> Graph:
    """y = x[n-1] through linear neurons, where a weight (0.6) larger than a necessary one (0.5) is useless.

    s is ±0.5 after step 0 (-0.5 at step 0); d = 0.1 x adds at most 0.06 to o = s + 0.6 d, never
    flipping its sign. A global threshold that removes 0.6 also removes the vital 0.5; only
    per-edge pruning finds that d's edges can go.
    """
    return graph(["x"], [State("s", -0.5, "r")], [
        Neuron("r", "L", [("x", 0.5)]),
        Neuron("d", "L", [("x", 0.1)]),
        Neuron("o", "L", [("s", 1.0), ("d", 0.6)]),
    ])


def two_input_gate() -> Graph:
    """y = x, computed as sign(1.3 x + 0.6 z + 0.6) (the four sums are 2.5, 1.3, -0.1, -1.3)."""
    return graph(["x", "z"], [], [Neuron("o", "L", [("x", 1.3), ("z", 0.6)], 0.6)])


def constant_loop() -> Graph:
    """y = x[n-1] plus a loop holding 1 (state c fed through identity k) that o reads with weight 1.5
    and cancels with bias -1.5."""
    return graph(["x"], [State("s", -1.0, "r"), State("c", 1.0, "k")], [
        Neuron("r", "H", [("x", 3.0)]),
        Neuron("k", "L", [("c", 1.0)]),
        Neuron("o", "H", [("s", 3.0), ("c", 1.5)], -1.5),
    ])


def duplicated_delay() -> Graph:
    """y = x[n-1] computed twice: r1/s1 and r2/s2 are copies holding ±0.5; o = s1 + s2.

    Linear, so no node's trace equals an input's or another state's except the copies'.
    """
    return graph(["x"], [State("s1", -0.5, "r1"), State("s2", -0.5, "r2")], [
        Neuron("r1", "L", [("x", 0.5)]),
        Neuron("r2", "L", [("x", 0.5)]),
        Neuron("o", "L", [("s1", 1.0), ("s2", 1.0)]),
    ])


def negated_copy() -> Graph:
    """y = x through a negation: n = -x/2, p = x/2 = -n, o = p + n/4 = 3x/8."""
    return graph(["x"], [], [
        Neuron("n", "L", [("x", -0.5)]),
        Neuron("p", "L", [("x", 0.5)]),
        Neuron("o", "L", [("p", 1.0), ("n", 0.25)]),
    ])


def overshooting_init() -> Graph:
    """y = x[n-1] where s holds ±0.5 from step 1 on but starts at -1: three values for one bit."""
    return graph(["x"], [State("s", -1.0, "r")], [Neuron("r", "L", [("x", 0.5)]), Neuron("o", "L", [("s", 1.0)])])
