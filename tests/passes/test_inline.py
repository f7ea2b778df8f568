import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonsaic.ir.graph import Neuron, State
from bonsaic.ir.simulate import simulate
from bonsaic.passes.base import PassContext
from bonsaic.passes.inline import Inline, affine_form, inline_affine, input_supports
from tests.ir.strategies import graphs
from tests.passes.graphs import graph
from tests.passes.oracle import input_batch, oracle_for


def test_a_single_input_neuron_is_read_through():
    # H(-1.125 x) is 0.875 x for x = ±1 (1.125 lies on the x - 2 piece), so o reads x with 2 * 0.875
    g = graph(["x", "z"], [], [Neuron("n", "H", [("x", -1.125)]), Neuron("o", "L", [("n", 2.0), ("z", 1.0)])])
    result = Inline().run(g, oracle_for(g).context())
    assert result.neurons == [Neuron("o", "L", [("x", 1.75), ("z", 1.0)])]


def test_a_bias_becomes_the_readers_bias():
    # H(0.5 x + 0.5): H(1) = -1 and H(0) = 0, so it is -0.5 - 0.5 x
    g = graph(["x", "z"], [], [Neuron("n", "H", [("x", 0.5)], 0.5), Neuron("o", "L", [("n", 1.0), ("z", 1.0)])])
    assert affine_form(g, "n", frozenset({"x"})) == (-0.5, {"x": -0.5})
    result, inlined = inline_affine(g)
    assert inlined == ["n"] and result.neurons == [Neuron("o", "L", [("x", -0.5), ("z", 1.0)], -0.5)]


def test_chains_collapse_and_a_state_stops_the_analysis():
    g = graph(["x"], [State("s", -1.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]),            # x itself: s is fed by x directly
        Neuron("m", "H", [("r", -1.125)]),          # 0.875 x, through r
        Neuron("k", "L", [("m", 2.0), ("s", 1.0)]),  # reads a state: not a function of the inputs
        Neuron("o", "L", [("k", 1.0), ("m", 1.0)]),
    ], source="o")
    assert input_supports(g) == {"r": {"x"}, "m": {"x"}, "k": None, "o": None}
    result = Inline().run(g, oracle_for(g).context())
    assert result.neuron("k") == Neuron("k", "L", [("x", 1.75), ("s", 1.0)])
    assert result.neuron("o") == Neuron("o", "L", [("k", 1.0), ("x", 0.875)])
    assert result.states == [State("s", -1.0, "x")] and [n.name for n in result.neurons] == ["k", "o"]


def test_a_table_that_is_not_affine_stays():
    # H(x + z + 1) is 1, -1, -1, 1 on the four inputs: x * z, which no affine function is
    g = graph(["x", "z"], [], [Neuron("n", "H", [("x", 1.0), ("z", 1.0)], 1.0), Neuron("o", "L", [("n", 1.0)])])
    assert affine_form(g, "n", frozenset({"x", "z"})) is None
    assert inline_affine(g)[1] == []


def test_no_inlining_that_adds_edges():
    # n is the output (it stays), and each of its two readers would trade one edge for two
    g = graph(["x", "z", "w"], [State("s", 0.0, "p"), State("t", 0.0, "q")], [
        Neuron("n", "L", [("x", 1.0), ("z", 1.0)]),
        Neuron("p", "L", [("n", 1.0), ("w", 1.0)]),
        Neuron("q", "L", [("n", 1.0)]),
    ], source="n")
    assert inline_affine(g)[1] == []


def test_a_failed_verification_keeps_the_input():
    g = graph(["x", "z"], [], [Neuron("n", "H", [("x", -1.125)]), Neuron("o", "L", [("n", 2.0), ("z", 1.0)])])
    oracle = oracle_for(g)
    ctx = PassContext(verifier=lambda candidate: oracle.verify(_broken(candidate)))  # rejects every candidate
    assert Inline().run(g, ctx) is g
    assert "failed verification" in ctx.notes[0]


def _broken(candidate):
    broken = candidate.copy()
    broken.neurons[-1].bias -= 100.0
    return broken


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(max_inputs=3, max_states=2, max_neurons=6, max_fan_in=3), st.integers(0, 2**16))
def test_inlining_changes_values_by_rounding_only(g, seed):
    result, _ = inline_affine(g)
    inputs = input_batch(len(g.inputs), exhaustive_length=2, random_count=6, random_length=9, seed=seed)
    before, after = simulate(g, inputs).values, simulate(result, inputs).values
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9)


def test_a_state_fed_by_an_affine_neuron_is_fed_by_the_input():
    # r = H(-3x) = -x, so s = -x[n-1] after step 0: s becomes s' <- x starting at 0.5 / -1, read with -2
    g = graph(["x"], [State("s", 0.5, "r")], [Neuron("r", "H", [("x", -3.0)]), Neuron("o", "L", [("s", 2.0)])])
    result, inlined = inline_affine(g)
    assert inlined == ["r"] and result.states == [State("s", -0.5, "x")]
    assert result.neurons == [Neuron("o", "L", [("s", -2.0)])]
    inputs = input_batch(1)
    np.testing.assert_array_equal(simulate(result, inputs).values, simulate(g, inputs).values)


def test_a_state_fed_by_a_constant_becomes_a_pulse():
    # k = H(0.5) = -0.5 always: s is 1.0 on step 0 and -0.5 after, i.e. -0.5 + a pulse of 1.5
    g = graph(["x"], [State("s", 1.0, "k")], [Neuron("k", "H", [], 0.5), Neuron("o", "L", [("s", 2.0), ("x", 1.0)])])
    result, _ = inline_affine(g)
    assert result.states == [State("s", 1.5, None)]
    assert result.neurons == [Neuron("o", "L", [("s", 2.0), ("x", 1.0)], -1.0)]
    inputs = input_batch(1)
    np.testing.assert_array_equal(simulate(result, inputs).values, simulate(g, inputs).values)
