import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.graph import State
from bonsaic.passes.reinit import Reinit
from tests.passes import graphs
from tests.passes.oracle import TraceExploration, oracle_for


def test_init_moves_to_the_nearest_later_value_of_the_same_sign():
    oracle = oracle_for(graphs.overshooting_init())
    result = Reinit().run(graphs.overshooting_init(), oracle.context())
    # later values are -0.5 and 0.5; -0.5 keeps y[0] false, 0.5 would not
    assert result.states == [State("s", -0.5, "r")]


def test_a_value_that_breaks_the_spec_is_not_taken():
    g = graphs.overshooting_init()
    g.state("s").init = 1.0  # y[0] is now true, so only +0.5 is a valid replacement
    oracle = oracle_for(g)
    assert Reinit().run(g, oracle.context()).states == [State("s", 0.5, "r")]


def test_an_init_already_taken_later_is_kept():
    oracle = oracle_for(graphs.clean_delay())
    ctx = oracle.context()
    assert Reinit().run(graphs.clean_delay(), ctx) == graphs.clean_delay()
    assert ctx.verifier_calls == 1  # one exploration, no candidate


def test_nothing_changes_without_a_closed_exploration():
    oracle = oracle_for(graphs.overshooting_init())
    ctx = oracle.context()
    ctx.explorer = lambda g: TraceExploration(False, oracle.explore(g).node_values)
    assert Reinit().run(graphs.overshooting_init(), ctx) == graphs.overshooting_init()


@settings(max_examples=30, deadline=None)
@given(st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 1e-3), st.floats(0.1, 2.0))
def test_any_init_becomes_the_later_value_of_its_sign(init, weight):
    g = graphs.overshooting_init()
    g.state("s").init = init
    g.neuron("r").inputs = [("x", weight)]
    oracle = oracle_for(g)
    result = Reinit().run(g, oracle.context())
    # s takes ±weight from step 1 on; y[0] = sign(init) is all the spec (the graph itself) asks
    assert result.state("s").init == math.copysign(weight, init)
    assert oracle.equivalent(result)
