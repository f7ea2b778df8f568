"""The seed post's sparsity-promoting regularizer, exactly as it defines it.

For a weight tensor ``w`` with ``n`` entries, threshold ``t``, steepness ``s``, intensity ``i_T`` and
L1 intensity ``i_L1``::

    T(w) = tanh((|w| - t) * s) - tanh(-t * s)
    R(w) = mean(i_T * T(w) + i_L1 * |w|)

``T`` is ~0 below the threshold and ~constant above it, so a weight of 1.5 costs barely more than
one of 0.1; the small L1 term supplies the gradient that actually pushes useless weights to zero.

Like a Keras kernel regularizer, ``R`` is applied to each tensor separately and the results are
summed: both kernels of every cell (stored side by side, so one tensor per cell), the dense layer,
and the biases when the spec asks for it. The mean runs over one restart's slice, so every restart
gets its own penalty (shape ``[K]``).
"""

from __future__ import annotations

import math

import numpy as np
from tinygrad import Tensor


def sparse_penalty(w: Tensor, intensity: float, threshold: float, steepness: float, l1: float) -> Tensor:
    """``R(w)`` for each restart slice ``w[k]``: shape ``[K]``."""
    a = w.abs()
    t = ((a - threshold) * steepness).tanh() - math.tanh(-threshold * steepness)
    axes = tuple(range(1, w.ndim))
    return (t * intensity + a * l1).mean(axis=axes)


def regularization(params: dict[str, Tensor], cfg) -> Tensor:  # noqa: ANN001 - spec RegularizerConfig
    """Sum of ``R`` over the regularized tensors (kernels, plus biases if ``cfg.biases``): ``[K]``."""
    names = [n for n in params if n.endswith(".w") or (cfg.biases and n.endswith(".b"))]
    total = sparse_penalty(params[names[0]], cfg.intensity, cfg.threshold, cfg.steepness, cfg.l1)
    for name in names[1:]:
        total = total + sparse_penalty(params[name], cfg.intensity, cfg.threshold, cfg.steepness, cfg.l1)
    return total


def regularization_numpy(params: dict[str, np.ndarray], cfg) -> np.ndarray:  # noqa: ANN001
    """The same sum in numpy, per restart: evaluation and selection use it without a tinygrad compile."""
    total = np.zeros(next(iter(params.values())).shape[0])
    for name, w in params.items():
        if name.endswith(".w") or (cfg.biases and name.endswith(".b")):
            a = np.abs(w.astype(np.float64))
            t = np.tanh((a - cfg.threshold) * cfg.steepness) - math.tanh(-cfg.threshold * cfg.steepness)
            total += (t * cfg.intensity + a * cfg.l1).reshape(len(w), -1).mean(axis=1)
    return total
