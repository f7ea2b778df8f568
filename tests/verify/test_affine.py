"""The relational prover: box invariants over blocks of k steps, images in affine arithmetic.

The soundness property: whenever it returns an invariant, long simulations from the initial state
stay in its boxes at every multiple of k and every output is right; it never proves a network that
simulation shows wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.simulate import Stepper
from bonsaic.verify import Verifier
from bonsaic.verify.affine import AffineImager, _activation, _Forms, find_affine_invariant
from bonsaic.verify.boxes import find_box_invariant
from tests.verify.affine_graphs import rotating_delay1
from tests.verify.drifting import ALL_ONES, all_ones_leaky
from tests.verify.handmade import PROGRAMS, delay1, delay2, perturbed, replace111


def test_a_rotation_the_interval_prover_cannot_close_is_proved_over_two_steps() -> None:
    graph = rotating_delay1()
    verifier = Verifier.for_graph(graph, PROGRAMS["delay1"])
    ex = verifier.explore(graph, 2_000)
    assert not ex.closed and ex.mismatch_step is None
    assert find_box_invariant(graph, verifier.table, ex) is None
    found = find_affine_invariant(graph, verifier.table, ex)
    assert found is not None and found.steps == 2 and found.margin > 0.5
    result = verifier.verify(graph, budget=2_000)
    assert result.mode == "proved" and "affine invariant" in result.summary()
    assert "blocks of 2 steps" in result.summary()


def test_a_rotation_that_reads_too_much_is_not_proved_and_is_refused() -> None:
    graph = rotating_delay1(read=6.0)  # |u| reaches ~0.6: 6 * 0.6 outweighs the 3 * s
    verifier = Verifier.for_graph(graph, PROGRAMS["delay1"])
    ex = verifier.explore(graph, 2_000)
    assert find_affine_invariant(graph, verifier.table, ex) is None
    assert not verifier.verify(graph, budget=2_000).ok


def test_the_leaky_late_drift_and_its_overflowing_twin_are_not_proved() -> None:
    for overflow in (False, True):
        graph = all_ones_leaky(0.9995, overflow=overflow)
        verifier = Verifier.for_graph(graph, ALL_ONES)
        with np.errstate(all="ignore"):
            ex = verifier.explore(graph)
            assert find_affine_invariant(graph, verifier.table, ex) is None


@pytest.mark.parametrize("act", [None, Activation.interpolated_ameo(0.5, 0.1), Activation.interpolated_ameo(0.0, 0.2),
                                 Activation.tanh(), Activation.sign_ameo()],
                         ids=["hard", "interpolated", "soft", "tanh", "sign"])
def test_images_contain_the_simulated_k_step_states(act: Activation | None) -> None:
    """The relaxation is sound for piecewise-linear and smooth activations alike: every simulated
    k-step state and output from a box lies in the affine image's bounds."""
    graph = rotating_delay1()
    if act is not None:
        graph.acts["L"] = act
    verifier = Verifier.for_graph(graph, PROGRAMS["delay1"])
    imager = AffineImager(graph, verifier.table, 3)
    rng = np.random.default_rng(0)
    lo = np.array([[-1.0, -0.5, -0.4]])
    hi = np.array([[1.0, 0.5, 0.3]])
    nxt, next_lo, next_hi, out_lo, out_hi, _want = imager(np.array([verifier.table.initial]), lo, hi)
    inputs, _ends, _y = imager.words(verifier.table.initial)
    stepper = Stepper(graph)
    for _ in range(200):
        start = lo[0] + rng.random(3) * (hi[0] - lo[0])
        for w in range(len(inputs)):
            state, outs = start[None], []
            for t in range(3):
                state, _values, out = stepper.step(state, inputs[w, t][None])
                outs.append(out[0])
            assert np.all(next_lo[w] <= state[0]) and np.all(state[0] <= next_hi[w])
            flat = np.concatenate(outs)
            assert np.all(out_lo[w] <= flat) and np.all(flat <= out_hi[w])


def test_the_smooth_relaxation_bounds_the_activation_between_its_samples() -> None:
    """Over ranges that span the soft spline's curved pieces, the secant-plus-error form contains
    the activation at 20,001 points, though only 32 grid samples are evaluated."""
    for act in (Activation.interpolated_ameo(0.5, 0.1), Activation.interpolated_ameo(0.0, 0.0), Activation.tanh(),
                Activation.sign_ameo()):
        for a, b in ((-0.3, 0.7), (-2.9, 2.9), (-5.0, 4.0), (0.1, 0.1000001), (1.5, 2.5), (-2.0, 0.0), (-1.5, -0.5)):
            pre = _Forms(np.array([(a + b) / 2.0]), np.zeros((1, 2)))
            pre.coef[0, 0] = (b - a) / 2.0
            out = _activation(act, pre, 1)
            x = np.linspace(a, b, 20_001)
            lam = out.coef[0, 0] / pre.coef[0, 0] if b > a else 0.0
            value = out.center[0] + lam * (x - pre.center[0])
            err = abs(out.coef[0, 1])
            assert np.all(np.abs(act.forward(x) - value) <= err), (act, a, b)


BASES = {"delay1": delay1, "delay2": delay2, "replace111": replace111}


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(BASES)), st.integers(0, 2**32 - 1), st.floats(0.0, 0.3), st.floats(0.0, 1.2),
       st.sampled_from([1.0, 0.5, 0.0]))
def test_every_affine_proof_agrees_with_long_simulation(name: str, seed: int, leak: float, noise: float,
                                                         factor: float) -> None:
    """Hand-made networks with leaky activations (hard, interpolated or soft Ameo) and random extra
    weights (some still right, some wrong): when the prover returns an invariant, random and
    periodic simulations agree with the spec and visit only states inside its boxes at multiples of k."""
    graph = perturbed(name, seed, Activation.interpolated_ameo(factor, leak), noise)
    program = PROGRAMS[name]
    verifier = Verifier.for_graph(graph, program)
    ex = verifier.explore(graph, 300)
    if ex.mismatch_step is not None:
        return
    found = find_affine_invariant(graph, verifier.table, ex)
    if found is None:
        return
    inputs, targets = program.generate(64, 400, seed % 1000)
    stepper = Stepper(graph)
    states = np.tile(stepper.initial_states(), (64, 1))
    spec_states = [verifier.table.initial] * 64
    raw = [program.initial_state()] * 64
    for t in range(400):
        if t % found.steps == 0:
            for b in range(64):
                boxes = found.spec == spec_states[b]
                inside = np.all((found.lo[boxes] <= states[b]) & (states[b] <= found.hi[boxes]), axis=1)
                assert inside.any(), f"state at step {t} outside every box"
        states, _values, outputs = stepper.step(states, inputs[:, t, :])
        assert np.all((outputs > 0) == (targets[:, t, :] > 0)), f"proved, but wrong at step {t}"
        for b in range(64):
            raw[b], _out = program.step(raw[b], tuple(bool(v > 0) for v in inputs[b, t]))
            spec_states[b] = verifier.table.index(raw[b])
    assert verifier.battery_check(graph)[1] is None
