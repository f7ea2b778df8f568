import math

from bonsaic.ir.graph import Neuron
from bonsaic.passes.clip import Clip
from tests.passes import graphs
from tests.passes.oracle import oracle_for


def test_clip_removes_all_noise_below_the_vital_weights():
    oracle = oracle_for(graphs.noisy_delay())
    result = Clip().run(graphs.noisy_delay(), oracle.context())
    assert result.neuron("r") == Neuron("r", "H", [("x", 3.0)], 0.0)
    assert result.neuron("o") == Neuron("o", "H", [("s", 3.0)], 0.0)
    assert result.neuron("d").inputs == []  # clipped, though still present (dce removes it)
    assert result.state("s").init == -1.0  # inits are only clipped when asked


def test_clip_zeroes_initial_states_when_asked():
    oracle = oracle_for(graphs.noisy_delay())
    result = Clip(inits=True).run(graphs.noisy_delay(), oracle.context())
    assert result.state("s").init == 0.0  # o = H(0) = 0 at step 0 still decodes as false


def test_clip_threshold_is_capped_by_max():
    oracle = oracle_for(graphs.noisy_delay())
    result = Clip(max=0.02).run(graphs.noisy_delay(), oracle.context())
    assert result.neuron("r").inputs == [("x", 3.0)]  # 0.01 is under the cap
    assert result.neuron("o").inputs == [("s", 3.0), ("x", -0.03)]  # 0.03 is over it
    assert result.neuron("d").inputs == [("x", 0.5)]


def test_clip_keeps_a_necessary_small_weight():
    # 0.5 (r <- x) is vital, so the threshold must stop at 0.1; 0.6 survives although useless.
    oracle = oracle_for(graphs.hidden_helper())
    result = Clip().run(graphs.hidden_helper(), oracle.context())
    assert result.neuron("r").inputs == [("x", 0.5)]
    assert result.neuron("d").inputs == []
    assert result.neuron("o").inputs == [("s", 1.0), ("d", 0.6)]


def test_clip_bisects_instead_of_scanning():
    oracle = oracle_for(graphs.noisy_delay())
    ctx = oracle.context()
    Clip().run(graphs.noisy_delay(), ctx)
    # 4 distinct weight magnitudes and 1 bias: at most ceil(log2(n + 1)) calls each.
    assert ctx.verifier_calls <= math.ceil(math.log2(5)) + 1
    assert ctx.verifier_calls == oracle.calls


def test_clip_changes_nothing_when_nothing_can_go():
    # with init +1, y[0] must be true: zeroing the init would make it 0, decoded false
    oracle = oracle_for(graphs.clean_delay(init=1.0))
    assert Clip().run(graphs.clean_delay(init=1.0), oracle.context()) == graphs.clean_delay(init=1.0)
