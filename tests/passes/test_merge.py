import numpy as np

from bonsaic.ir.graph import Neuron, State
from bonsaic.passes.merge import Merge, find_replacements
from tests.passes import graphs
from tests.passes.oracle import oracle_for


def test_duplicate_chains_collapse_into_one():
    oracle = oracle_for(graphs.duplicated_delay())
    result = Merge().run(graphs.duplicated_delay(), oracle.context())
    # s2 == s1 and r2 == r1 on every step: o reads s1 twice, the weights add up to 2.
    assert result.neuron("o") == Neuron("o", "L", [("s1", 2.0)])
    assert result.states == [State("s1", -0.5, "r1")]
    assert [n.name for n in result.neurons] == ["r1", "o"]


def test_a_negation_is_replaced_by_its_source_with_negated_weight():
    oracle = oracle_for(graphs.negated_copy())
    result = Merge().run(graphs.negated_copy(), oracle.context())
    # p = -n on every step, so o = 1.0 p + 0.25 n becomes o = (-1.0 + 0.25) n and p is dead.
    assert result.neuron("o") == Neuron("o", "L", [("n", -0.75)])
    assert [n.name for n in result.neurons] == ["n", "o"]


def test_representatives_come_first_and_zero_traces_are_not_negations():
    g = graphs.duplicated_delay()
    traces = {"x": np.array([1.0, -1.0]), "s1": np.array([0.0, 0.0]), "s2": np.array([-0.0, 0.0]),
              "r1": np.array([-1.0, 1.0]), "r2": np.array([1.0, -1.0]), "o": np.array([0.5, 0.5])}
    assert find_replacements(g, traces) == {"s2": ("s1", 1.0), "r1": ("x", -1.0), "r2": ("x", 1.0)}


def test_dead_nodes_are_not_representatives():
    g = graphs.negated_copy()
    g.neuron("o").inputs = [("p", 1.0)]  # nobody reads n now: o must not be rewritten to read it
    oracle = oracle_for(g)
    result = Merge().run(g, oracle.context())
    # o equals p, and o is the output's source: the output reads p directly, o and n are dead
    assert [n.name for n in result.neurons] == ["p"] and result.outputs[0].source == "p"


def test_a_copy_of_an_input_is_bypassed_entirely():
    # With the hard ameo, r = H(3x) equals x and o = H(3s) equals s on every step: the delay line
    # needs no neuron at all (s' = x, y = s).
    oracle = oracle_for(graphs.clean_delay())
    result = Merge().run(graphs.clean_delay(), oracle.context())
    assert result.neurons == [] and result.states == [State("s", -1.0, "x")]
    assert result.outputs[0].source == "s"
    assert oracle.equivalent(result)
