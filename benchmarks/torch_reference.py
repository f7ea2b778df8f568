"""The same model and training step in PyTorch (CPU, eager), for the throughput comparison only.

torch is a benchmark extra (``pip install torch==2.13.0``), never a dependency of bonsaic; import
this module only where torch may be missing and catch the ImportError. The step mirrors
:mod:`bonsaic.train`: batched restarts, fused ``c @ [W_out|W_rec]`` per cell, the interpolated Ameo
with its hand-written derivative attached by the same detach identity, the sparse regularizer, MSE
and Adam.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from bonsaic.ir.activations import Activation
from bonsaic.train.model import NetShape


def _select(conds: list[torch.Tensor], values: list, default) -> torch.Tensor:
    out = default
    for cond, value in zip(reversed(conds), reversed(values), strict=True):
        out = torch.where(cond, value, out)
    return out


def _forward(act: Activation, x: torch.Tensor) -> torch.Tensor:
    leak, f = act.leakyness, act.factor
    hard = _select([x <= -3, x <= -1, x <= 1, x <= 3], [(x + 3) * leak - 1, x + 2, -x, x - 2],
                   (x - 3) * leak + 1)
    u = x * 0.5 - 0.5
    u2, p = u * u, u + 2
    u3, u4 = u2 * u, u2 * u2
    soft = _select([u <= -2, u <= -1.5, u <= -0.5, u <= 0.5, u <= 1],
                   [(u + 2) * leak, p * p * p * p * 8, -8 * u4 - 32 * u3 - 48 * u2 - 32 * u - 7, 8 * u4,
                    -8 * u4 + 32 * u3 - 48 * u2 + 32 * u - 7], (u - 1) * leak + 1)
    return hard * f + (soft - 0.5) * 2 * (1 - f)


def _derivative(act: Activation, x: torch.Tensor) -> torch.Tensor:
    leak, f = act.leakyness, act.factor
    one = torch.ones_like(x)
    hard = _select([x <= -3, x <= -1, x <= 1, x <= 3], [one * leak, one, -one, one], one * leak)
    u = x * 0.5 - 0.5
    u2, p = u * u, u + 2
    u3 = u2 * u
    soft = _select([(u <= -2) | (u >= 1), u <= -1.5, u <= -0.5, u <= 0.5],
                   [one * leak, 32 * p * p * p, -32 * u3 - 96 * u2 - 96 * u - 32, 32 * u3],
                   -32 * u3 + 96 * u2 - 96 * u + 32)
    return hard * f + soft * (1 - f)


def apply(act: Activation, x: torch.Tensor) -> torch.Tensor:
    x0 = x.detach()
    return _forward(act, x0) + (x - x0) * _derivative(act, x0)


class TorchStep:
    """One training step of the batched network on fixed data (what the benchmark times)."""

    def __init__(self, shape: NetShape, params: dict[str, np.ndarray], reg, lr: float,  # noqa: ANN001
                 device: str = "cpu") -> None:
        torch.manual_seed(0)
        self.shape, self.reg = shape, reg
        self.params = {n: torch.tensor(v, requires_grad=True, device=device) for n, v in params.items()}
        self.opt = torch.optim.Adam(self.params.values(), lr=lr)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, batch, length, _ = x.shape
        seq = [x[:, :, t, :] for t in range(length)]
        for i, cell in enumerate(self.shape.cells):
            w, b, s0 = (self.params[f"cell{i}.{n}"] for n in ("w", "b", "s0"))
            state = s0.expand(k, batch, cell.states)
            outs = []
            for x_t in seq:
                z = apply(cell.activation, torch.cat([x_t, state], dim=-1) @ w + b)
                outs.append(z[:, :, : cell.outputs])
                state = z[:, :, cell.outputs:]
            seq = outs
        if self.shape.has_dense:
            seq = [apply(self.shape.dense_activation, y @ self.params["dense.w"] + self.params["dense.b"])
                   for y in seq]
        return torch.stack(seq, dim=2)

    def regularization(self) -> torch.Tensor:
        r = self.reg
        total = 0.0
        for name, w in self.params.items():
            if name.endswith(".w") or (r.biases and name.endswith(".b")):
                a = w.abs()
                t = torch.tanh((a - r.threshold) * r.steepness) - math.tanh(-r.threshold * r.steepness)
                total = total + (t * r.intensity + a * r.l1).flatten(1).mean(dim=1)
        return total

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.opt.zero_grad()
        loss = (((self.forward(x) - y) ** 2).mean(dim=(1, 2, 3)) + self.regularization()).sum()
        loss.backward()
        self.opt.step()
        return float(loss.item())
