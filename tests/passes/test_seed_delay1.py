"""The issue's required result: the seed post's y[n] = x[n-1] network, imported from rnn-viz and
optimised with the default pipeline, is no larger than the post's pruned graph (one state feeding
the output through at most two neurons), is proved equivalent, and decompiles to one bit of state."""

from pathlib import Path

import pytest

from bonsaic.importers import load_rnnviz
from bonsaic.passes.pipeline import optimize, parse_pipeline
from bonsaic.passes.registry import DEFAULT_PIPELINE
from bonsaic.spec import Program, load_spec
from bonsaic.verify import verify

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "importers" / "fixtures"


@pytest.fixture(scope="module")
def optimised():
    spec = load_spec(ROOT / "examples" / "delay1.bns")
    result = optimize(load_rnnviz(FIXTURES / "seed_delay1_dump.json", spec), parse_pipeline(DEFAULT_PIPELINE))
    assert result.failure is None and result.graph is not None
    return result.graph


def test_one_state_feeds_the_output_through_at_most_two_neurons(optimised):
    # the post's pruned graph: IN0 -> recurrent neuron -> S0 -> output neuron -> dense -> OUT0
    assert len(optimised.states) == 1 and len(optimised.neurons) <= 3
    state = optimised.states[0].name
    nxt = optimised.states[0].next  # nothing, the input itself, or a neuron of the input
    assert nxt is None or nxt in optimised.inputs or {optimised.kind_of(src) for src, _w in
                                                      optimised.neuron(nxt).inputs} <= {"input"}
    # walk back from the output: every neuron on the way reads one node, ending at the state
    node, hops = optimised.outputs[0].source, 0
    while node != state:
        (node, _w), = optimised.neuron(node).inputs
        hops += 1
    assert hops <= 2
    assert verify(optimised).mode == "proved"


def test_bool_back_end_gives_one_boolean_state(optimised):
    from bonsaic.backends import emit

    namespace: dict = {}
    exec(emit("bool", optimised), namespace)  # noqa: S102 - our own emitted code
    assert isinstance(namespace["INITIAL_STATE"][0], bool)
    program = Program(load_spec(ROOT / "examples" / "delay1.bns"))
    for bits in ([1, -1, 1, 1, -1], [-1, -1, 1, -1, 1], [1, 1, 1, 1, 1]):
        state, expected = program.initial_state(), []
        for bit in bits:
            state, out = program.step(state, (bit > 0,))
            expected.append([1 if out[0] else -1])
        assert namespace["run"]([[b] for b in bits]) == expected
