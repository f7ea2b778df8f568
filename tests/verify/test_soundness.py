"""Soundness on random networks, checked the way the passes use the verifier: a rewritten graph
against the original one as the spec.

Random one-cell networks with the hard ``ameo`` and integer weights keep every value in
{-1, 0, 1}, so exploration always closes and every verdict is a claim about all sequences that a
naive reference (one node at a time, Python loops) can check.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.ir.lower import CellWeights, DenseWeights, lower_network
from bonsaic.verify import verify
from tests.verify.reference import GraphAsProgram, as_sequence, first_failure, shortest_failing_length

AMEO = Activation.ameo()


@st.composite
def small_networks(draw: st.DrawFn) -> Graph:
    states, outs = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def ints(*shape: int) -> np.ndarray:
        return rng.integers(-3, 4, size=shape).astype(np.float64)

    cell = CellWeights(ints(1 + states, outs), ints(outs), ints(1 + states, states), ints(states),
                       rng.choice([-1.0, 1.0], size=states), AMEO, AMEO)
    return lower_network([cell], DenseWeights(ints(1, outs), ints(1), AMEO), ["x"], ["y"])


@st.composite
def rewrites(draw: st.DrawFn) -> tuple[Graph, Graph]:
    """A network and a copy with one weight, bias or initial value changed (maybe harmlessly)."""
    original = draw(small_networks())
    rewritten = original.copy()
    if draw(st.booleans()):
        neuron = draw(st.sampled_from([n for n in rewritten.neurons if n.inputs] or rewritten.neurons))
        if neuron.inputs and draw(st.booleans()):
            k = draw(st.integers(0, len(neuron.inputs) - 1))
            neuron.inputs[k] = (neuron.inputs[k][0], float(draw(st.integers(-3, 3))))
        else:
            neuron.bias = float(draw(st.integers(-3, 3)))
    else:
        draw(st.sampled_from(rewritten.states)).init = float(draw(st.sampled_from([-1, 0, 1])))
    return original, rewritten


@settings(max_examples=40, deadline=None)
@given(small_networks())
def test_a_network_is_proved_equivalent_to_itself(graph: Graph) -> None:
    result = verify(graph, GraphAsProgram(graph))
    assert result.ok and result.mode == "proved"


@settings(max_examples=60, deadline=None)
@given(rewrites(), st.integers(0, 1000))
def test_verdicts_on_rewrites_agree_with_brute_force(pair: tuple[Graph, Graph], seed: int) -> None:
    original, rewritten = pair
    spec = GraphAsProgram(original)
    result = verify(rewritten, spec)
    assert result.mode in ("proved", "failed")
    brute = shortest_failing_length(rewritten, spec, max_length=5)
    if result.ok:
        assert brute is None
        inputs, _ = spec.generate(10, 20, seed)
        assert all(first_failure(rewritten, spec, as_sequence(seq)) is None for seq in inputs)
    else:
        cex = result.counterexample
        assert cex is not None
        assert len(cex) == brute or (brute is None and len(cex) > 5)
        assert first_failure(rewritten, spec, as_sequence(cex.inputs)) == len(cex) - 1


@settings(max_examples=60, deadline=None)
@given(rewrites(), st.integers(0, 1000))
def test_the_screen_only_rejects_what_the_verifier_rejects(pair: tuple[Graph, Graph], seed: int) -> None:
    """Searches discard candidates on the cheap screen's word alone, so it must never refuse a
    graph that verifies, and it should catch the usual (early) failures."""
    from bonsaic.verify import Verifier

    original, rewritten = pair
    spec = GraphAsProgram(original)
    verifier = Verifier(spec, 1, 1)
    screened = verifier.screen(rewritten, seed)
    result = verifier.verify(rewritten, seed=seed)
    if result.ok:
        assert screened
    elif len(result.counterexample) <= 5:  # a small exploration reaches every short failure
        assert not screened
