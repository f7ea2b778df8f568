import numpy as np

from bonsaic.ir.graph import Neuron, State
from bonsaic.passes.freeze import Freeze, proposals
from tests.passes.graphs import graph
from tests.passes.oracle import oracle_for


def _delay_with_loop(start: float) -> object:
    """y = x[n-1] (s <- r = H(3x)) plus a loop c <- k = 0.5 c that decays from ``start``, read by
    o with weight 0.5: after step 0 it adds at most 0.5 * start / 2 to s = ±1."""
    return graph(["x"], [State("s", -1.0, "r"), State("c", start, "k")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("k", "L", [("c", 0.5)]),
        Neuron("o", "L", [("s", 1.0), ("c", 0.5)])])


def test_only_a_settled_node_is_proposed_at_its_settled_value_rounded():
    decaying = 3.0 * 0.5 ** np.arange(500.0)  # within 1e-3 of 0 after step 12
    assert proposals(np.stack([decaying, decaying])) == [0.0]
    assert proposals(np.full((2, 50), 0.25)) == [0.25]
    flipping = np.where(np.arange(500) % 97 == 0, 1.0, -1.0)  # a bit that rarely changes
    assert proposals(np.stack([flipping, -np.ones(500)])) == []
    late = np.concatenate([np.zeros(450), np.full(50, 0.01)])  # moves after the burn-in
    assert proposals(late[None]) == []


def test_a_decaying_loop_that_never_matters_is_frozen_away():
    g = _delay_with_loop(1.0)  # step 0: -1 + 0.5 = -0.5, as without the loop
    ctx = oracle_for(g).context()
    result = Freeze().run(g, ctx)
    assert result.states == [State("s", -1.0, "r")]
    assert result.neurons == [Neuron("r", "H", [("x", 3.0)]), Neuron("o", "L", [("s", 1.0)])]
    assert ctx.notes == ["froze c=0"]


def test_a_loop_needed_on_step_0_becomes_a_pulse():
    g = _delay_with_loop(3.0)  # step 0: -1 + 1.5 > 0, which a frozen c = 0 would flip
    oracle = oracle_for(g)
    result = Freeze().run(g, oracle.context())
    assert result.states == [State("s", -1.0, "r"), State("c", 3.0, None)]
    assert [n.name for n in result.neurons] == ["r", "o"] and oracle.equivalent(result)


def test_outputs_stay_and_failed_proposals_leave_the_graph_alone():
    only_output = graph(["x"], [], [Neuron("o", "H", [("x", 3.0)])])
    oracle = oracle_for(only_output)
    assert Freeze().run(only_output, oracle.context()) == only_output and oracle.calls == 1  # the traces only
    g = graph(["x"], [State("s", -1.0, "r")], [Neuron("r", "H", [("x", 3.0)]), Neuron("o", "H", [("s", 3.0)])])
    ctx = oracle_for(g).context()
    assert Freeze().run(g, ctx) == g and ctx.notes == []  # s = ±1 carries the answer: no constant does
