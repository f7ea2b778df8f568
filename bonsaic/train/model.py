"""The seed post's custom RNN, as K independent networks trained as one batched model.

Per step a cell computes ``c = concat(x_t, state)``, ``output = A(c @ W_out + b_out)`` and
``new_state = A(c @ W_rec + b_rec)``. The two kernels are stored side by side as one matrix
``W = [W_out | W_rec]`` of shape ``[inputs + states, outputs + states]`` so a step is one matmul
(measured faster in tinygrad, ``docs/performance.md``); rows are the cell's inputs then its states,
columns its outputs then its next states. Cells stack, and a dense layer maps the last cell's
outputs to the task's outputs when the widths differ. Initial states are trainable.

Every parameter has a leading restart axis ``K``: restart ``k`` only ever touches slice ``k``
(batched matmuls, per-restart loss summed), so K restarts train exactly as K separate networks
would, in one kernel launch sequence instead of K.

Initial values come from numpy (``numpy.random.Generator``) so a seed means the same network on
every device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tinygrad import Tensor

from bonsaic.ir.activations import Activation
from bonsaic.train import activation

INITIALIZERS = ("glorot_normal", "glorot_uniform", "kaiming_normal", "kaiming_uniform", "normal", "uniform",
                "zeros")


@dataclass(frozen=True)
class CellShape:
    """One cell's sizes and activation (what the spec's ``model {}`` section says about it)."""

    inputs: int
    outputs: int
    states: int
    activation: Activation
    initializer: str = "glorot_normal"


@dataclass(frozen=True)
class NetShape:
    """The whole network: stacked cells, then an optional dense layer to ``n_outputs``."""

    cells: tuple[CellShape, ...]
    n_outputs: int
    dense_activation: Activation

    @property
    def has_dense(self) -> bool:
        return self.cells[-1].outputs != self.n_outputs

    @staticmethod
    def from_spec(spec) -> NetShape:  # noqa: ANN001 - bonsaic.spec.Spec, duck-typed to keep layers apart
        """Read ``spec.model``; cell ``i`` reads the task inputs (i = 0) or cell ``i-1``'s outputs."""
        cells = []
        width = len(spec.inputs)
        for cfg in spec.model.cells:
            cells.append(CellShape(width, cfg.outputs, cfg.states, cfg.activation, cfg.initializer))
            width = cfg.outputs
        return NetShape(tuple(cells), len(spec.outputs), spec.model.dense_activation)


def _truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], std: float) -> np.ndarray:
    """Normal values redrawn until within 2 std, rescaled so the kept values keep variance ``std**2``."""
    values = rng.standard_normal(shape)
    while (bad := np.abs(values) > 2.0).any():
        values[bad] = rng.standard_normal(int(bad.sum()))
    return values * (std / 0.87962566103423978)


def init_matrix(rng: np.random.Generator, kind: str, shape: tuple[int, ...], fan_in: int,
                fan_out: int) -> np.ndarray:
    """Keras-style initializers (the post trained with Keras), float32. Normals are truncated."""
    if kind == "glorot_normal":
        values = _truncated_normal(rng, shape, np.sqrt(2.0 / (fan_in + fan_out)))
    elif kind == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        values = rng.uniform(-limit, limit, shape)
    elif kind == "kaiming_normal":
        values = _truncated_normal(rng, shape, np.sqrt(2.0 / fan_in))
    elif kind == "kaiming_uniform":
        limit = np.sqrt(6.0 / fan_in)
        values = rng.uniform(-limit, limit, shape)
    elif kind == "normal":
        values = rng.standard_normal(shape) * 0.05
    elif kind == "uniform":
        values = rng.uniform(-0.05, 0.05, shape)
    elif kind == "zeros":
        values = np.zeros(shape)
    else:
        raise ValueError(f"unknown initializer {kind!r}; expected one of {', '.join(INITIALIZERS)}")
    return values.astype(np.float32)


def init_params(shape: NetShape, restarts: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Fresh parameters for ``restarts`` networks, named ``cell{i}.w|b|s0`` and ``dense.w|b``."""
    params: dict[str, np.ndarray] = {}
    for i, cell in enumerate(shape.cells):
        fan_in = cell.inputs + cell.states
        w_out = init_matrix(rng, cell.initializer, (restarts, fan_in, cell.outputs), fan_in, cell.outputs)
        w_rec = init_matrix(rng, cell.initializer, (restarts, fan_in, cell.states), fan_in, cell.states)
        params[f"cell{i}.w"] = np.concatenate([w_out, w_rec], axis=2)
        params[f"cell{i}.b"] = np.zeros((restarts, 1, cell.outputs + cell.states), np.float32)
        params[f"cell{i}.s0"] = rng.uniform(-1.0, 1.0, (restarts, 1, cell.states)).astype(np.float32)
    if shape.has_dense:
        last = shape.cells[-1]
        params["dense.w"] = init_matrix(rng, last.initializer, (restarts, last.outputs, shape.n_outputs),
                                        last.outputs, shape.n_outputs)
        params["dense.b"] = np.zeros((restarts, 1, shape.n_outputs), np.float32)
    return params


def kernel_names(params: dict[str, object]) -> list[str]:
    """The weight matrices (what the regularizer always covers)."""
    return [name for name in params if name.endswith(".w")]


def bias_names(params: dict[str, object]) -> list[str]:
    return [name for name in params if name.endswith(".b")]


class BonsaiNet:
    """The batched network in tinygrad: ``net(x [K,B,T,I]) -> outputs [K,B,T,O]``."""

    def __init__(self, shape: NetShape, params: dict[str, np.ndarray], device: str | None = None) -> None:
        self.shape = shape
        self.params = {name: Tensor(value, device=device) for name, value in params.items()}
        self.restarts = next(iter(params.values())).shape[0]

    def __call__(self, x: Tensor) -> Tensor:
        """Unrolled over time in two passes, so that backpropagation through time computes each
        weight gradient as one matmul over all timesteps (docs/performance.md has the measurements).

        Pass 1 runs the recurrence on detached values only, to learn the state every step reads.
        Pass 2 computes every step's pre-activation at once, ``[x_t, state_t] @ W + b`` for all t as
        one matmul (the dense layer likewise), and then steps through time adding
        ``(state - state.detach()) @ W_state.detach()``: exactly zero in value, but it carries the
        gradient back through the states, which is what makes it backpropagation *through time*.
        Autograd then finds ``dW = [x, state]^T @ delta`` as one large matmul instead of the sum of
        ``length`` small per-step products, which tinygrad fused into one badly shaped kernel
        (1.5x the steps/s on the 2-cell net; same gradients to float rounding, tests/train/test_model.py).
        """
        k, batch, length, _ = x.shape
        seq = x
        for i, cell in enumerate(self.shape.cells):
            w, b, s0 = (self.params[f"cell{i}.{n}"] for n in ("w", "b", "s0"))
            width = cell.outputs + cell.states
            wd, bd = w.detach(), b.detach()
            w_state_const = wd[:, cell.inputs :, :]
            # pass 1: the state each step reads, values only
            seq_const = seq.detach()
            if cell.inputs:
                pre_in = (seq_const.reshape(k, batch * length, cell.inputs) @ wd[:, : cell.inputs, :]).reshape(
                    k, batch, length, width) + bd.unsqueeze(1)
            else:
                pre_in = bd.unsqueeze(1).expand(k, batch, length, width)
            state = s0.detach().expand(k, batch, cell.states)
            reads = []
            for t in range(length):
                reads.append(state)
                state = activation.forward(cell.activation, pre_in[:, :, t, :] + state @ w_state_const)[
                    :, :, cell.outputs :]
            read = Tensor.stack(*reads, dim=2)
            # pass 2: every pre-activation from one matmul (its weight gradient is one matmul too);
            # the zero-valued term carries the gradient back through the states (BPTT)
            joint = read if not cell.inputs else Tensor.cat(seq, read, dim=-1)
            pre = (joint.reshape(k, batch * length, cell.inputs + cell.states) @ w).reshape(
                k, batch, length, width) + b.unsqueeze(1)
            state = s0.expand(k, batch, cell.states)
            outs = []
            for t in range(length):
                z = activation.apply(cell.activation, pre[:, :, t, :] + (state - state.detach()) @ w_state_const)
                outs.append(z[:, :, : cell.outputs])
                state = z[:, :, cell.outputs :]
            seq = Tensor.stack(*outs, dim=2)
        if self.shape.has_dense:
            wd, bd = self.params["dense.w"], self.params["dense.b"]
            width = self.shape.cells[-1].outputs
            dense = (seq.reshape(k, batch * length, width) @ wd).reshape(k, batch, length, self.shape.n_outputs)
            seq = activation.apply(self.shape.dense_activation, dense + bd.unsqueeze(1))
        return seq


def numpy_forward(shape: NetShape, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The same network in numpy (float32): validation runs here, so it never costs a tinygrad compile.

    ``x`` is ``[K, B, T, I]``; returns ``[K, B, T, O]``.
    """
    k, batch, length, _ = x.shape
    seq = [x[:, :, t, :] for t in range(length)]
    for i, cell in enumerate(shape.cells):
        w, b, s0 = (params[f"cell{i}.{n}"] for n in ("w", "b", "s0"))
        state = np.broadcast_to(s0, (k, batch, cell.states))
        outs = []
        for x_t in seq:
            z = cell.activation.forward(np.concatenate([x_t, state], axis=-1) @ w + b)
            outs.append(z[:, :, : cell.outputs])
            state = z[:, :, cell.outputs:]
        seq = outs
    if shape.has_dense:
        seq = [shape.dense_activation.forward(y @ params["dense.w"] + params["dense.b"]) for y in seq]
    return np.stack(seq, axis=2)
