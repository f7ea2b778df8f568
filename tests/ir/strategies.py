"""Hypothesis strategies for random *valid* graphs, shared by the IR, verifier and pass tests.

``from tests.ir.strategies import graphs``; ``graphs()`` gives small, simulable networks (finite
moderate weights, plain names); ``graphs(wild=True)`` stresses the text format instead: names that
look like keywords or numbers' words, extreme finite floats (subnormals, -0.0, the largest doubles; infinities are invalid IR), any
spec text.
Neurons are generated in topological order; states may point at any node or at nothing.
"""

from __future__ import annotations

from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State

_PLAIN_NAME = r"[a-z][a-z0-9]{0,3}(\.[a-z0-9]{1,2})?"
_WILD_NAME = r"[A-Za-z_][A-Za-z0-9_.]{0,5}"
_KEYWORDS = ["input", "state", "neuron", "output", "act", "spec", "end", "inf", "nan", "linear"]

# characters the format carries verbatim in the spec block (no control characters but tab/CR/LF/VT/FF)
_SPEC_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\r\n\x0b\x0c")


def activations() -> st.SearchStrategy[Activation]:
    """Any activation with parameters in the ranges training produces."""
    unit = st.floats(0.0, 1.0)
    return st.one_of(
        st.builds(Activation.interpolated_ameo, unit, unit),
        st.builds(Activation.leaky_ameo, unit),
        st.just(Activation.ameo()),
        st.just(Activation.tanh()),
        st.just(Activation.linear()),
        st.just(Activation.sign_ameo()),
    )


def _names(wild: bool, count: int) -> st.SearchStrategy[list[str]]:
    pattern = st.from_regex(_WILD_NAME if wild else _PLAIN_NAME, fullmatch=True)
    if wild:
        pattern = st.one_of(pattern, st.sampled_from(_KEYWORDS))
    return st.lists(pattern, min_size=count, max_size=count, unique=True)


@st.composite
def graphs(
    draw: st.DrawFn,
    *,
    max_inputs: int = 3,
    max_states: int = 3,
    max_neurons: int = 8,
    max_outputs: int = 2,
    max_fan_in: int = 4,
    wild: bool = False,
    with_spec: bool = False,
) -> Graph:
    """A random valid graph: at least one input, neuron and output.

    ``with_spec`` embeds (sometimes) a random text and name as the spec: for format tests only,
    it is not a spec the graph implements.
    """
    weight = (st.floats(allow_nan=False, allow_infinity=False, width=64) if wild
              else st.floats(-4.0, 4.0, allow_nan=False).map(lambda w: round(w, 3)))
    n_in = draw(st.integers(1, max_inputs))
    n_state = draw(st.integers(0, max_states))
    n_neuron = draw(st.integers(1, max_neurons))
    names = draw(_names(wild, n_in + n_state + n_neuron))
    inputs, state_names, neuron_names = names[:n_in], names[n_in:n_in + n_state], names[n_in + n_state:]
    act_names = draw(st.lists(st.from_regex(_WILD_NAME if wild else r"[A-Z][a-z0-9]{0,2}", fullmatch=True),
                              min_size=1, max_size=3, unique=True))
    acts = {name: draw(activations()) for name in act_names}

    neurons = []
    for i, name in enumerate(neuron_names):
        visible = [*inputs, *state_names, *neuron_names[:i]]
        sources = draw(st.lists(st.sampled_from(visible), max_size=max_fan_in, unique=True))
        bias = draw(st.one_of(st.just(0.0), weight))
        neurons.append(Neuron(name, draw(st.sampled_from(act_names)),
                              [(src, draw(weight)) for src in sources], bias))
    every_node = [*inputs, *state_names, *neuron_names]
    states = [State(name, draw(weight), draw(st.one_of(st.none(), st.sampled_from(every_node))))
              for name in state_names]
    out_names = draw(_names(wild, draw(st.integers(1, max_outputs))))
    outputs = [Output(name, draw(st.sampled_from(neuron_names if not wild else every_node)))
               for name in out_names]

    spec_source = spec_name = None
    if with_spec and draw(st.booleans()):
        spec_source = draw(st.one_of(st.none(), st.text(_SPEC_CHARS, max_size=60)))
        spec_name = draw(st.one_of(st.none(), st.text(max_size=10)))
    return Graph(acts, inputs, states, neurons, outputs, spec_source, spec_name)
