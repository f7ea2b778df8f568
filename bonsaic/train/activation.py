"""The activation functions in tinygrad, with the seed post's hand-written derivative.

Forward and derivative are the same piecewise where-chains as the numpy reference in
:mod:`bonsaic.ir.activations` (left-continuous at breakpoints: ``x <= b`` takes the left piece).

The hand-written derivative is attached with a detach identity instead of a custom kernel::

    y = f(x0) + (x - x0) * f'(x0)        with x0 = x.detach()

Its value is exactly ``f(x)`` (``x - x0`` is exactly zero) and its gradient with respect to ``x``
is exactly ``f'(x0)``, so tinygrad never differentiates the where-chain itself. Everything stays
elementwise, so tinygrad fuses it into the neighbouring matmul/bias kernels; ``docs/performance.md``
records how it compares with plain autograd through the where-chain.
"""

from __future__ import annotations

from tinygrad import Tensor

from bonsaic.ir.activations import Activation


def _select(conds: list[Tensor], values: list[Tensor | float], default: Tensor | float) -> Tensor:
    """``np.select`` for tinygrad: the first true condition wins."""
    out = default
    for cond, value in zip(reversed(conds), reversed(values), strict=True):
        out = cond.where(value, out)
    assert isinstance(out, Tensor)
    return out


def _hard(x: Tensor, leak: float) -> Tensor:
    return _select([x <= -3.0, x <= -1.0, x <= 1.0, x <= 3.0],
                   [(x + 3.0) * leak - 1.0, x + 2.0, -x, x - 2.0], (x - 3.0) * leak + 1.0)


def _hard_grad(x: Tensor, leak: float) -> Tensor:
    return _select([x <= -3.0, x <= -1.0, x <= 1.0, x <= 3.0], [leak, 1.0, -1.0, 1.0], x * 0.0 + leak)


def _soft(x: Tensor, leak: float) -> Tensor:
    u = x * 0.5 - 0.5
    u2 = u * u
    u3 = u2 * u
    u4 = u2 * u2
    p = u + 2.0
    y = _select(
        [u <= -2.0, u <= -1.5, u <= -0.5, u <= 0.5, u <= 1.0],
        [
            (u + 2.0) * leak,
            (p * p * p * p) * 8.0,
            u4 * -8.0 - u3 * 32.0 - u2 * 48.0 - u * 32.0 - 7.0,
            u4 * 8.0,
            u4 * -8.0 + u3 * 32.0 - u2 * 48.0 + u * 32.0 - 7.0,
        ],
        (u - 1.0) * leak + 1.0,
    )
    return (y - 0.5) * 2.0


def _soft_grad(x: Tensor, leak: float) -> Tensor:
    u = x * 0.5 - 0.5
    u2 = u * u
    u3 = u2 * u
    p = u + 2.0
    return _select(
        [(u <= -2.0) | (u >= 1.0), u <= -1.5, u <= -0.5, u <= 0.5],
        [x * 0.0 + leak, (p * p * p) * 32.0, u3 * -32.0 - u2 * 96.0 - u * 96.0 - 32.0, u3 * 32.0],
        u3 * -32.0 + u2 * 96.0 - u * 96.0 + 32.0,
    )


def forward(act: Activation, x: Tensor) -> Tensor:
    """The activation's value, as a where-chain (autograd through it is *not* the post's derivative)."""
    if act.kind == "linear":
        return x
    if act.kind == "tanh":
        return x.tanh()
    if act.kind in ("ameo", "leaky_ameo"):
        return _hard(x, act.leakyness)
    return _hard(x, act.leakyness) * act.factor + _soft(x, act.leakyness) * (1.0 - act.factor)


def derivative(act: Activation, x: Tensor) -> Tensor:
    """The hand-written derivative, piece by piece."""
    if act.kind == "linear":
        return x * 0.0 + 1.0
    if act.kind == "tanh":
        t = x.tanh()
        return 1.0 - t * t
    if act.kind in ("ameo", "leaky_ameo"):
        return _hard_grad(x, act.leakyness)
    return _hard_grad(x, act.leakyness) * act.factor + _soft_grad(x, act.leakyness) * (1.0 - act.factor)


def apply(act: Activation, x: Tensor) -> Tensor:
    """``act(x)`` whose gradient is the hand-written derivative (see the module docstring)."""
    if act.kind in ("linear", "tanh"):
        return forward(act, x)  # autograd of these is already the textbook derivative
    x0 = x.detach()
    return forward(act, x0) + (x - x0) * derivative(act, x0)
