"""The verifier on hand-made graphs: correct ones prove, subtly wrong ones yield the shortest
counterexample (checked against brute force), unclosable ones fall back to bounded mode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Neuron
from bonsaic.verify import Verifier, verify
from bonsaic.verify.battery import BatterySettings
from tests.verify.handmade import GRAPHS, PROGRAMS, FakeProgram, counting_delay1, delay1, delay2, replace111
from tests.verify.reference import as_sequence, first_failure, shortest_failing_length

NO_BATTERY = BatterySettings(max_sequences=0)

# Product states: (spec state, graph state) pairs. In each correct graph the graph state mirrors
# the spec state one to one, so the count is the number of reachable spec states.
REACHABLE_SPEC_STATES = {"delay1": 2, "delay2": 4, "loop3": 3, "replace111": 4}


@pytest.mark.parametrize("task", sorted(GRAPHS))
def test_correct_graphs_are_proved(task: str) -> None:
    result = verify(GRAPHS[task](), PROGRAMS[task])
    assert result.ok and result.mode == "proved"
    assert result.product_states == REACHABLE_SPEC_STATES[task]
    assert result.margin == 1.0  # every output is exactly +1 or -1
    assert result.counterexample is None


def test_wrong_initial_state_fails_on_the_first_step() -> None:
    result = verify(delay1(init=1.0), PROGRAMS["delay1"])
    assert not result.ok and result.mode == "failed"
    cex = result.counterexample
    assert cex is not None and cex.shortest and len(cex) == 1
    assert cex.expected.tolist() == [[-1.0]] and cex.actual.tolist() == [[1.0]]


def test_flipped_middle_link_fails_only_on_the_second_step() -> None:
    # With the link negated, s1 becomes +1 after step 0 whatever the input, so the first wrong
    # output is step 1 -- and it is wrong for every input sequence of length 2.
    result = verify(delay2(link=-3.0), PROGRAMS["delay2"])
    cex = result.counterexample
    assert cex is not None and len(cex) == 2
    assert cex.expected[-1, 0] == -1.0 and cex.actual[-1, 0] == 1.0
    first_input = bool(cex.inputs[0, 0] > 0)
    assert cex.spec_states == [(False, False), (first_input, False)]  # (x[n-1], x[n-2]) before each step


def test_unclosed_exploration_is_bounded_to_the_depth_reached() -> None:
    # The counter makes every level new: level d >= 1 holds 2 product states (x[n-1] = 0 or 1),
    # so after expanding D levels there are 1 + 2D; exploration stops once that exceeds 50: D = 25.
    result = verify(counting_delay1(-1000.0, 0.0), PROGRAMS["delay1"], budget=50,
                    random_sequences=20, random_length=30)
    assert result.ok and result.mode == "bounded"
    assert result.depth == 25 and result.product_states == 51
    assert (result.random_sequences, result.random_length) == (20, 30)
    assert result.summary().startswith("bounded, not proved: exhaustive to depth 25, ")
    assert "20 random sequences of length 30" in result.summary()


def test_a_thin_unclosed_exploration_stops_at_the_depth_limit() -> None:
    result = verify(counting_delay1(-1000.0, 0.0), PROGRAMS["delay1"], max_depth=7, random_sequences=3)
    assert result.mode == "bounded" and result.depth == 7
    assert result.product_states == 1 + 2 * 7  # the states found by the 7 expanded levels


def test_deep_bug_is_found_exhaustively_at_its_exact_depth() -> None:
    # c = -40 + n, so h first leaves -1 at n = 38; the output is then wrong iff x[37] was 0.
    result = verify(counting_delay1(-40.0, 6.0), PROGRAMS["delay1"], budget=10_000)
    cex = result.counterexample
    assert cex is not None and cex.shortest and len(cex) == 39
    assert cex.inputs[37, 0] == -1.0
    assert first_failure(counting_delay1(-40.0, 6.0), PROGRAMS["delay1"], as_sequence(cex.inputs)) == 38


def test_deep_bug_beyond_the_budget_is_found_by_random_sequences() -> None:
    graph = counting_delay1(-40.0, 6.0)
    result = verify(graph, PROGRAMS["delay1"], budget=20, random_sequences=50, random_length=60)
    cex = result.counterexample
    assert not result.ok and cex is not None and not cex.shortest
    assert len(cex) >= 39 and len(cex.spec_states) == len(cex)
    assert cex.spec_states[-1] == (False,)  # the output sticks at +1 while x[n-1] was false
    assert first_failure(graph, PROGRAMS["delay1"], as_sequence(cex.inputs)) == len(cex) - 1


WEIGHTS = st.sampled_from([-3.0, -1.0, 0.0, 1.0, 3.0])
BITS = st.sampled_from([-1.0, 0.0, 1.0])


@st.composite
def mutated_graphs(draw: st.DrawFn) -> tuple[str, object]:
    """A hand-made graph with one weight, bias or initial value replaced (often breaking it)."""
    task = draw(st.sampled_from(sorted(GRAPHS)))
    graph = GRAPHS[task]()
    target = draw(st.sampled_from(["init", "weight", "bias"]))
    if target == "init":
        draw(st.sampled_from(graph.states)).init = draw(BITS)
    elif target == "weight":
        neuron = draw(st.sampled_from(graph.neurons))
        k = draw(st.integers(0, len(neuron.inputs) - 1))
        neuron.inputs[k] = (neuron.inputs[k][0], draw(WEIGHTS))
    else:
        draw(st.sampled_from(graph.neurons)).bias = draw(st.sampled_from([-6.0, -3.0, 0.0, 3.0, 6.0]))
    return task, graph


@settings(max_examples=60, deadline=None)
@given(mutated_graphs())
def test_counterexample_is_as_short_as_brute_force_finds(case: tuple[str, object]) -> None:
    task, graph = case
    result = verify(graph, PROGRAMS[task])
    brute = shortest_failing_length(graph, PROGRAMS[task], max_length=6)
    assert result.mode in ("proved", "failed")  # values stay in {-1, 0, 1}: always closes
    if result.ok:
        assert brute is None
    else:
        cex = result.counterexample
        assert cex is not None
        assert len(cex) == brute or (brute is None and len(cex) > 6)
        assert first_failure(graph, PROGRAMS[task], as_sequence(cex.inputs)) == len(cex) - 1


def test_exploration_tables_are_consistent() -> None:
    graph = replace111()
    ex = Verifier(PROGRAMS["replace111"], 1, 1).explore(graph)
    assert ex.closed and ex.mismatch_step is None
    assert len(ex.step_product) == 2 * ex.product_states  # every product state, both inputs
    assert list(ex.node_values) == graph.node_names()
    np.testing.assert_array_equal(ex.node_values["o"], ex.step_outputs[:, 0])
    np.testing.assert_array_equal(ex.node_values["x"], ex.step_inputs[:, 0])
    # the next graph state is the states' `next` nodes' values on that step
    nxt = ex.graph_states[ex.step_next_graph_state]
    np.testing.assert_array_equal(nxt[:, 0], ex.node_values["r1"])
    np.testing.assert_array_equal(nxt[:, 1], ex.node_values["r2"])
    np.testing.assert_array_equal(ex.graph_states[ex.step_graph_state][:, 0], ex.node_values["s1"])
    assert ex.graph_states[0].tolist() == [-1.0, -1.0]
    assert ex.product_depth.tolist() == sorted(ex.product_depth.tolist())


def test_a_verifier_is_reusable_across_graphs() -> None:
    verifier = Verifier(PROGRAMS["delay2"], 1, 1)
    assert verifier.verify(delay2()).ok
    assert not verifier.verify(delay2(link=-3.0)).ok
    assert verifier.verify(delay2()).mode == "proved"


def test_graph_without_embedded_spec_needs_a_program() -> None:
    with pytest.raises(BonsaicError, match="no embedded spec"):
        verify(delay1())


def test_random_phase_on_opencl_agrees_with_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from bonsaic.ir import opencl
    from bonsaic.verify import verifier

    if not opencl.opencl_available() or opencl.opencl_precision() != "float64":
        pytest.skip("no double-precision OpenCL device")
    graph = counting_delay1(-30.0, 6.0)  # fails at step 28 only: beyond the budget below
    on_numpy = verify(graph, PROGRAMS["delay1"], budget=10, random_sequences=40, random_length=40)
    monkeypatch.setattr(verifier, "OPENCL_MIN_SECONDS", 0)
    calls = []
    real = opencl.simulate_opencl
    monkeypatch.setattr(opencl, "simulate_opencl", lambda *args: calls.append(args) or real(*args))
    on_opencl = verify(graph, PROGRAMS["delay1"], budget=10, random_sequences=40, random_length=40)
    assert len(calls) == 1
    assert on_numpy.counterexample is not None and on_opencl.counterexample is not None
    np.testing.assert_array_equal(on_numpy.counterexample.inputs, on_opencl.counterexample.inputs)
    np.testing.assert_array_equal(on_numpy.counterexample.values, on_opencl.counterexample.values)
    assert on_numpy.margin == on_opencl.margin


def test_one_long_sequence_runs_on_opencl(monkeypatch: pytest.MonkeyPatch) -> None:
    """A witness of thousands of steps is a batch of one, cheap in work but slow on numpy (a few
    numpy calls per step): it goes to the kernel, with the same verdict."""
    from bonsaic.ir import opencl
    from bonsaic.verify import Verifier

    if not opencl.opencl_available() or opencl.opencl_precision() != "float64":
        pytest.skip("no double-precision OpenCL device")
    graph = counting_delay1(-30.0, 6.0)
    program = PROGRAMS["delay1"]
    inputs, targets = program.generate(1, 20_000, 3)
    calls = []
    real = opencl.simulate_opencl
    monkeypatch.setattr(opencl, "simulate_opencl", lambda *args: calls.append(args) or real(*args))
    on_opencl = Verifier(program, 1, 1).check_sequences(graph, inputs, targets)
    assert len(calls) == 1
    monkeypatch.setattr(opencl, "opencl_available", lambda: False)
    on_numpy = Verifier(program, 1, 1).check_sequences(graph, inputs, targets)
    assert on_numpy[0] == on_opencl[0] and on_numpy[1] is not None and on_opencl[1] is not None
    np.testing.assert_array_equal(on_numpy[1].values, on_opencl[1].values)


def test_samples_are_generated_once_per_verifier() -> None:
    """A pass verifies hundreds of candidates on the same samples: they are drawn once."""
    from bonsaic.verify import Verifier

    program = PROGRAMS["delay1"]
    calls = []
    real = program.generate

    class Counting:
        def __getattr__(self, name: str):  # noqa: ANN204 - a transparent proxy
            return getattr(program, name)

        def generate(self, *args: int):  # noqa: ANN202
            calls.append(args)
            return real(*args)

    verifier = Verifier(Counting(), 1, 1)
    graph = counting_delay1(-30.0, 6.0)
    first = verifier.verify(graph, budget=10, random_sequences=40, random_length=40, long_sequences=2,
                            long_length=500, battery=NO_BATTERY)
    again = verifier.verify(graph, budget=10, random_sequences=40, random_length=40, long_sequences=2,
                            long_length=500, battery=NO_BATTERY)
    assert len(calls) == 1 and first.ok == again.ok
    np.testing.assert_array_equal(first.counterexample.inputs, again.counterexample.inputs)
    verifier.verify(graph, budget=10, seed=1, random_sequences=40, random_length=40, battery=NO_BATTERY)
    assert len(calls) == 2  # another seed, another sample


def test_a_stateless_graph_has_one_graph_state() -> None:
    # y = x needs no memory: one product state, closed after one level.
    graph = delay1()
    graph.states = []
    graph.neurons = [Neuron("o", "H", [("x", 3.0)])]
    passthrough = FakeProgram((), lambda s, x: ((), x[0]))
    result = verify(graph, passthrough)
    assert result.ok and result.mode == "proved" and result.product_states == 1
    ex = Verifier(passthrough, 1, 1).explore(graph)
    assert ex.graph_states.shape == (1, 0) and ex.step_next_product.tolist() == [0, 0]


def test_slow_drift_is_caught_by_the_long_sample() -> None:
    # The counter reaches the gate at step 298: far beyond the 100-step sample, within the long one.
    graph = counting_delay1(-300.0, 6.0)
    short_only = verify(graph, PROGRAMS["delay1"], budget=20, long_sequences=0, battery=NO_BATTERY)
    assert short_only.ok and short_only.mode == "bounded"
    result = verify(graph, PROGRAMS["delay1"], budget=20, long_sequences=8, long_length=400, battery=NO_BATTERY)
    cex = result.counterexample
    assert not result.ok and cex is not None and not cex.shortest and len(cex) > 100
    assert first_failure(graph, PROGRAMS["delay1"], as_sequence(cex.inputs)) == len(cex) - 1
    assert "of length 100 all pass" in short_only.summary()  # no long sample mentioned when none ran
    assert "input words" not in short_only.summary()  # nor the battery
    passing = verify(counting_delay1(-1000.0, 0.0), PROGRAMS["delay1"], budget=20, long_sequences=3,
                     long_length=50)
    assert passing.ok and "100 and 3 random plus 3 periodic of length 50 all pass" in passing.summary()


def test_a_spec_with_a_reachable_dead_end_is_an_error_not_a_proof() -> None:
    from bonsaic.spec import Program, parse_spec

    dead_end = ("task dead_end\ninput x\noutput y\nstate n: 0..3 = 0\nconstraint n < 2\n"
                "step {\n    y = x\n    n = n + 1\n}\n")
    graph = delay1()
    graph.neurons = [Neuron("o", "H", [("x", 3.0)])]
    graph.states = []
    with pytest.raises(BonsaicError, match="admits no input (vector )?in a?( the)? ?reachable state"):
        verify(graph, Program(parse_spec(dead_end)))
