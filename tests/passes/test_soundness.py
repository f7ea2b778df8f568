"""Hypothesis: on random graphs, every pass keeps the decoded outputs on the reachable set and never
grows the graph.

Random graphs have no spec, so each is its own spec: :class:`SequenceOracle` compares a candidate's
decoded outputs with the original graph's on a fixed batch of input sequences, which plays the
reachable set (every step of the batch) for the verifier and for the explorer alike.
"""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bonsaic.ir.graph import Graph, Neuron
from bonsaic.ir.simulate import simulate
from bonsaic.passes.base import size_counts
from bonsaic.passes.dce import DeadCodeElimination, live_nodes
from bonsaic.passes.merge import Merge
from bonsaic.passes.pipeline import optimize, parse_pipeline
from bonsaic.passes.registry import DEFAULT_PIPELINE, PASSES
from tests.ir.strategies import graphs
from tests.passes.oracle import input_batch, oracle_for

SMALL = {"max_inputs": 2, "max_states": 2, "max_neurons": 5, "max_fan_in": 3, "with_spec": False}
BATCH = {"exhaustive_length": 3, "random_count": 8, "random_length": 8}
# booleanize (the bool back end's analysis) needs a real Exploration and never rewrites the graph
REWRITES = sorted(set(PASSES) - {"booleanize"})
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _size(graph: Graph) -> int:
    return sum(size_counts(graph).values())


@FAST
@given(graphs(**SMALL), st.sampled_from(REWRITES))
def test_every_pass_keeps_outputs_on_the_reachable_set(graph, name):
    oracle = oracle_for(graph, **BATCH)
    before = graph.copy()
    result = PASSES[name]().run(graph, oracle.context())
    assert graph == before, "a pass must not mutate its input"
    assert oracle.equivalent(result)
    assert _size(result) <= _size(graph)


@FAST
@given(graphs(**SMALL))
def test_default_pipeline_ends_on_a_verified_graph_no_larger_than_the_input(graph):
    oracle = oracle_for(graph, **BATCH)
    result = optimize(graph, parse_pipeline(DEFAULT_PIPELINE), oracle.context())
    assert result.failure is None and result.graph is not None
    assert oracle.equivalent(result.graph)
    assert _size(result.graph) <= _size(graph)


@FAST
@given(graphs(**SMALL), st.integers(0, 2**16))
def test_dce_is_exact_on_every_sequence(graph, seed):
    # dce needs no oracle, so it must preserve the raw output values on any input at all
    inputs = input_batch(len(graph.inputs), exhaustive_length=2, random_count=6, random_length=9, seed=seed)
    result = DeadCodeElimination().run(graph, oracle_for(graph, **BATCH).context())
    np.testing.assert_array_equal(simulate(result, inputs).values, simulate(graph, inputs).values)


@st.composite
def graphs_with_a_copy(draw: st.DrawFn) -> Graph:
    """A random graph where one neuron got a twin ``twin_copy`` and some of its readers read the twin."""
    graph = draw(graphs(**SMALL))
    index = draw(st.integers(0, len(graph.neurons) - 1))
    original = graph.neurons[index]
    graph.neurons.insert(index + 1, Neuron("twin_copy", original.act, list(original.inputs), original.bias))
    for neuron in graph.neurons[index + 2:]:
        neuron.inputs = [("twin_copy" if src == original.name and draw(st.booleans()) else src, w)
                         for src, w in neuron.inputs]
    return graph


@FAST
@given(graphs_with_a_copy())
def test_merge_removes_a_twin_neuron(graph):
    oracle = oracle_for(graph, **BATCH)
    result = Merge().run(graph, oracle.context())
    assert oracle.equivalent(result)
    names = [n.name for n in graph.neurons]
    original = names[names.index("twin_copy") - 1]
    assert not {original, "twin_copy"} <= live_nodes(result), "identical live neurons must be merged"


DELAY = "task delay1\ninput x\noutput y\nstate previous: bool = false\nstep {\n    y = previous\n    previous = x\n}\n"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(st.lists(st.floats(-0.2, 0.2), min_size=6, max_size=6))
def test_real_verifier_noisy_delay_lines_stay_proved_and_shrink(noise):
    # The hard ameo is not monotone, so noise can break the delay line; only graphs the real
    # verifier proves are optimised, and every result must be proved and no larger.
    from bonsaic.verify import verify
    from tests.passes.graphs import clean_delay

    graph = clean_delay()
    r, o = graph.neuron("r"), graph.neuron("o")
    r.inputs, r.bias = [("x", 3.0 + noise[0]), ("s", noise[1])], noise[2]
    o.inputs, o.bias = [("s", 3.0 + noise[3]), ("x", noise[4])], noise[5]
    graph.spec_source = DELAY
    assume(verify(graph).mode == "proved")
    result = optimize(graph, parse_pipeline(DEFAULT_PIPELINE))
    assert result.failure is None and result.graph is not None
    assert result.stats[-1].verify_mode == "proved"
    assert _size(result.graph) <= _size(graph)
