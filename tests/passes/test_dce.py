from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.passes.base import PassContext
from bonsaic.passes.dce import DeadCodeElimination, live_nodes
from tests.passes import graphs


def test_dead_neuron_and_its_input_edge_go_but_the_input_stays():
    g = graphs.clean_delay()
    g.inputs.append("unused")
    g.neurons.insert(1, Neuron("d", "H", [("x", 0.5), ("unused", 1.0)]))
    result = DeadCodeElimination().run(g, PassContext())
    assert result.inputs == ["x", "unused"]
    assert [n.name for n in result.neurons] == ["r", "o"]
    assert result.edge_count() == 2


def test_liveness_follows_state_next_links_through_cycles():
    # o reads s1; s1 <- r1 reads s2; s2 <- r2 reads s1: a live two-state loop. s3 <- r3 reads x only
    # and nobody reads s3: dead, as is r3.
    g = Graph(acts={"H": Activation.ameo(), "T": Activation.tanh()}, inputs=["x"],
              states=[State("s1", 1.0, "r1"), State("s2", 1.0, "r2"), State("s3", 1.0, "r3")],
              neurons=[Neuron("r1", "H", [("s2", 3.0)]), Neuron("r2", "H", [("s1", 3.0)]),
                       Neuron("r3", "T", [("x", 3.0)]), Neuron("o", "H", [("s1", 3.0)])],
              outputs=[Output("y", "o")])
    assert live_nodes(g) == {"o", "s1", "r1", "s2", "r2"}
    result = DeadCodeElimination().run(g, PassContext())
    assert [s.name for s in result.states] == ["s1", "s2"]
    assert list(result.acts) == ["H"]  # tanh was only used by the dead r3


def test_dce_does_not_touch_its_input_graph():
    g = graphs.noisy_delay()
    DeadCodeElimination().run(g, PassContext())
    assert g == graphs.noisy_delay()
