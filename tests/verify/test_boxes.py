"""Interval closure: graphs whose states never repeat exactly, proved by a box invariant.

The property test is the soundness check: whenever the search returns an invariant, every state a
long random simulation reaches lies in a box of its spec state, and every output is right.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron
from bonsaic.ir.simulate import Stepper
from bonsaic.verify import Verifier, verify
from bonsaic.verify.boxes import IntervalStepper, find_box_invariant, sign_ameo_range
from tests.verify.handmade import PROGRAMS, counting_delay1, delay1

ACTS = [Activation.tanh(), Activation.interpolated_ameo(0.5, 0.1), Activation.leaky_ameo(0.05),
        Activation.interpolated_ameo(1.0, 0.1)]


def echo_delay1(feedback: float, act: Activation = ACTS[0], drive: float = 3.0) -> Graph:
    """delay1 whose recurrent neuron also hears its own last value: ``r = act(drive*x + feedback*s)``.
    The state then depends on the whole history, so (for feedback not tiny) no state repeats within
    the exploration budget."""
    graph = delay1()
    graph.acts["T"] = act
    graph.neurons[0] = Neuron("r", "T", [("x", drive), ("s", feedback)])
    return graph


def test_a_contracting_echo_is_proved_by_an_interval_invariant() -> None:
    result = verify(echo_delay1(1.0), PROGRAMS["delay1"], budget=300)
    assert result.ok and result.mode == "proved" and result.boxes > 0
    assert result.product_states > 300  # the exploration alone did not close
    assert "interval invariant" in result.summary()


def test_without_the_interval_search_the_same_graph_is_only_bounded() -> None:
    result = verify(echo_delay1(1.0), PROGRAMS["delay1"], budget=300, intervals=False,
                    random_sequences=20, long_sequences=2, long_length=200)
    assert result.ok and result.mode == "bounded" and result.boxes == 0


def test_an_unbounded_counter_gets_no_invariant() -> None:
    graph = counting_delay1(-1000.0, 0.0)
    verifier = Verifier(PROGRAMS["delay1"], 1, 1)
    assert find_box_invariant(graph, verifier.table, verifier.explore(graph, budget=50)) is None


@settings(max_examples=300)
@given(st.floats(-6.0, 6.0), st.floats(0.0, 5.0), st.sampled_from([-2.0, 0.0, 2.0, None]))
def test_the_two_valued_range_contains_every_value_of_its_interval(a: float, width: float, at: float | None) -> None:
    """sign_ameo jumps, so sampling the ends and breakpoints is not enough (on [-2, 0] it is -1 at
    both ends and +1 inside): every value taken inside, next to each jump too, lies in the range."""
    lo_in, hi_in = (at, at + width) if at is not None and width < 0.5 else (a, a + width)
    lo, hi = sign_ameo_range(np.array([lo_in]), np.array([hi_in]))
    x = np.concatenate([np.linspace(lo_in, hi_in, 1001),
                        [np.nextafter(p, s) for p in (-2.0, 0.0, 2.0) for s in (-9.0, 9.0) if lo_in <= p <= hi_in]])
    x = x[(lo_in <= x) & (x <= hi_in)]
    values = Activation.sign_ameo().forward(x)
    assert lo[0] <= values.min() and values.max() <= hi[0]
    assert {lo[0], hi[0]} <= {-1.0, 1.0}


def test_the_two_valued_range_of_a_non_number_is_no_number() -> None:
    """A NaN bound is never laundered into +-1 (a box check would then pass it)."""
    with np.errstate(invalid="ignore"):
        lo, hi = sign_ameo_range(np.array([np.nan, -np.inf, -1.5]), np.array([1.0, np.inf, -0.5]))
    assert np.isnan(lo[:2]).all() and np.isnan(hi[:2]).all()
    assert lo[2] == hi[2] == 1.0
    lo, hi = sign_ameo_range(np.array([-2.0]), np.array([0.0]))
    assert (lo[0], hi[0]) == (-1.0, 1.0)


def test_interval_step_contains_the_point_step() -> None:
    graph = echo_delay1(1.7, ACTS[1])
    rng = np.random.default_rng(0)
    lo = rng.uniform(-2, 1, (200, 1))
    hi = lo + rng.uniform(0, 2, (200, 1))
    inputs = rng.choice([-1.0, 1.0], (200, 1))
    next_lo, next_hi, out_lo, out_hi = IntervalStepper(graph).step(lo, hi, inputs)
    stepper = Stepper(graph)
    for t in np.linspace(0, 1, 11):
        states, _values, outputs = stepper.step(lo + t * (hi - lo), inputs)
        assert np.all((next_lo <= states) & (states <= next_hi))
        assert np.all((out_lo <= outputs) & (outputs <= out_hi))


@settings(max_examples=40, deadline=None)
@given(st.floats(-2.5, 2.5), st.sampled_from(ACTS), st.floats(0.5, 4.0))
def test_an_invariant_holds_on_long_simulations(feedback: float, act: Activation, drive: float) -> None:
    graph = echo_delay1(feedback, act, drive)
    program = PROGRAMS["delay1"]
    verifier = Verifier(program, 1, 1)
    invariant = find_box_invariant(graph, verifier.table, verifier.explore(graph, budget=200))
    if invariant is None:
        return
    inputs, targets = program.generate(64, 300, 7)
    stepper = Stepper(graph)
    states = np.broadcast_to(stepper.initial_states(), (64, 1))
    spec = [program.initial_state()] * 64
    for t in range(300):
        index = np.array([verifier.table.index(s) for s in spec])
        inside = ((invariant.spec[None, :] == index[:, None])
                  & (invariant.lo[None, :, 0] <= states) & (states <= invariant.hi[None, :, 0]))
        assert inside.any(axis=1).all()
        x = np.asarray(inputs[:, t, :], dtype=np.float64)
        states, _values, outputs = stepper.step(states, x)
        assert ((outputs > 0) == (np.asarray(targets[:, t, :]) > 0)).all()
        spec = [program.step(s, (bool(b > 0),))[0] for s, b in zip(spec, x[:, 0], strict=True)]
