from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bonsaic.ir.graph import Neuron
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
