from fractions import Fraction
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron
from bonsaic.ir.lower import CellWeights, DenseWeights, lower_network
from bonsaic.passes import quantize
from bonsaic.passes.base import PassContext
from bonsaic.passes.params import assign, parameters
from bonsaic.passes.quantize import Quantize, ladder, round_to
from tests.passes import graphs
from tests.passes.oracle import oracle_for


def test_ladder_is_coarsest_first_powers_of_two_and_ten():
    assert ladder(100) == [1, 2, 4, 8, 10, 16, 32, 64, 100]


@given(st.floats(-100, 100), st.sampled_from(ladder(1024)))
def test_round_to_gives_the_nearest_multiple(value, denominator):
    rounded = round_to(value, denominator)
    assert abs(rounded - value) <= 0.5 / denominator + 1e-12
    # the printed decimal itself is a multiple of the step (no 0.30000000000000004)
    assert (Fraction(repr(rounded)) * denominator).denominator == 1


def test_global_step_then_coarser_per_parameter():
    # Step 1 fails (1x + 1z + 1 is positive at x=-1, z=1); step 1/2 gives 1.5x + 0.5z + 0.5.
    # Per parameter (bias first, then the weights in slot order) at step 1: bias 1 still works
    # (-1.5 + 0.5 + 1 = 0, decoded -1), then x -> 1 fails (-1 + 0.5 + 1 > 0) and z -> 1 fails.
    oracle = oracle_for(graphs.two_input_gate())
    result = Quantize().run(graphs.two_input_gate(), oracle.context())
    assert result.neuron("o") == Neuron("o", "L", [("x", 1.5), ("z", 0.5)], 1.0)


def test_without_per_parameter_only_the_global_step_applies():
    oracle = oracle_for(graphs.two_input_gate())
    result = Quantize(per_parameter=False).run(graphs.two_input_gate(), oracle.context())
    assert result.neuron("o") == Neuron("o", "L", [("x", 1.5), ("z", 0.5)], 0.5)


def test_rounding_to_zero_removes_the_edge():
    oracle = oracle_for(graphs.noisy_delay())
    result = Quantize().run(graphs.noisy_delay(), oracle.context())
    assert result.neuron("r") == Neuron("r", "H", [("x", 3.0)], 0.0)
    assert result.neuron("d") == Neuron("d", "H", [])  # 0.5 rounds half to even: 0, edge gone
    assert result.neuron("o") == Neuron("o", "H", [("s", 3.0)])


def _noisy_network(seed: int) -> Graph:
    """A small random network with integer weights plus noise: quantizing has work to do."""
    rng = np.random.default_rng(seed)
    states, outs = int(rng.integers(1, 3)), int(rng.integers(1, 3))

    def noisy(*shape: int) -> np.ndarray:
        return rng.integers(-3, 4, size=shape) + rng.normal(0.0, 0.08, size=shape)

    cell = CellWeights(noisy(1 + states, outs), noisy(outs), noisy(1 + states, states), noisy(states),
                       rng.choice([-1.0, 1.0], size=states), Activation.ameo(), Activation.ameo())
    return lower_network([cell], DenseWeights(noisy(1, outs), noisy(1), Activation.ameo()), ["x"], ["y"])


def _sequential(graph: Graph, ctx: PassContext) -> Graph:
    """The per-parameter search before batching: one full verification per tried step."""
    table = {ref: v for ref, v in parameters(graph).items() if v != 0.0}
    steps = ladder(1024)
    chosen: dict = {}
    index = len(steps)
    for index, denominator in enumerate(steps):  # noqa: B007 - the index is used after the loop
        rounded = {ref: round_to(v, denominator) for ref, v in table.items()}
        if ctx.equivalent(assign(graph, rounded)):
            chosen = rounded
            break
    else:
        index = len(steps)
    for ref, exact in sorted(table.items()):
        for denominator in steps[:index]:
            value = round_to(exact, denominator)
            if value == chosen.get(ref, exact):
                break
            if ctx.equivalent(assign(graph, {**chosen, ref: value})):
                chosen[ref] = value
                break
    return assign(graph, chosen)


class _Permissive(PassContext):
    """A screen that lets every candidate through: only the batched full verifications decide."""

    def screen(self, graph: Graph) -> bool:
        self.verifier_calls += 1
        return True


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 3, 16]))
def test_batched_search_equals_the_sequential_one_when_the_screen_is_exact(seed: int, batch: int) -> None:
    graph = _noisy_network(seed)
    oracle = oracle_for(graph)
    with patch.object(quantize, "BATCH", batch):
        batched = Quantize().run(graph, oracle.context())
    assert batched == _sequential(graph, oracle_for(graph).context())


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([2, 5, 16]))
def test_changes_the_screen_wrongly_lets_through_are_bisected_out(seed: int, batch: int) -> None:
    graph = _noisy_network(seed)
    oracle = oracle_for(graph)
    with patch.object(quantize, "BATCH", batch):
        result = Quantize().run(graph, _Permissive(verifier=oracle.verify, explorer=oracle.explore))
    assert oracle.equivalent(result)  # every kept change passed a full verification together with the rest


def test_a_batch_that_verifies_costs_one_full_verification() -> None:
    graph = _noisy_network(7)
    oracle = oracle_for(graph)
    fulls = []

    class Counting(PassContext):
        def equivalent(self, candidate: Graph) -> bool:
            fulls.append(candidate)
            return super().equivalent(candidate)

    result = Quantize().run(graph, Counting(verifier=oracle.verify, explorer=oracle.explore))
    changed = sum(1 for ref, v in parameters(result).items() if parameters(graph).get(ref) != v)
    assert changed > 1
    assert len(fulls) <= len(ladder(1024)) + 1  # the global steps plus one batch, not one per parameter
