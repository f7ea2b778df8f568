import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Neuron, State
from bonsaic.ir.simulate import simulate
from bonsaic.passes.cse import CommonSubexpressions, exact_twins, pulse_twins, state_twins
from bonsaic.passes.dce import eliminate_dead_nodes
from bonsaic.passes.merge import redirect_reads
from tests.ir.strategies import graphs
from tests.passes.graphs import graph
from tests.passes.oracle import input_batch, oracle_for


def test_twin_neurons_and_then_their_states_merge():
    # r2 is r1 written in another order, so s2 is s1 (same start); then o2 is o1
    g = graph(["x", "z"], [State("s1", 0.5, "r1"), State("s2", 0.5, "r2")], [
        Neuron("r1", "H", [("x", 1.0), ("z", 0.5)]),
        Neuron("r2", "H", [("z", 0.5), ("x", 1.0)]),
        Neuron("o1", "L", [("s1", 2.0)]),
        Neuron("o2", "L", [("s2", 2.0)]),
        Neuron("o", "L", [("o1", 1.0), ("o2", -0.5)]),
    ])
    assert exact_twins(g) == {"r2": ("r1", 1.0), "s2": ("s1", 1.0), "o2": ("o1", 1.0)}
    result = CommonSubexpressions().run(g, oracle_for(g).context())
    assert [s.name for s in result.states] == ["s1"] and result.neuron("o") == Neuron("o", "L", [("o1", 0.5)])


def test_a_negation_merges_only_for_an_odd_activation():
    g = graph(["x"], [], [Neuron("n", "H", [("x", 0.7)], 0.1), Neuron("m", "H", [("x", -0.7)], -0.1),
                          Neuron("o", "L", [("n", 1.0), ("m", 0.25)])])
    result = CommonSubexpressions().run(g, oracle_for(g).context())
    assert result.neurons == [Neuron("n", "H", [("x", 0.7)], 0.1), Neuron("o", "L", [("n", 0.75)])]
    g.acts["H"] = Activation.interpolated_ameo(0.5, 0.1)  # odd only up to rounding
    assert exact_twins(g) == {}


def test_states_that_differ_only_at_step_0_merge_where_a_start_verifies():
    # s1 and s2 both hold the previous x; o reads s1 + s2 - 1.0 z, whose sign on step 0 is that of
    # -4 - z < 0, and merging at -1 (the kept state's start) gives -2 - z: the same outputs
    g = graph(["x", "z"], [State("s1", -1.0, "r"), State("s2", -3.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("o", "L", [("s1", 1.0), ("s2", 1.0), ("z", -1.0)])])
    assert state_twins(g) == [("s1", "s2", 1.0)]
    ctx = oracle_for(g).context()
    result = CommonSubexpressions().run(g, ctx)
    assert result.states == [State("s1", -1.0, "r")] and result.neuron("o") == Neuron("o", "L", [("s1", 2.0), ("z", -1.0)])
    assert "starting at -1" in ctx.notes[-1]


def test_a_start_halfway_between_is_tried():
    # o = s1 + s2 + z + 1.5: on step 0 it is -0.5 + z (sign of z); merged, 2 m + 1.5 + z, which is
    # positive for m = 1 and negative for m = -3 whatever z is; m = -1 keeps it exactly
    g = graph(["x", "z"], [State("s1", 1.0, "r"), State("s2", -3.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("o", "L", [("s1", 1.0), ("s2", 1.0), ("z", 1.0)], 1.5)])
    oracle = oracle_for(g)
    result = CommonSubexpressions().run(g, oracle.context())
    assert result.states == [State("s1", -1.0, "r")] and oracle.calls == 3


def test_states_whose_merge_changes_step_0_stay():
    # o = s1 - s2 - 0.5: on step 0 it is 1.5 > 0, later -0.5; a merged state makes it -0.5 at once
    g = graph(["x"], [State("s1", -1.0, "r"), State("s2", -3.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("o", "L", [("s1", 1.0), ("s2", -1.0)], -0.5)])
    oracle = oracle_for(g)
    result = CommonSubexpressions().run(g, oracle.context())
    assert [s.name for s in result.states] == ["s1", "s2"] and oracle.calls == 3  # three starts tried


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(max_inputs=2, max_states=3, max_neurons=6, max_fan_in=3), st.integers(0, 2**16))
def test_exact_twins_change_values_by_rounding_only(g, seed):
    result = eliminate_dead_nodes(redirect_reads(g, exact_twins(g)))
    inputs = input_batch(len(g.inputs), exhaustive_length=2, random_count=6, random_length=9, seed=seed)
    before, after = simulate(g, inputs).values, simulate(result, inputs).values
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9)


def test_pulses_are_multiples_of_one_another():
    # p and q have no next: 2 and -1 on step 0, 0 after; q = -0.5 p, so o reads p with 1 - 0.5 * 4
    g = graph(["x"], [State("s", -1.0, "r"), State("p", 2.0), State("q", -1.0)], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("o", "L", [("s", 3.0), ("p", 1.0), ("q", 4.0)])])
    assert pulse_twins(g) == {"q": ("p", -0.5)}
    result = CommonSubexpressions().run(g, oracle_for(g).context())
    assert [s.name for s in result.states] == ["s", "p"] and result.neuron("o") == Neuron("o", "L", [("s", 3.0), ("p", -1.0)])
