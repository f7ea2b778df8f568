"""The same model and training step in PyTorch (CPU), written the way a competent user would.

This is the baseline bonsaic's trainer is compared with (issue #21): it must be the best PyTorch a
user would write, not a straw man. So, per cell, the input part of ``c @ [W_out | W_rec]`` is one
matmul over all timesteps, and each timestep is one batched ``baddbmm`` of the state against the
state rows of ``[W_out | W_rec]`` plus one activation; nothing else runs in Python per step. The
Ameo is a ``torch.autograd.Function`` whose forward also evaluates the post's hand-written
derivative (the same expressions as :mod:`bonsaic.ir.ameo`, which bonsaic uses), so backward is one
multiply. Adam is ``torch.optim.Adam(fused=True)`` (its fastest CPU form). The caller picks the
thread count (``torch.set_num_threads``; the benchmark measures 1 and 2).

``compiled=True`` is ``torch.compile`` of the same code: the loss (forward and, through
AOTAutograd, backward) and the optimizer step are compiled separately, as the PyTorch tutorials do
it; :attr:`TorchStep.compile_seconds` is how long the first step took beyond a normal one.

K restarts are K independent networks batched along a leading axis (batched matmuls), exactly as
bonsaic trains them, so the same class measures restart-steps per second.

torch is a benchmark extra (``pip install torch==2.13.0``), never a dependency of bonsaic; import
this module only where torch may be missing and catch the ImportError.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from bonsaic.ir import ameo
from bonsaic.ir.activations import Activation
from bonsaic.train.model import NetShape


def _tensor_function(f: ameo.Piecewise):  # noqa: ANN202 - (x, leak) -> tensor
    """``f`` as plain Python over tensors, generated once from the Ameo table. (:func:`ameo.evaluate`
    runs the table with ``eval``, which ``torch.compile`` cannot trace: it broke the graph at every
    activation, and the compiled step ran slower than eager.)"""
    lines = [f"def {f.name}(x, leak):"]
    lines += [f"    {name} = {expr}" for name, expr in f.setup]
    lines.append(f"    y = {f.otherwise}")
    for condition, value in reversed(f.pieces):
        lines.append(f"    y = where({condition}, {value}, y)")
    lines.append(f"    return {f.result}")
    namespace = {"where": torch.where}
    exec("\n".join(lines), namespace)  # noqa: S102 - the table's own expressions
    return namespace[f.name]


_FUNCTIONS = {f.name: _tensor_function(f) for f in ameo.TABLE}


def _piecewise(f: ameo.Piecewise, x: torch.Tensor, leak: float) -> torch.Tensor:
    out = _FUNCTIONS[f.name](x, leak)
    return out if isinstance(out, torch.Tensor) else torch.full_like(x, out)


def value_and_derivative(act: Activation, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``act(x)`` and the hand-written ``act'(x)``, from the one Ameo table bonsaic also uses."""
    leak = act.leakyness
    if act.kind == "linear":
        return x, torch.ones_like(x)
    if act.kind == "tanh":
        t = torch.tanh(x)
        return t, 1 - t * t
    hard, hard_grad = _piecewise(ameo.HARD, x, leak), _piecewise(ameo.HARD_GRAD, x, leak)
    if act.kind in ("ameo", "leaky_ameo") or act.factor == 1.0:
        return hard, hard_grad
    f = act.factor
    return (hard * f + _piecewise(ameo.SOFT, x, leak) * (1 - f),
            hard_grad * f + _piecewise(ameo.SOFT_GRAD, x, leak) * (1 - f))


def activation_function(act: Activation) -> type[torch.autograd.Function]:
    """A ``torch.autograd.Function`` for ``act``: forward saves the hand-written derivative, backward
    multiplies by it (no autograd through the where-chain; its gradient differs at breakpoints)."""

    class Ameo(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # noqa: ANN001
            y, dy = value_and_derivative(act, x)
            ctx.save_for_backward(dy)
            return y

        @staticmethod
        def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # noqa: ANN001
            (dy,) = ctx.saved_tensors
            return grad * dy

    return Ameo


class TorchStep:
    """One training step (forward, MSE, sparse regularizer, backward, Adam) of the K-restart
    network on fixed data: what the benchmark times."""

    def __init__(self, shape: NetShape, params: dict[str, np.ndarray], reg, lr: float,  # noqa: ANN001
                 device: str = "cpu", compiled: bool = False) -> None:
        self.shape, self.reg, self.compiled = shape, reg, compiled
        self.params = {n: torch.tensor(v, requires_grad=True, device=device) for n, v in params.items()}
        self.acts = [activation_function(cell.activation).apply for cell in shape.cells]
        self.dense_act = activation_function(shape.dense_activation).apply
        self.regularized = [n for n in self.params if n.endswith(".w") or (reg.biases and n.endswith(".b"))]
        self.opt = torch.optim.Adam(self.params.values(), lr=lr, fused=not compiled)
        self._loss = torch.compile(self.loss) if compiled else self.loss
        self._opt_step = torch.compile(self.opt.step) if compiled else self.opt.step
        self.compile_seconds: float | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x [K, B, T, I] -> outputs [K, B, T, O]``."""
        k, batch, length, _ = x.shape
        seq = x
        for i, cell in enumerate(self.shape.cells):
            w, b, s0 = (self.params[f"cell{i}.{n}"] for n in ("w", "b", "s0"))
            width = cell.outputs + cell.states
            if cell.inputs:  # the input projection of every timestep in one matmul
                pre = torch.baddbmm(b, seq.reshape(k, batch * length, cell.inputs), w[:, : cell.inputs])
                pre = pre.view(k, batch, length, width)
            else:
                pre = b.unsqueeze(1).expand(k, batch, length, width)
            w_state = w[:, cell.inputs :]
            state = s0.expand(k, batch, cell.states)
            outs = []
            for t in range(length):
                z = self.acts[i](torch.baddbmm(pre[:, :, t], state, w_state))
                outs.append(z[..., : cell.outputs])
                state = z[..., cell.outputs :]
            seq = torch.stack(outs, dim=2)
        if self.shape.has_dense:
            w, b = self.params["dense.w"], self.params["dense.b"]
            width = self.shape.cells[-1].outputs
            dense = torch.baddbmm(b, seq.reshape(k, batch * length, width), w)
            seq = self.dense_act(dense).view(k, batch, length, self.shape.n_outputs)
        return seq

    def regularization(self) -> torch.Tensor:
        """The seed post's regularizer per restart, summed over the regularized tensors: ``[K]``."""
        r = self.reg
        total = 0.0
        for name in self.regularized:
            a = self.params[name].abs()
            t = torch.tanh((a - r.threshold) * r.steepness) - math.tanh(-r.threshold * r.steepness)
            total = total + (t * r.intensity + a * r.l1).flatten(1).mean(dim=1)
        return total

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-restart MSE plus regularizer, summed over restarts (restarts never interact)."""
        return (((self.forward(x) - y) ** 2).mean(dim=(1, 2, 3)) + self.regularization()).sum()

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> float:
        start = time.perf_counter() if self.compile_seconds is None else 0.0
        self.opt.zero_grad(set_to_none=False)
        loss = self._loss(x, y)
        loss.backward()
        self._opt_step()
        value = float(loss.item())
        if self.compile_seconds is None:
            self.compile_seconds = time.perf_counter() - start
        return value
