"""The sparse regularizer is the seed post's formula, in tinygrad and numpy, with the right gradient."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tinygrad import Tensor

from bonsaic.train.regularizer import regularization, regularization_numpy, sparse_penalty


def _post_formula(w: np.ndarray, i_t: float, t: float, s: float, i_l1: float) -> float:
    """R(x) = 1/n sum(i_T * (tanh((|x_j| - t) s) - tanh(-t s)) + i_L1 |x_j|), written out per element."""
    total = 0.0
    for x in w.ravel().tolist():
        total += i_t * (math.tanh((abs(x) - t) * s) - math.tanh(-t * s)) + i_l1 * abs(x)
    return total / w.size


def test_zero_weights_cost_nothing_and_large_ones_cost_about_the_same() -> None:
    cost = [_post_formula(np.array([v]), 0.1, 0.1, 100.0, 0.0) for v in (0.0, 0.5, 1.5)]
    assert cost[0] == 0.0
    assert cost[1] == pytest.approx(cost[2], rel=1e-6)  # the post's point: 1.5 is not worse than 0.5
    got = sparse_penalty(Tensor([[0.0], [0.5], [1.5]]), 0.1, 0.1, 100.0, 0.0).numpy()
    np.testing.assert_allclose(got, cost, rtol=1e-5, atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), steepness=st.sampled_from([10.0, 100.0]), biases=st.booleans())
def test_tinygrad_and_numpy_match_the_post(seed: int, steepness: float, biases: bool) -> None:
    rng = np.random.default_rng(seed)
    cfg = SimpleNamespace(intensity=0.1, threshold=0.1, steepness=steepness, l1=0.001, biases=biases)
    params = {"cell0.w": rng.normal(0, 0.3, (2, 3, 4)).astype(np.float32),
              "cell0.b": rng.normal(0, 0.3, (2, 1, 4)).astype(np.float32),
              "cell0.s0": rng.normal(0, 0.3, (2, 1, 2)).astype(np.float32)}
    names = ["cell0.w", "cell0.b"] if biases else ["cell0.w"]
    expected = [sum(_post_formula(params[n][k], 0.1, 0.1, steepness, 0.001) for n in names) for k in range(2)]
    np.testing.assert_allclose(regularization_numpy(params, cfg), expected, rtol=1e-9)
    got = regularization({n: Tensor(v) for n, v in params.items()}, cfg).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-7)


def test_gradient_matches_finite_differences() -> None:
    w = np.array([[-0.7, -0.12, -0.05, 0.02, 0.09, 0.11, 0.3, 1.2]])
    t = Tensor(w.astype(np.float32))
    sparse_penalty(t, 0.1, 0.1, 10.0, 0.01).sum().backward()
    eps = 1e-6
    for j in range(w.shape[1]):
        plus, minus = w.copy(), w.copy()
        plus[0, j] += eps
        minus[0, j] -= eps
        numeric = (_post_formula(plus, 0.1, 0.1, 10.0, 0.01) - _post_formula(minus, 0.1, 0.1, 10.0, 0.01)) / (2 * eps)
        assert t.grad.numpy()[0, j] == pytest.approx(numeric, rel=1e-3, abs=1e-6)
