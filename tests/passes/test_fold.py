from bonsaic.ir.graph import Neuron
from bonsaic.passes.fold import Fold, fold_constants
from tests.passes import graphs
from tests.passes.oracle import TraceExploration, oracle_for


def test_a_loop_holding_a_constant_is_folded_into_the_bias():
    oracle = oracle_for(graphs.constant_loop())
    result = Fold().run(graphs.constant_loop(), oracle.context())
    # c is 1 on every step: o's bias becomes -1.5 + 1.5 * 1 = 0; c and k are then dead.
    assert result.neuron("o") == Neuron("o", "H", [("s", 3.0)], 0.0)
    assert [s.name for s in result.states] == ["s"]
    assert [n.name for n in result.neurons] == ["r", "o"]


def test_fold_constants_adds_weight_times_value():
    g = graphs.two_input_gate()
    folded = fold_constants(g, {"z": -1.0})
    assert folded.neuron("o") == Neuron("o", "L", [("x", 1.3)], 0.6 - 0.6)


def test_nothing_is_folded_when_exploration_does_not_close():
    oracle = oracle_for(graphs.constant_loop())
    ctx = oracle.context()
    ctx.explorer = lambda g: TraceExploration(False, oracle.explore(g).node_values)
    assert Fold().run(graphs.constant_loop(), ctx) == graphs.constant_loop()
    assert ctx.notes == ["exploration did not close; nothing folded"]


def test_a_fold_that_fails_verification_is_discarded():
    # Lie about the reachable set: claim x is always +1. Folding x makes r constant, which the
    # verifier (the real behaviour) rejects, so the pass must return its input unchanged.
    oracle = oracle_for(graphs.clean_delay())
    ctx = oracle.context()
    ctx.explorer = lambda g: TraceExploration(True, {"x": oracle.inputs[:1, 0, 0] * 0 + 1.0})
    assert Fold().run(graphs.clean_delay(), ctx) == graphs.clean_delay()
