"""The activation functions in tinygrad, with the seed post's hand-written derivative.

Forward and derivative are the same piecewise where-chains as the numpy reference, evaluated from
the one Ameo table in :mod:`bonsaic.ir.ameo` (left-continuous at breakpoints: ``x <= b`` takes the
left piece).

The hand-written derivative is attached with a detach identity instead of a custom kernel::

    y = f(x0) + (x - x0) * f'(x0)        with x0 = x.detach()

Its value is exactly ``f(x)`` (``x - x0`` is exactly zero) and its gradient with respect to ``x``
is exactly ``f'(x0)``, so tinygrad never differentiates the where-chain itself. Everything stays
elementwise, so tinygrad fuses it into the neighbouring matmul/bias kernels; ``docs/performance.md``
records how it compares with plain autograd through the where-chain.
"""

from __future__ import annotations

from tinygrad import Tensor

from bonsaic.ir import ameo
from bonsaic.ir.activations import Activation


def _where(condition: Tensor, value: Tensor | float, rest: Tensor | float) -> Tensor:
    """One step of a piecewise chain (the first true condition wins)."""
    return condition.where(value, rest)


def _piecewise(f: ameo.Piecewise, x: Tensor, leak: float) -> Tensor:
    """``f`` of the Ameo table (:mod:`bonsaic.ir.ameo`) over a tensor: the same expressions, in the same
    order, as the numpy reference."""
    out = ameo.evaluate(f, x, leak, _where)
    return out if isinstance(out, Tensor) else x * 0.0 + out


def _hard(x: Tensor, leak: float) -> Tensor:
    return _piecewise(ameo.HARD, x, leak)


def _hard_grad(x: Tensor, leak: float) -> Tensor:
    return _piecewise(ameo.HARD_GRAD, x, leak)


def _soft(x: Tensor, leak: float) -> Tensor:
    return _piecewise(ameo.SOFT, x, leak)


def _soft_grad(x: Tensor, leak: float) -> Tensor:
    return _piecewise(ameo.SOFT_GRAD, x, leak)


def sign_ameo(x: Tensor) -> Tensor:
    """+1 where the hard Ameo is positive, else -1 (:class:`bonsaic.ir.activations.Activation`'s
    ``sign_ameo``; its gradient is zero, binary cells pass the Ameo's straight through instead)."""
    return (_hard(x, 0.0) > 0.0).where(1.0, -1.0)


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
