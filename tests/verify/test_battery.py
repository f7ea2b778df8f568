"""The falsification battery, and "no proof through a non-finite number".

Late-drift networks (right for thousands of steps of one constant or short periodic input, then
wrong) must be refused with the shortest counterexample among the words checked; a node whose value
is exactly 0.0 but whose interval overflows must not let the interval search prove anything.
"""

from __future__ import annotations

import numpy as np
import pytest

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.spec import Program, parse_spec
from bonsaic.verify import Verifier
from bonsaic.verify.battery import BatterySettings, focus_starts, plan_battery, run_battery
from bonsaic.verify.boxes import find_box_invariant
from bonsaic.verify.spec_table import SpecTable
from tests.verify.drifting import (
    ALL_ONES,
    DELAY1,
    all_ones_drifting,
    all_ones_leaky,
    delay1_drifting_on_edges,
)
from tests.verify.handmade import PROGRAMS, counting_delay1, delay1

NO_BATTERY = BatterySettings(max_sequences=0)


def test_plan_takes_every_primitive_word_from_every_spec_state() -> None:
    battery = plan_battery(SpecTable(PROGRAMS["delay1"], 1, 1), BatterySettings(word_length=4))
    # primitive binary words of length 1..4: 2 + 2 + 6 + 12, from both spec states
    assert len(battery) == 2 * (2 + 2 + 6 + 12) and battery.word_length == 4 and battery.starts == 2
    assert not any(len(w) % d == 0 and w == w[:d] * (len(w) // d)  # no power of a shorter word
                   for w in battery.words for d in range(1, len(w)))
    assert battery.words[0] == ((-1.0,),) and battery.words[1] == ((1.0,),)


def test_plan_shortens_words_for_a_small_budget_but_keeps_every_constant_input() -> None:
    battery = plan_battery(SpecTable(PROGRAMS["delay1"], 1, 1), BatterySettings(word_length=4, max_sequences=10))
    assert battery.word_length == 2 and len(battery) == 8
    assert {len(w) for w in battery.words} == {1, 2}


def test_sequences_follow_the_spec_and_repeat_the_word() -> None:
    program = PROGRAMS["replace111"]
    battery = plan_battery(SpecTable(program, 1, 1), BatterySettings(word_length=3, length=50))
    for b in range(len(battery)):
        inputs, wanted = battery.sequence(b, 50)
        state = program.initial_state()
        for t in range(50):
            state, out = program.step(state, tuple(bool(v > 0) for v in inputs[t]))
            assert wanted[t, 0] == (1.0 if out[0] else -1.0)
        word = np.array(battery.words[b])
        tail = inputs[battery.prefixes[b]:]
        assert np.array_equal(tail, np.tile(word, (len(tail) // len(word) + 1, 1))[: len(tail)])


CONSTRAINED = """
task pulse_after_two
input go
output y
state seen: 0..2 = 0
constraint go ? seen < 2 : true
step {
    y = seen == 2
    seen = go ? seen + 1 : 0
}
"""


def test_a_constrained_spec_gets_only_allowed_inputs() -> None:
    program = Program(parse_spec(CONSTRAINED))
    battery = plan_battery(SpecTable(program, 1, 1), BatterySettings(word_length=3, length=40))
    assert len(battery) > 0
    for b in range(len(battery)):
        steps = int(battery.ends()[b])
        inputs, _wanted = battery.sequence(b, steps)
        state = program.initial_state()
        for row in inputs:
            bits = tuple(bool(v > 0) for v in row)
            assert bits in program.allowed_inputs(state)
            state, _out = program.step(state, bits)


@pytest.mark.parametrize("wrong_at", [32, 5_000, 50_000])
def test_late_drift_under_a_constant_input_is_refused_with_the_shortest_counterexample(wrong_at: int) -> None:
    graph = all_ones_drifting(wrong_at)
    result = Verifier.for_graph(graph, ALL_ONES).verify(graph)
    assert not result.ok and result.counterexample is not None
    assert len(result.counterexample) == wrong_at + 1  # wrong_at trues are fine, one more is not
    assert np.all(result.counterexample.inputs == 1.0)


def test_late_drift_under_a_periodic_word_is_found_by_the_battery_not_by_sampling() -> None:
    graph = delay1_drifting_on_edges(20_000)
    verifier = Verifier.for_graph(graph, DELAY1)
    sampled_only = verifier.verify(graph, battery=NO_BATTERY)
    assert sampled_only.ok, "the random samples alone should miss it (that is the point)"
    result = verifier.verify(graph)
    assert not result.ok and result.counterexample is not None
    assert "battery" in result.counterexample.source
    assert 39_000 < len(result.counterexample) < 41_000  # +1 -1 repeated: a rising edge every 2 steps


@pytest.mark.parametrize("make", [all_ones_drifting, delay1_drifting_on_edges])
def test_an_overflowing_interval_proves_nothing(make) -> None:  # noqa: ANN001
    program = ALL_ONES if make is all_ones_drifting else DELAY1
    graph = make(3_000, overflow=True)
    verifier = Verifier.for_graph(graph, program)
    ex = verifier.explore(graph, 2_000)
    assert not ex.closed and ex.mismatch_step is None
    with np.errstate(all="ignore"):
        assert find_box_invariant(graph, verifier.table, ex) is None
    result = verifier.verify(graph)
    assert not result.ok and result.mode == "failed"


def test_a_nan_output_interval_does_not_prove_a_wrong_leaky_network() -> None:
    # the old invariant check "proved" this one: NaN > 0 and NaN <= 0 are both False
    graph = all_ones_leaky(0.9995, overflow=True)
    verifier = Verifier.for_graph(graph, ALL_ONES)
    with np.errstate(all="ignore"):
        ex = verifier.explore(graph)
        assert find_box_invariant(graph, verifier.table, ex) is None
        result = verifier.verify(graph)
    assert not result.ok and result.counterexample is not None
    assert len(result.counterexample) == 5991 and np.all(result.counterexample.inputs == 1.0)


def test_a_non_finite_output_is_a_failure_even_when_its_sign_would_pass() -> None:
    # the spec wants "false" forever; the output is inf - inf = NaN on a true input, and NaN > 0 is
    # False, so decoding alone would call it right
    graph = Graph(acts=dict(ACTS_LINEAR), inputs=["x"], states=[],
                  neurons=[Neuron("big", "L", [("x", 1e308)], 1e308), Neuron("o", "L", [("big", 1.0)], -1e308),
                           Neuron("nan", "L", [("big", 1.0), ("big", -1.0)]),
                           Neuron("y", "L", [("nan", 1.0)], -1.0)],
                  outputs=[Output("y", "y")])
    never = PROGRAMS["delay1"].__class__((0,), lambda s, x: (s, False))
    with np.errstate(all="ignore"):
        result = Verifier.for_graph(graph, never).verify(graph)
    assert not result.ok and result.counterexample is not None
    assert result.counterexample.reason is not None and "not finite" in result.counterexample.reason


def test_a_non_finite_state_fails_the_battery() -> None:
    graph = delay1()
    graph.acts["L"] = Activation.linear()
    graph.states.append(State("g", 1.0, "gn"))
    graph.neurons.insert(0, Neuron("gn", "L", [("g", 1e10)]))  # overflows after ~31 steps, unread
    battery = plan_battery(SpecTable(PROGRAMS["delay1"], 1, 1), BatterySettings(word_length=1, length=100))
    with np.errstate(all="ignore"):
        outcome = run_battery(graph, battery)
    assert np.all(outcome.first_wrong >= 30)


def test_a_right_saturating_network_passes_quickly_by_periodicity() -> None:
    graph = delay1()
    graph.acts["T"] = Activation.interpolated_ameo(0.5, 0.1)
    graph.neurons[0] = Neuron("r", "T", [("x", 3.0), ("s", 0.3)])
    battery = plan_battery(SpecTable(PROGRAMS["delay1"], 1, 1), BatterySettings())
    outcome = run_battery(graph, battery)
    assert outcome.earliest() is None
    assert outcome.steps < len(battery) * 2_000  # every sequence became exactly periodic early


ACTS_LINEAR = {"L": Activation.linear()}


def test_focused_starts_follow_the_explorations_paths_to_the_thinnest_margins() -> None:
    graph = delay1_drifting_on_edges(20_000)
    verifier = Verifier.for_graph(graph, DELAY1)
    ex = verifier.explore(graph, 500)
    starts = focus_starts(verifier.table, ex, 8)
    assert len(starts) == 8
    closeness = np.abs(ex.step_outputs).min(axis=1)
    assert max(closeness[np.argsort(closeness, kind="stable")[:8]]) <= np.median(closeness)
    for state, path in starts:
        at = verifier.table.initial
        for spec_state, move in path:
            assert spec_state == at
            at = int(verifier.table.moves(at).next_states[move])
        assert at == state
    _margin, cex = verifier.focused_check(graph, ex)  # this network is wrong: found from there too
    assert cex is not None and "after a prefix of" in cex.source
    right = counting_delay1(-1e9, 0.0)
    checker = Verifier.for_graph(right, PROGRAMS["delay1"])
    margin, cex = checker.focused_check(right, checker.explore(right, 500))
    assert cex is None and margin > 0


def test_the_kernel_and_numpy_agree_on_every_sequence() -> None:
    from bonsaic.ir.opencl import opencl_available, opencl_precision

    if not (opencl_available() and opencl_precision() == "float64"):
        pytest.skip("no double-precision OpenCL device: the battery runs on numpy only")
    graph = all_ones_drifting(700)
    battery = plan_battery(SpecTable(ALL_ONES, 1, 1), BatterySettings(word_length=3, length=3_000))
    on_kernel = run_battery(graph, battery, numpy_steps=0)
    on_numpy = run_battery(graph, battery, numpy_steps=battery.length)
    assert on_kernel.earliest() == on_numpy.earliest() is not None
    failing = on_numpy.first_wrong >= 0
    # numpy stops every sequence at the first failure of any: the kernel's are the same or later
    assert np.all(on_kernel.first_wrong[failing] == on_numpy.first_wrong[failing])
    assert np.all((on_kernel.first_wrong >= 0) >= failing)
