"""Models for the report's tests: small graphs with their specs embedded, written as IR files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.ir.text import save_ir
from bonsaic.spec import load_spec
from tests.backends import graphs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write(graph: Graph, path: Path) -> Path:
    save_ir(graph, path)
    return path


def with_spec(graph: Graph, task: str) -> Graph:
    spec = load_spec(EXAMPLES / f"{task}.bns")
    graph.spec_source, graph.spec_name = spec.source, spec.name
    return graph


def replace111() -> Graph:
    """The post's hand-derived replace-1-with-111 network (proved)."""
    return graphs.replace111()


def mixed_activations(tanh: bool = True) -> Graph:
    """replace111's interface computed through every activation kind with uneven weights, so the
    page's simulator meets non-trivial values on every piece of every function (not proved).
    ``tanh=False`` puts a second soft Ameo where the library ``tanh`` was: then every node is exact."""
    acts = {"I": Activation.interpolated_ameo(0.5, 0.1),
            "T": Activation.tanh() if tanh else Activation.interpolated_ameo(0.3, 0.05),
            "L": Activation.leaky_ameo(0.07), "H": Activation.ameo(), "N": Activation.linear(),
            "S": Activation.sign_ameo()}
    neurons = [
        Neuron("c0.r0", "I", [("x", 1.37), ("c0.s0", -0.61)], 0.113),
        Neuron("c0.r1", "T", [("c0.s1", 0.93), ("x", -0.27), ("c0.s0", 0.4)], -0.05),
        Neuron("c0.n2", "L", [("c0.r0", 2.7), ("c0.r1", -1.9)], 0.3),
        Neuron("c0.n3", "N", [("c0.n2", 0.5), ("x", 0.125)]),
        Neuron("c0.n4", "S", [("c0.r0", 1.3), ("x", 0.6)], -0.2),
        Neuron("dense.0", "H", [("c0.n3", 3.1), ("c0.r1", 1.3), ("c0.s1", -0.7), ("c0.n4", 0.8)], 0.2),
    ]
    graph = Graph(acts=acts, inputs=["x"], states=[State("c0.s0", 0.25, "c0.r0"), State("c0.s1", -0.5, "c0.r1")],
                  neurons=neurons, outputs=[Output("y", "dense.0")])
    return with_spec(graph, "replace111")


def wrong_delay1() -> Graph:
    """delay1 whose state starts true: wrong at step 0 (the exhaustive search's counterexample)."""
    graph = graphs.delay1()
    graph.states[0].init = 1.0
    return graph


def gate_switcher_sized(seed: int = 0, states: int = 11, neurons: int = 20, edges_per_neuron: int = 4) -> Graph:
    """A network the size of the trained gate_switcher (11 states, 20 neurons, ~72 edges) on its
    spec's interface, with random weights: the page's speed does not depend on what it computes."""
    rng = np.random.default_rng(seed)
    inputs = ["change_mode", "a", "b"]
    state_names = [f"c0.s{i}" for i in range(states)]
    neuron_names = [f"c0.n{i}" for i in range(neurons)]
    built: list[Neuron] = []
    for i, name in enumerate(neuron_names):
        sources = inputs + state_names + neuron_names[:i]
        chosen = rng.choice(len(sources), size=min(edges_per_neuron, len(sources)), replace=False)
        built.append(Neuron(name, "A", [(sources[k], float(np.round(rng.normal(0, 1.5), 3))) for k in sorted(chosen)],
                            float(np.round(rng.normal(0, 0.5), 3))))
    graph = Graph(acts={"A": Activation.interpolated_ameo(1.0, 0.1)}, inputs=inputs,
                  states=[State(s, float(np.round(rng.uniform(-1, 1), 3)), neuron_names[k]) for k, s in enumerate(state_names)],
                  neurons=built, outputs=[Output("y", neuron_names[-1])])
    return with_spec(graph, "gate_switcher")


ALL_ONES_SPEC = """\
task all_ones
input x
output y
state f: bool = true
step {
    f = f and x
    y = f
}
"""


def drifting_all_ones(wrong_at: int = 300) -> Graph:
    """A `1*` recogniser that is right until ``wrong_at`` consecutive trues (a late drift that the
    verifier's battery catches: its counterexample is hundreds of steps long)."""
    from tests.verify.drifting import all_ones_drifting

    graph = all_ones_drifting(wrong_at)
    graph.spec_source, graph.spec_name = ALL_ONES_SPEC, "all_ones.bns"
    return graph
