"""The batched custom RNN: tinygrad forward = numpy forward, and its gradient = finite differences."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from tinygrad import Tensor

from bonsaic.train.model import BonsaiNet, NetShape, init_matrix, init_params, numpy_forward
from bonsaic.train.regularizer import regularization, regularization_numpy
from tests.train.helpers import fake_spec

REG = SimpleNamespace(intensity=0.1, threshold=0.1, steepness=10.0, l1=0.01, biases=True)
SHAPE = NetShape.from_spec(fake_spec(((3, 2), (2, 1)), n_inputs=2, n_outputs=1))


def _data(rng: np.random.Generator, k: int, batch: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.where(rng.random((k, batch, length, 2)) < 0.5, 1.0, -1.0)
    y = np.where(rng.random((k, batch, length, 1)) < 0.5, 1.0, -1.0)
    return x, y


def test_shapes_and_dense_layer() -> None:
    assert SHAPE.has_dense and [c.inputs for c in SHAPE.cells] == [2, 3]
    params = init_params(SHAPE, 2, np.random.default_rng(0))
    assert params["cell0.w"].shape == (2, 2 + 2, 3 + 2)
    assert params["cell1.w"].shape == (2, 3 + 1, 2 + 1)
    assert params["dense.w"].shape == (2, 2, 1)


@pytest.mark.parametrize(("batch", "length", "noisy"), [(2, 3, False), (4, 12, False), (2, 3, True)])
def test_gradient_matches_finite_differences_and_restarts_stay_apart(batch: int, length: int, noisy: bool) -> None:
    """Differentiate restart 0's loss only: its gradient matches finite differences of the numpy
    forward pass, restart 1's parameters get exactly zero gradient, and so does the zero padding
    of the stored weight matrices (4 x 5 is stored as 4 x 8). 12 steps are stacked in groups of
    5 + 5 + 2; ``noisy`` adds state noise (the same noise in both forward passes)."""
    shape = NetShape.from_spec(fake_spec(((3, 2),), n_inputs=2, n_outputs=1))
    rng = np.random.default_rng(1)
    params = init_params(shape, 2, rng)
    params = {n: (v + rng.normal(0, 0.3, v.shape)).astype(np.float32) for n, v in params.items()}
    x, y = _data(rng, 2, batch, length)
    noise = rng.normal(0, 0.2, (2, batch, length, 2)) if noisy else None
    net = BonsaiNet(shape, params)
    out = net(Tensor(x.astype(np.float32)), None if noise is None else Tensor(noise.astype(np.float32)))
    losses = ((out - Tensor(y.astype(np.float32))) ** 2).mean(axis=(1, 2, 3)) + regularization(net.views(), REG)
    losses[0].backward()
    p64 = {n: v.astype(np.float64) for n, v in params.items()}
    # rounding differences grow along the sequence with these noisy weights: up to 3e-4 after 12
    # steps between float32 and float64, and between tinygrad's and numpy's float32 summation order
    np.testing.assert_allclose(out.numpy(), numpy_forward(shape, p64, x, noise), rtol=1e-5, atol=1e-5 if length < 5 else 1e-3)

    def loss0(p: dict[str, np.ndarray]) -> float:
        return float(((numpy_forward(shape, p, x, noise) - y) ** 2)[0].mean() + regularization_numpy(p, REG)[0])

    eps = 1e-6
    for name, value in p64.items():
        stored = net.params[name].grad.numpy()
        grad = net.from_storage(name, stored)
        assert not grad[1].any(), name
        padding = np.ones(stored.shape, bool)
        padding[tuple(slice(0, n) for n in value.shape)] = False
        assert not stored[padding].any(), name  # padded rows and columns never get a gradient
        for index in np.ndindex(value[0].shape):
            plus, minus = dict(p64), dict(p64)
            plus[name], minus[name] = value.copy(), value.copy()
            plus[name][(0, *index)] += eps
            minus[name][(0, *index)] -= eps
            numeric = (loss0(plus) - loss0(minus)) / (2 * eps)
            assert grad[(0, *index)] == pytest.approx(numeric, rel=2e-3, abs=2e-4), (name, index)


@pytest.mark.parametrize("kind", ["glorot_normal", "glorot_uniform", "kaiming_normal", "kaiming_uniform"])
def test_initializers_have_the_glorot_or_kaiming_variance(kind: str) -> None:
    values = init_matrix(np.random.default_rng(3), kind, (400, 50), fan_in=30, fan_out=20)
    expected = 2.0 / (30 + 20) if kind.startswith("glorot") else 2.0 / 30
    assert values.dtype == np.float32
    assert values.var() == pytest.approx(expected, rel=0.05)
    if kind.endswith("normal"):  # truncated at two standard deviations (before the rescaling)
        assert np.abs(values).max() <= 2.0 * np.sqrt(expected) / 0.87962566103423978 + 1e-6


def test_binary_states_are_signs_and_their_gradient_goes_straight_through() -> None:
    """A cell with binary states: without a mask every state the next step reads is +-1, and
    tinygrad agrees with the numpy forward; with an all-zero mask it is the plain cell (same outputs
    and gradients); with a full mask the value is binarized but the weights still get the
    gradient the Ameo passes through (the straight-through estimator), not zero."""
    plain = NetShape.from_spec(fake_spec(((3, 2),), n_inputs=2, n_outputs=1))
    binary = NetShape.from_spec(fake_spec(((3, 2),), n_inputs=2, n_outputs=1, binary_states=True))
    assert binary.cells[0].binary_states and not plain.cells[0].binary_states
    rng = np.random.default_rng(5)
    params = {n: (v + rng.normal(0, 0.5, v.shape)).astype(np.float32) for n, v in init_params(binary, 2, rng).items()}
    x, y = _data(rng, 2, 4, 6)
    xt, yt = Tensor(x.astype(np.float32)), Tensor(y.astype(np.float32))

    def run(shape: NetShape, mask: np.ndarray | None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        net = BonsaiNet(shape, params)
        out = net(xt, binary=None if mask is None else Tensor(mask.astype(np.float32)))
        ((out - yt) ** 2).mean().backward()
        return out.numpy(), {n: net.from_storage(n, p.grad.numpy()) for n, p in net.params.items()}

    out, _ = run(binary, None)
    np.testing.assert_allclose(out, numpy_forward(binary, params, x), rtol=1e-5, atol=1e-5)
    assert not np.allclose(out, numpy_forward(plain, params, x), atol=1e-3)  # binarizing changed something
    zeros, ones = np.zeros((2, 4, 6, 2)), np.ones((2, 4, 6, 2))
    plain_out, plain_grad = run(plain, None)
    off_out, off_grad = run(binary, zeros)
    np.testing.assert_allclose(off_out, plain_out, rtol=1e-6, atol=1e-6)
    for name, grad in plain_grad.items():
        np.testing.assert_allclose(off_grad[name], grad, rtol=1e-5, atol=1e-6, err_msg=name)
    full_out, full_grad = run(binary, ones)
    np.testing.assert_allclose(full_out, out, rtol=1e-6, atol=1e-6)
    recurrent = full_grad["cell0.w"][:, 2:, :]  # the rows that read the states
    assert np.isfinite(recurrent).all() and np.abs(recurrent).max() > 1e-4
