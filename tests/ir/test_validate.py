"""validate() on graphs built in code: errors without a position, stable topological sorting."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir import Activation, Graph, IRError, Neuron, Output, State, validate
from tests.ir.strategies import graphs

LIN = {"L": Activation.linear()}


def _neuron(name: str, *sources: str) -> Neuron:
    return Neuron(name, "L", [(s, 1.0) for s in sources])


def _is_topological(graph: Graph) -> bool:
    seen = set(graph.inputs) | {s.name for s in graph.states}
    for n in graph.neurons:
        if any(src not in seen for src, _w in n.inputs):
            return False
        seen.add(n.name)
    return True


@settings(max_examples=60, deadline=None)
@given(graphs(max_neurons=10), st.randoms(use_true_random=False))
def test_any_shuffle_is_sorted_back_into_a_valid_order(graph: Graph, rng: random.Random) -> None:
    shuffled = graph.copy()
    rng.shuffle(shuffled.neurons)
    result = validate(shuffled)
    assert _is_topological(result)
    assert sorted(n.name for n in result.neurons) == sorted(n.name for n in graph.neurons)
    assert validate(graph).neurons == graph.neurons  # already sorted: order kept


def test_cycle_names_only_its_members() -> None:
    """`c` reads the cycle a <-> b but is not part of it; it is written first to tempt the search."""
    g = Graph(LIN, ["x"], [], [_neuron("c", "b"), _neuron("a", "x", "b"), _neuron("b", "a")],
              [Output("y", "c")])
    with pytest.raises(IRError) as caught:
        validate(g)
    assert caught.value.message == "cycle not through a state: a -> b -> a"
    assert caught.value.line == 0  # built in code: no position


def test_cycle_through_a_state_is_fine() -> None:
    g = Graph(LIN, ["x"], [State("s", 0.0, "b")], [_neuron("a", "x", "s"), _neuron("b", "a")],
              [Output("y", "b")])
    assert [n.name for n in validate(g).neurons] == ["a", "b"]


@pytest.mark.parametrize(("graph", "message"), [
    (Graph(LIN, ["x", "x"], [], [], []), "duplicate name 'x'"),
    (Graph(LIN, ["x"], [], [_neuron("n", "x")], [Output("y", "n"), Output("y", "n")]), "duplicate output 'y'"),
    (Graph(LIN, ["x"], [State("s", 0.0, "gone")], [], []), "unknown node 'gone'"),
    (Graph({}, ["x"], [], [_neuron("n", "x")], []), "unknown activation 'L'"),
    (Graph(LIN, ["x"], [], [], [Output("y", "x2")]), "unknown node 'x2'"),
])
def test_errors_in_code_built_graphs(graph: Graph, message: str) -> None:
    with pytest.raises(IRError, match=message):
        validate(graph)


@pytest.mark.parametrize(("text", "where", "what"), [
    ("neuron n = L(1e999*x)", "5:20", "non-finite weight inf on 'x'"),
    ("neuron n = L(1.0*x - 1e999)", "5:8", "non-finite bias -inf"),
])
def test_non_finite_numbers_in_a_file_are_errors_at_their_position(text: str, where: str, what: str) -> None:
    from bonsaic.ir.text import parse_ir

    source = f"bonsai-ir 1\nact L = linear\ninput x\nstate s = 0.0\n{text}\noutput y = n\nend\n"
    with pytest.raises(IRError) as err:
        parse_ir(source, "m.ir")
    assert f"m.ir:{where}: error:" in err.value.render() and what in err.value.render()


@pytest.mark.parametrize("field", ["weight", "bias", "init", "leak"])
def test_non_finite_numbers_in_a_built_graph_are_rejected(field: str) -> None:
    nan = float("nan")
    act = Activation.leaky_ameo(nan if field == "leak" else 0.1)
    graph = Graph({"L": act}, ["x"], [State("s", nan if field == "init" else 0.0, "n")],
                  [Neuron("n", "L", [("x", nan if field == "weight" else 1.0)], nan if field == "bias" else 0.0)],
                  [Output("y", "n")])
    with pytest.raises(IRError, match="non-finite"):
        validate(graph)
