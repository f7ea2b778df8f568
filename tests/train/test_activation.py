"""The tinygrad activations against the numpy reference, and the hand-written derivative."""

from __future__ import annotations

import numpy as np
import pytest
from tinygrad import Tensor

from bonsaic.ir.activations import Activation
from bonsaic.train import activation

ACTIVATIONS = [
    Activation.interpolated_ameo(0.5, 0.1),
    Activation.interpolated_ameo(0.2, 0.05),
    Activation.leaky_ameo(0.1),
    Activation.ameo(),
    Activation.tanh(),
    Activation.linear(),
]


def _grid(act: Activation) -> np.ndarray:
    """A dense grid over [-6, 6] plus every breakpoint and its float32 neighbours."""
    points = [np.linspace(-6.0, 6.0, 4001)]
    for b in act.breakpoints():
        b32 = np.float32(b)
        points.append(np.array([np.nextafter(b32, np.float32(-np.inf)), b32,
                                np.nextafter(b32, np.float32(np.inf))]))
    return np.concatenate(points).astype(np.float32)


def _value_and_grad(act: Activation, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = Tensor(x)
    y = activation.apply(act, t)
    y.sum().backward()
    assert t.grad is not None
    return y.numpy(), t.grad.numpy()


@pytest.mark.parametrize("act", ACTIVATIONS, ids=Activation.text)
def test_forward_and_derivative_match_the_numpy_reference(act: Activation) -> None:
    x = _grid(act)
    value, grad = _value_and_grad(act, x)
    np.testing.assert_allclose(value, act.forward(x), rtol=1e-5, atol=1e-6)
    # exactly at a breakpoint both sides must pick the left piece, like the reference
    np.testing.assert_allclose(grad, act.derivative(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("act", ACTIVATIONS, ids=Activation.text)
def test_derivative_matches_finite_differences_away_from_breakpoints(act: Activation) -> None:
    x = np.linspace(-5.9, 5.9, 997).astype(np.float32)
    far = np.all([np.abs(x - b) > 1e-2 for b in act.breakpoints()] or [np.ones_like(x, bool)], axis=0)
    x = x[far]
    _, grad = _value_and_grad(act, x)
    h = 1e-4
    x64 = x.astype(np.float64)
    numeric = (act.forward(x64 + h) - act.forward(x64 - h)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-3)


def test_hard_ameo_has_the_posts_shape() -> None:
    """Independent of the reference: the hard Ameo's defining points (post, section "Activation")."""
    act = Activation.ameo()
    x = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 5.0], np.float32)
    value, grad = _value_and_grad(act, x)
    np.testing.assert_array_equal(value, [-1.0, 0.0, 1.0, 0.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(grad, [0.0, 1.0, 1.0, -1.0, -1.0, 1.0, 1.0, 0.0])
