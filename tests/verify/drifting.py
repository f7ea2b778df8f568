"""Hand-made networks that are right for a long time and then wrong: the failures the verifier must
catch. Each uses an exactly counting linear state (integers stay exact in float64), so the step at
which it goes wrong is known in closed form.
"""

from __future__ import annotations

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from tests.verify.handmade import FakeProgram

ACTS = {"H": Activation.ameo(), "L": Activation.linear()}

# "every input so far was true" (the regular language 1*)
ALL_ONES = FakeProgram((True,), lambda s, x: ((s[0] and x[0],), s[0] and x[0]))
# y[n] = x[n-1]
DELAY1 = FakeProgram((False,), lambda s, x: ((x[0],), s[0]))


def _overflowing(source: str) -> tuple[list[Neuron], list[tuple[str, float]]]:
    """Nodes whose value is exactly 0.0 on every step but whose *interval* overflows to inf (and
    then NaN): ``z1 = c - c`` is 0, but its interval is [lo - hi, hi - lo]."""
    return ([Neuron("z1", "L", [(source, 1.0), (source, -1.0)]), Neuron("z2", "L", [("z1", 1e200)]),
             Neuron("z3", "L", [("z2", 1e200)])], [("z3", 1.0)])


def all_ones_drifting(wrong_at: int, overflow: bool = False) -> Graph:
    """1*: a latch ``f`` (true until the first false input) and a counter ``c`` of true inputs. The
    output ``f + x - 2 + (M - 0.5 - c) / M`` is right until ``wrong_at`` = M consecutive trues
    have been counted: the shortest counterexample is M + 1 trues."""
    m = float(wrong_at)
    neurons = [Neuron("fn", "H", [("x", 3.0), ("f", 3.0)], -3.0),
               Neuron("cn", "L", [("c", 1.0), ("x", 0.5)], 0.5)]
    extra: list[tuple[str, float]] = []
    if overflow:
        more, extra = _overflowing("c")
        neurons += more
    neurons.append(Neuron("o", "L", [("f", 1.0), ("x", 1.0), ("c", -1.0 / m), *extra], -2.0 + (m - 0.5) / m))
    return Graph(acts=dict(ACTS), inputs=["x"], states=[State("f", 1.0, "fn"), State("c", 0.0, "cn")],
                 neurons=neurons, outputs=[Output("y", "o")])


def delay1_drifting_on_edges(wrong_at: int, overflow: bool = False) -> Graph:
    """delay1 plus a counter of rising edges (a true input after a false one) that pulls the
    output down: wrong once ``wrong_at`` rising edges were seen and the last input is true. A
    constant input never fails; ``+1 -1`` repeated fails after about 2 * ``wrong_at`` steps; i.i.d.
    input after about 4 * ``wrong_at``."""
    m = float(wrong_at)
    neurons = [Neuron("sn", "H", [("x", 3.0)]),
               Neuron("rise", "H", [("x", 3.0), ("s", -3.0)], -3.0),
               Neuron("cn", "L", [("c", 1.0), ("rise", 0.5)], 0.5)]
    extra: list[tuple[str, float]] = []
    if overflow:
        more, extra = _overflowing("c")
        neurons += more
    neurons.append(Neuron("o", "L", [("s", 1.0), ("c", -1.0 / m), *extra], (m - 0.5) / m - 1.0))
    return Graph(acts=dict(ACTS), inputs=["x"], states=[State("s", -1.0, "sn"), State("c", 0.0, "cn")],
                 neurons=neurons, outputs=[Output("y", "o")])


def all_ones_leaky(rate: float = 0.9995, overflow: bool = True) -> Graph:
    """1* with a leaky accumulator: ``q`` decays from 1 towards -1 (``q' = rate * q - (1 - rate)``,
    whatever the input) and the output for "all true so far" is ``q > -0.9``, so the network is
    wrong from step ln(0.05) / ln(rate) on (5990 for 0.9995) of all-true input. Its states stay in
    a box, so an interval invariant exists for the states; only the output check can refuse it.
    With ``overflow`` the output also reads a node that is exactly 0.0 but whose interval is
    ``ameo([-inf, inf])`` = NaN -- which passed the old invariant check's comparisons."""
    neurons = [Neuron("fn", "H", [("x", 3.0), ("f", 3.0)], -3.0),
               Neuron("qn", "L", [("q", rate)], rate - 1.0)]
    extra: list[tuple[str, float]] = []
    if overflow:
        neurons += [Neuron("z1", "L", [("q", 1.0), ("q", -1.0)]), Neuron("z2", "L", [("z1", 1e200)]),
                    Neuron("z3", "H", [("z2", 1e200)])]
        extra = [("z3", 1.0)]
    neurons.append(Neuron("o", "L", [("q", 1.0), ("f", 1.0), ("x", 1.0), *extra], -1.1))
    return Graph(acts=dict(ACTS), inputs=["x"], states=[State("f", 1.0, "fn"), State("q", 1.0, "qn")],
                 neurons=neurons, outputs=[Output("y", "o")])
