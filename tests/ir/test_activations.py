"""The numpy activation reference: derivatives match finite differences, pieces join continuously."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir import Activation
from tests.ir.strategies import activations

STEP = 1e-6


def _away_from_breakpoints(act: Activation, x: np.ndarray) -> np.ndarray:
    breaks = np.array(act.breakpoints() or [np.inf])
    return x[np.min(np.abs(x[:, None] - breaks[None, :]), axis=1) > 10 * STEP]


@settings(max_examples=80, deadline=None)
@given(activations(), st.lists(st.floats(-8.0, 8.0), min_size=1, max_size=50))
def test_derivative_matches_central_differences(act: Activation, points: list[float]) -> None:
    x = _away_from_breakpoints(act, np.array(points))
    numeric = (act.forward(x + STEP) - act.forward(x - STEP)) / (2 * STEP)
    np.testing.assert_allclose(act.derivative(x), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("act", [Activation.interpolated_ameo(0.5, 0.1), Activation.interpolated_ameo(0.0, 0.3),
                                 Activation.leaky_ameo(0.1), Activation.ameo()], ids=lambda a: a.text())
def test_pieces_join_at_every_breakpoint(act: Activation) -> None:
    b = np.array(act.breakpoints())
    np.testing.assert_allclose(act.forward(b - 1e-9), act.forward(b + 1e-9), atol=1e-7)


def test_hard_ameo_known_values() -> None:
    """Values worked out by hand from the seed post's definition (breakpoints -3, -1, 1, 3)."""
    x = np.array([-5.0, -3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0])
    hard = Activation.leaky_ameo(0.1)
    np.testing.assert_allclose(hard.forward(x), [-1.2, -1.0, 0.0, 1.0, 0.0, -0.5, -1.0, 0.0, 1.0, 1.2])
    # left-continuous derivative: at a breakpoint, the slope of the piece on the left
    np.testing.assert_allclose(hard.derivative(x), [0.1, 0.1, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 0.1])


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(0.0, 1.0))
def test_the_hard_shortcut_equals_the_interpolation_with_factor_one(xs: list[float], leak: float) -> None:
    """factor = 1 skips the soft part (weight 0): the same values, up to the sign of a zero."""
    from bonsaic.ir.activations import _hard, _soft

    x = np.array(xs)
    general = _hard(x, leak) * 1.0 + (1.0 - 1.0) * _soft(x, leak)
    assert np.array_equal(Activation.interpolated_ameo(1.0, leak).forward(x), general)


def test_sign_ameo_known_values() -> None:
    """+1 exactly where the hard Ameo is positive (-2 < x < 0 and x > 2), -1 elsewhere, the three
    zeros included; NaN and infinities give NaN (never a valid state)."""
    x = np.array([-5.0, -2.0, -1.999, -1.0, -1e-300, -0.0, 0.0, 1e-300, 1.0, 2.0, 2.001, 5.0, 1e300])
    np.testing.assert_array_equal(Activation.sign_ameo().forward(x),
                                  [-1, -1, 1, 1, 1, -1, -1, -1, -1, -1, 1, 1, 1])
    assert np.isnan(Activation.sign_ameo().forward(np.array([np.nan, np.inf, -np.inf]))).all()
    assert Activation.sign_ameo().forward(np.float32([0.5])).dtype == np.float32


@given(st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=50), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_sign_ameo_is_the_sign_of_every_ameo_the_trainer_uses(xs: list[float], factor: float, leak: float) -> None:
    """Training binarizes a state with sign_ameo and passes the gradient through the cell's own Ameo;
    that is only a straight-through estimator of the same function if their signs agree."""
    x = np.array(xs)
    value = Activation.interpolated_ameo(factor, leak).forward(x)
    sign = Activation.sign_ameo().forward(x)
    clear = np.abs(value) > 1e-9  # at the zeros themselves only the tie-break differs
    assert np.array_equal(np.sign(value[clear]), sign[clear])
