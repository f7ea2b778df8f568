"""Hand-made bonsai graphs for the back-end tests, with saturating weights on the hard Ameo.

``ameo`` is -1 at x <= -3 and at x = 1, and +1 at x = -1 and x >= 3, so with ±1 signals:
``ameo(4a)`` copies ``a``, ``ameo(-4a)`` negates it, ``ameo(4a + 4b - 4)`` is AND, ``ameo(4a + 4b
+ 4)`` is OR and ``ameo(a + b + 1)`` is XNOR (sums 3, -1 give +1; sum 1 gives -1). Each graph is
the seed post's hand-derived solution of its task, and each comes with its task's ``.bns`` spec.
"""

from __future__ import annotations

from collections.abc import Callable

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State

DELAY1_SPEC = """\
task delay1
input x
output y
state prev: bool = false
step {
  y = prev
  prev = x
}
"""

LOOP3_SPEC = """\
task loop3
output y
state n: 0..2 = 0
step {
  y = n == 2
  n = (n + 1) % 3
}
"""

REPLACE111_SPEC = """\
task replace111
input x
output y
state left: 0..2 = 0
step {
  if x {
    y = true
    left = 2
  } else {
    y = left > 0
    left = left > 0 ? left - 1 : 0
  }
}
"""


def _graph(spec_name: str, spec: str, **parts: object) -> Graph:
    return Graph(acts={"A": Activation.ameo()}, spec_source=spec, spec_name=spec_name, **parts)


def delay1() -> Graph:
    """y[n] = x[n-1]: one state, read through an identity neuron (the post's pruned graph)."""
    return _graph(
        "delay1.bns", DELAY1_SPEC,
        inputs=["x"],
        states=[State("c0.s0", -1.0, "c0.r0")],
        neurons=[Neuron("c0.r0", "A", [("x", 4.0)]), Neuron("c0.o0", "A", [("c0.s0", 4.0)])],
        outputs=[Output("y", "c0.o0")],
    )


def loop3() -> Graph:
    """-1, -1, 1, ...: S0' = XNOR(S0, S1), S1' = NOT S0, out = S1, from S0 = true, S1 = false."""
    return _graph(
        "loop3.bns", LOOP3_SPEC,
        states=[State("c0.s0", 1.0, "c0.r0"), State("c0.s1", -1.0, "c0.r1")],
        neurons=[
            Neuron("c0.r0", "A", [("c0.s0", 1.0), ("c0.s1", 1.0)], 1.0),
            Neuron("c0.r1", "A", [("c0.s0", -4.0)]),
        ],
        outputs=[Output("y", "c0.s1")],
    )


def replace111() -> Graph:
    """Replace 1 with 111: out = not S0 or S1 or x; S0' = not x; S1' = not (S0 or x)."""
    return _graph(
        "replace111.bns", REPLACE111_SPEC,
        inputs=["x"],
        states=[State("c0.s0", 1.0, "c0.r0"), State("c0.s1", -1.0, "c0.r1")],
        neurons=[
            Neuron("c0.r0", "A", [("x", -4.0)]),
            Neuron("c0.r1", "A", [("c0.s0", -4.0), ("x", -4.0)], -4.0),
            Neuron("dense.0", "A", [("c0.s0", -4.0), ("c0.s1", 4.0), ("x", 4.0)], 8.0),
        ],
        outputs=[Output("y", "dense.0")],
    )


ALL = {"delay1": delay1, "loop3": loop3, "replace111": replace111}


class Reference:
    """A hand-written program for one of the tasks (the verifier's ``ProgramLike`` protocol), so
    the analysis tests do not depend on the spec language."""

    def __init__(self, n_inputs: int, initial: tuple,
                 step: Callable[[tuple, tuple[bool, ...]], tuple[tuple, tuple[bool, ...]]]) -> None:
        self.n_inputs, self._initial, self._step = n_inputs, initial, step

    def initial_state(self) -> tuple:
        return self._initial

    def allowed_inputs(self, state: tuple) -> list[tuple[bool, ...]]:
        return [()] if self.n_inputs == 0 else [(False,), (True,)]

    def step(self, state: tuple, inputs: tuple[bool, ...]) -> tuple[tuple, tuple[bool, ...]]:
        return self._step(state, inputs)


REFERENCES = {
    "delay1": Reference(1, (False,), lambda s, i: ((i[0],), (s[0],))),
    "loop3": Reference(0, (0,), lambda s, i: (((s[0] + 1) % 3,), (s[0] == 2,))),
    "replace111": Reference(
        1, (0,), lambda s, i: ((2,), (True,)) if i[0] else ((max(s[0] - 1, 0),), (s[0] > 0,))),
}


def loop3_counter() -> Graph:
    """loop3 with one three-valued state cycling -1 -> 0 -> 1 (ameo(-3s - 1) maps -1, 0, 1 to 0, 1,
    -1); the output is its sign, so it is true only at 1."""
    return _graph(
        "loop3.bns", LOOP3_SPEC,
        states=[State("c0.s0", -1.0, "c0.r0")],
        neurons=[Neuron("c0.r0", "A", [("c0.s0", -3.0)], -1.0)],
        outputs=[Output("y", "c0.s0")],
    )


PARENS_SPEC = """\
task parens
input close
output balanced
state depth: 0..8 = 0
constraint close ? depth > 0 : depth < 8
step {
  depth = close ? depth - 1 : depth + 1
  balanced = depth == 0
}
"""


def parens() -> Graph:
    """Balanced parentheses the way the post's network does it: a linear counter d = depth / 4
    (d' = d - x/4, x = +1 closes) and a threshold: ``ameo(-4d' - 1)`` is positive only at d' = 0
    (-1 gives 1; -2 gives 0; -3 and below give -1), i.e. ``ameo(-4d + x - 1)``."""
    return Graph(
        acts={"A": Activation.ameo(), "L": Activation.linear()},
        inputs=["close"],
        states=[State("c0.s0", 0.0, "c0.r0")],
        neurons=[Neuron("c0.r0", "L", [("c0.s0", 1.0), ("close", -0.25)]),
                 Neuron("dense.0", "A", [("c0.s0", -4.0), ("close", 1.0)], -1.0)],
        outputs=[Output("balanced", "dense.0")],
        spec_source=PARENS_SPEC, spec_name="parens.bns",
    )


def runaway_counter() -> Graph:
    """A state that counts up forever (linear activation): no exploration of it ever closes.
    Its output is constant false."""
    return Graph(
        acts={"A": Activation.ameo(), "L": Activation.linear()},
        states=[State("c0.s0", 0.0, "c0.r0")],
        neurons=[Neuron("c0.r0", "L", [("c0.s0", 1.0)], 1.0), Neuron("c0.o0", "A", [], -4.0)],
        outputs=[Output("y", "c0.o0")],
    )


ALWAYS_FALSE = Reference(0, (), lambda s, i: ((), (False,)))
