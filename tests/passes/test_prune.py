from bonsaic.ir.graph import Neuron
from bonsaic.passes.prune import Prune
from tests.passes import graphs
from tests.passes.oracle import oracle_for


def test_prune_removes_a_useless_edge_larger_than_a_vital_one():
    oracle = oracle_for(graphs.hidden_helper())
    result = Prune().run(graphs.hidden_helper(), oracle.context())
    assert result.neuron("r") == Neuron("r", "L", [("x", 0.5)])
    assert result.neuron("d").inputs == []
    assert result.neuron("o") == Neuron("o", "L", [("s", 1.0)])


def test_prune_zeroes_biases_only_when_asked():
    oracle = oracle_for(graphs.noisy_delay())
    assert Prune().run(graphs.noisy_delay(), oracle.context()).neuron("r").bias == 0.0
    assert Prune(biases=False).run(graphs.noisy_delay(), oracle.context()).neuron("r").bias == 0.02


def test_prune_tries_runs_and_bisects_rejected_ones():
    # Candidates, smallest first: 0.01, 0.02 (bias), 0.03, 0.5, 3, 3; only the 3s are vital.
    # Calls: all six (no), [0.01 0.02 0.03] (yes, one call for three), [0.5 3 3] (no), [0.5] (yes),
    # [3 3] (no), [3] (no), [3] (no): 7.
    oracle = oracle_for(graphs.noisy_delay())
    ctx = oracle.context()
    result = Prune().run(graphs.noisy_delay(), ctx)
    assert result.edge_count() == 2
    assert ctx.verifier_calls == 7


def test_prune_reports_progress_up_to_the_number_of_candidates():
    oracle = oracle_for(graphs.noisy_delay())
    ctx = oracle.context()
    seen: list[tuple[str, int, int]] = []
    ctx.progress = lambda description, done, total: seen.append((description, done, total))
    Prune().run(graphs.noisy_delay(), ctx)
    assert seen[-1] == ("prune", 6, 6)
    assert [done for _d, done, _t in seen] == sorted(done for _d, done, _t in seen)
