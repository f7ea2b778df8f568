from bonsaic.ir.graph import Neuron, State
from bonsaic.passes.bypass import Bypass, read_through
from tests.passes.graphs import graph
from tests.passes.oracle import oracle_for


def test_an_output_reads_through_sign_keeping_neurons():
    # d = H(-o) is o for |o| <= 1, and o = H(3s) has the sign of s: y can read s itself
    g = graph(["x"], [State("s", -1.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("o", "H", [("s", 3.0)]), Neuron("d", "H", [("o", -1.0)])], source="d")
    ctx = oracle_for(g).context()
    result = Bypass().run(g, ctx)
    assert result.outputs[0].source == "s" and [n.name for n in result.neurons] == ["r"]
    assert ctx.notes == ["output y reads o", "output y reads s"]


def test_a_neuron_that_changes_the_sign_stays():
    # o = H(1.5 s): H(1.5) = -0.5 and H(-1.5) = 0.5, the opposite sign of s
    g = graph(["x"], [State("s", -1.0, "r")], [Neuron("r", "H", [("x", 3.0)]), Neuron("o", "H", [("s", 1.5)])])
    oracle = oracle_for(g)
    assert Bypass().run(g, oracle.context()) == g and oracle.calls == 1


def test_only_one_input_neurons_are_read_through():
    g = graph(["x", "z"], [], [Neuron("o", "L", [("x", 1.0), ("z", 0.1)])])
    assert read_through(g, 0) is None
    assert read_through(graph(["x"], [], [Neuron("o", "L", [("x", 2.0)])]), 0).outputs[0].source == "x"
