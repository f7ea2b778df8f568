"""The activation functions, exactly as the seed post's kernels define them (numpy reference).

This module is *the* reference: the tinygrad trainer, the OpenCL kernels in ``kernels/`` and the
emitted Python all have to agree with it (tests check that).

Definitions (x is the neuron's pre-activation):

* ``ameo`` / ``leaky_ameo(l)``: the piecewise-linear "hard" Ameo with breakpoints -3, -1, 1, 3::

      x <= -3 : -1 + l * (x + 3)
      x <= -1 : x + 2
      x <=  1 : -x
      x <=  3 : x - 2
      else    : 1 + l * (x - 3)

  ``ameo`` is ``leaky_ameo(0)``.
* ``interpolated_ameo(f, l)``: ``f * leaky_ameo(l)(x) + (1 - f) * soft(x)`` where ``soft`` is the
  smooth quartic-spline Ameo evaluated at ``u = x/2 - 1/2`` and rescaled by ``(y - 1/2) * 2``::

      u <= -2   : l * (u + 2)
      u <= -1.5 : 8 (u + 2)^4
      u <= -0.5 : -8u^4 - 32u^3 - 48u^2 - 32u - 7
      u <=  0.5 : 8u^4
      u <=  1   : -8u^4 + 32u^3 - 48u^2 + 32u - 7
      else      : l * (u - 1) + 1

  ``f = 1`` gives the hard function, ``f = 0`` the fully smooth one.
* ``tanh`` and ``linear`` (identity).
* ``sign_ameo``: the sign of the hard Ameo, two-valued: ``1`` where ``ameo(x) > 0`` (that is on
  ``-2 < x < 0`` and ``x > 2``), ``-1`` everywhere else (the zeros -2, 0 and 2 included); NaN and
  infinite inputs give NaN, as they do through the Ameo without leak. Trained
  networks with *binary states* (``binary_states = true`` in the spec's model section) feed their
  states through it, so every state is exactly +-1 after the first step: the network is a finite
  machine and the verifier's exploration of its states always closes. It is not monotone, which is
  what lets one neuron compute a toggle or an XOR (``sign_ameo(a + b - 1)``); a monotone sign could
  not. Its derivative is 0 (training uses the Ameo's as a straight-through surrogate).

The pieces themselves are defined once, in :mod:`bonsaic.ir.ameo`, which every other form (the
emitted Python, the OpenCL kernels, the trainer's tinygrad) is rendered from.

Derivatives are the post's hand-written piecewise ones (the chain factors 1/2 and 2 of the soft
part cancel). At a breakpoint the derivative takes the value of the piece on the left (``<=``).
All functions compute in the dtype of their input (float64 in the simulator, float32 in tests of
the trainer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonsaic.ir import ameo

KINDS = ("interpolated_ameo", "leaky_ameo", "ameo", "tanh", "linear", "sign_ameo")
# what a cell or dense layer can be trained with: sign_ameo has no gradient, it only appears where
# binary states are lowered (the trainer uses the cell's Ameo as its straight-through surrogate)
TRAINABLE_KINDS = KINDS[:5]
SIGN_AMEO_BREAKPOINTS = (-2.0, 0.0, 2.0)  # where sign_ameo jumps (it is -1 at each of them)


def _first_true(condition: np.ndarray, value: np.ndarray | float, rest: np.ndarray | float) -> np.ndarray:
    """One step of a piecewise chain: ``np.where``, several times cheaper than ``np.select`` on the
    small arrays the simulator's exploration steps work on."""
    return np.where(condition, value, rest)


def _piecewise(f: ameo.Piecewise, x: np.ndarray, leak: float) -> np.ndarray:
    """``f`` of the Ameo table over ``x``, in ``x``'s dtype and shape."""
    return np.asarray(ameo.evaluate(f, x, leak, _first_true), dtype=x.dtype)


def _hard(x: np.ndarray, leak: float) -> np.ndarray:
    return _piecewise(ameo.HARD, x, leak)


def _hard_grad(x: np.ndarray, leak: float) -> np.ndarray:
    return _piecewise(ameo.HARD_GRAD, x, leak)


def _sign_ameo(x: np.ndarray) -> np.ndarray:
    """+1 where the hard Ameo is positive, -1 where it is not; NaN stays NaN (and infinities, whose
    hard Ameo without leak is NaN, become NaN), so a non-finite value is never laundered into a
    valid state."""
    with np.errstate(invalid="ignore"):
        h = _hard(x, 0.0)
        out = np.where(h > 0.0, 1.0, np.where(h <= 0.0, -1.0, np.nan))
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64)


def _soft(x: np.ndarray, leak: float) -> np.ndarray:
    return _piecewise(ameo.SOFT, x, leak)


def _soft_grad(x: np.ndarray, leak: float) -> np.ndarray:
    return _piecewise(ameo.SOFT_GRAD, x, leak)


@dataclass(frozen=True)
class Activation:
    """One activation function with its parameters (a value type: hashable and comparable)."""

    kind: str
    factor: float = 0.5
    leakyness: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown activation {self.kind!r}; expected one of {', '.join(KINDS)}")

    @staticmethod
    def interpolated_ameo(factor: float = 0.5, leakyness: float = 0.1) -> Activation:
        return Activation("interpolated_ameo", float(factor), float(leakyness))

    @staticmethod
    def leaky_ameo(leakyness: float = 0.1) -> Activation:
        return Activation("leaky_ameo", 1.0, float(leakyness))

    @staticmethod
    def ameo() -> Activation:
        return Activation("ameo", 1.0, 0.0)

    @staticmethod
    def tanh() -> Activation:
        return Activation("tanh", 0.0, 0.0)

    @staticmethod
    def linear() -> Activation:
        return Activation("linear", 0.0, 0.0)

    @staticmethod
    def sign_ameo() -> Activation:
        return Activation("sign_ameo", 0.0, 0.0)

    @staticmethod
    def make(kind: str, factor: float | None = None, leakyness: float | None = None) -> Activation:
        """Build from a kind name and optional parameters, with the seed post's defaults."""
        if kind == "interpolated_ameo":
            return Activation.interpolated_ameo(0.5 if factor is None else factor,
                                                0.1 if leakyness is None else leakyness)
        if kind == "leaky_ameo":
            return Activation.leaky_ameo(0.1 if leakyness is None else leakyness)
        if kind in ("ameo", "tanh", "linear", "sign_ameo"):
            return getattr(Activation, kind)()
        raise ValueError(f"unknown activation {kind!r}; expected one of {', '.join(KINDS)}")

    def text(self) -> str:
        """Canonical source text, e.g. ``interpolated_ameo(factor=0.5, leakyness=0.1)``."""
        if self.kind == "interpolated_ameo":
            return f"interpolated_ameo(factor={self.factor!r}, leakyness={self.leakyness!r})"
        if self.kind == "leaky_ameo":
            return f"leaky_ameo(leakyness={self.leakyness!r})"
        return self.kind

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the function elementwise."""
        x = np.asarray(x)
        if self.kind == "linear":
            return x.copy()
        if self.kind == "tanh":
            return np.tanh(x)
        if self.kind == "sign_ameo":
            return _sign_ameo(x)
        if self.kind in ("ameo", "leaky_ameo"):
            return _hard(x, self.leakyness)
        f = self.factor
        if f == 1.0:  # the hard Ameo: the soft part has weight 0 (skipping it only loses a zero's sign)
            return _hard(x, self.leakyness)
        return _hard(x, self.leakyness) * f + (1.0 - f) * _soft(x, self.leakyness)

    __call__ = forward

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """The hand-written derivative (left-continuous at breakpoints)."""
        x = np.asarray(x)
        if self.kind == "linear":
            return np.ones_like(x)
        if self.kind == "sign_ameo":
            return np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else np.float64)
        if self.kind == "tanh":
            t = np.tanh(x)
            return 1.0 - t * t
        if self.kind in ("ameo", "leaky_ameo"):
            return _hard_grad(x, self.leakyness)
        f = self.factor
        return _hard_grad(x, self.leakyness) * f + (1.0 - f) * _soft_grad(x, self.leakyness)

    def breakpoints(self) -> tuple[float, ...]:
        """Points where the piecewise definition switches (x coordinates)."""
        if self.kind in ("ameo", "leaky_ameo"):
            return (-3.0, -1.0, 1.0, 3.0)
        if self.kind == "sign_ameo":
            return SIGN_AMEO_BREAKPOINTS
        if self.kind == "interpolated_ameo":
            # soft part: u in {-2,-1.5,-0.5,0.5,1} <=> x = 2u + 1
            return (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
        return ()
