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
    binary_states: bool = False  # each state is sign_ameo of its pre-activation (model.binary_states)


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
            cells.append(CellShape(width, cfg.outputs, cfg.states, cfg.activation, cfg.initializer,
                                   spec.model.binary_states))
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


# Shapes tinygrad's CPU code generator handles well (docs/performance.md, "Third session"). Its
# heuristics only unroll ("upcast") an output axis whose size is a multiple of 3 or 4, and only in
# kernels with at least 1024 outputs; the seed post's cells are 13 x 26 and 26 x 26, so their weight
# gradients ran as plain loops that stream both 20,000-row operands once per output.
PAD_TO = 4  # weight matrices are stored with rows and columns padded (with zeros) to multiples of 4
CHUNKS = (8, 4, 2)  # the weight gradient is summed from this many row blocks (the first that divides)
GROUP = 5  # per-step tensors are stacked, and per-step gradients gathered, five timesteps at a time


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def _stack(pieces: list[Tensor]) -> Tensor:
    """``Tensor.stack(pieces, dim=2)``, built from stacks of ``GROUP`` pieces.

    One stack of all timesteps is one kernel in which every output element selects among all
    ``length`` inputs (20-40 loads per element); stacking in groups first costs an extra copy but
    ``GROUP + length / GROUP`` loads. Backward, slicing the result gathers likewise.
    """
    groups = [Tensor.stack(*pieces[i : i + GROUP], dim=2).contiguous() for i in range(0, len(pieces), GROUP)]
    return groups[0] if len(groups) == 1 else Tensor.cat(*groups, dim=2)


def _timesteps(seq: Tensor) -> list[Tensor]:
    """``[seq[:, :, t] for t in range(length)]``, sliced in groups so that the backward pass gathers
    the per-step gradients in two cheap kernels instead of one that reads all of them per element."""
    steps = []
    for start in range(0, seq.shape[2], GROUP):
        group = seq[:, :, start : start + GROUP].contiguous_backward()
        steps += [group[:, :, t] for t in range(group.shape[2])]
    return steps


class BonsaiNet:
    """The batched network in tinygrad: ``net(x [K,B,T,I]) -> outputs [K,B,T,O]``.

    ``params`` are the trainable *storage* tensors: the same names and values as the numpy
    parameters it was built from, except that each cell's weight matrix is stored padded with zero
    rows and columns to multiples of ``PAD_TO`` (the shapes tinygrad generates fast code for). The
    padding never changes a value: padded rows multiply zero inputs and padded columns are sliced
    off, so their gradient is exactly zero, and Adam and the regularizer (which sees :meth:`views`)
    leave them at zero. :meth:`from_storage` and :meth:`to_storage` convert arrays.
    """

    def __init__(self, shape: NetShape, params: dict[str, np.ndarray], device: str | None = None) -> None:
        self.shape = shape
        self.restarts = next(iter(params.values())).shape[0]
        self.real_shapes = {name: value.shape for name, value in params.items()}
        self.params = {name: Tensor(self.to_storage(name, value), device=device) for name, value in params.items()}

    def storage_shape(self, name: str) -> tuple[int, ...]:
        real = self.real_shapes[name]
        if name.startswith("cell") and name.endswith(".w"):
            return (real[0], _round_up(real[1], PAD_TO), _round_up(real[2], PAD_TO))
        return real

    def to_storage(self, name: str, value: np.ndarray) -> np.ndarray:
        """``value`` (real shape) zero-padded to the stored shape of parameter ``name``."""
        padded = np.zeros(self.storage_shape(name), np.float32)
        padded[tuple(slice(0, n) for n in value.shape)] = value
        return padded

    def from_storage(self, name: str, value: np.ndarray) -> np.ndarray:
        """An array of ``name``'s stored shape (its value, gradient or Adam moment) at its real shape."""
        return value[tuple(slice(0, n) for n in self.real_shapes[name])]

    def views(self) -> dict[str, Tensor]:
        """Every parameter at its real shape (slices of the storage; the regularizer reads these)."""
        return {name: t[tuple(slice(0, n) for n in self.real_shapes[name])] for name, t in self.params.items()}

    def __call__(self, x: Tensor, noise: Tensor | None = None, init: Tensor | None = None,
                 carried: Tensor | None = None, binary: Tensor | None = None) -> Tensor:
        """``noise`` (``[K, B, T, total states]``, optional) is added to the state every cell reads
        at every step (``state_noise`` in the spec's train section).

        ``init`` (``[K, B, total states]``, optional) and ``carried`` (shape ``[1]``, 0.0 or 1.0):
        where ``carried`` is 1, every sequence starts from ``init`` instead of the trainable initial
        states (``carry`` in the train section: sequences that continue where the previous step's
        ended). ``binary`` (``[K, B, T, total states]`` of 0.0 and 1.0, optional) says, for cells with
        binary states, which states are binarized at which step (a random share while training:
        see :func:`binarize`); without it every state of such a cell is. Either way :attr:`final_states` holds, after the call, the values of the states the
        step after the last would read (``[K, B, total states]``, no gradient).

        Unrolled over time in two passes, so that backpropagation through time computes each
        weight gradient as one matmul over all timesteps (docs/performance.md has the measurements).

        Pass 1 runs the recurrence on detached values only, to learn the state every step reads.
        Pass 2 computes every step's pre-activation at once, ``[x_t, state_t] @ W + b`` for all t as
        one matmul (the dense layer likewise), and then steps through time adding
        ``(state - state.detach()) @ W_state.detach()``: exactly zero in value, but it carries the
        gradient back through the states, which is what makes it backpropagation *through time*.
        Autograd then finds ``dW = [x, state]^T @ delta`` as one large matmul instead of the sum of
        ``length`` small per-step products, which tinygrad fused into one badly shaped kernel
        (1.5x the steps/s on the 2-cell net; same gradients to float rounding, tests/train/test_model.py).
        That matmul runs on the padded weights, in ``CHUNKS`` row blocks whose gradients are summed
        afterwards: both make its kernel big and evenly shaped enough for tinygrad to unroll it.
        """
        k, batch, length, _ = x.shape
        rows_total = batch * length
        chunks = next((c for c in CHUNKS if rows_total % c == 0), 1)
        seq = x
        offset = 0
        finals = []
        for i, cell in enumerate(self.shape.cells):
            w, b, s0 = (self.params[f"cell{i}.{n}"] for n in ("w", "b", "s0"))
            start = s0.expand(k, batch, cell.states)
            if init is not None and carried is not None:
                start = start * (1.0 - carried) + init[..., offset : offset + cell.states] * carried
            if not cell.binary_states:
                quantize = lambda value, _pre, _t, _ste: value  # noqa: E731
            else:
                cell_mask = None if binary is None else binary[..., offset : offset + cell.states]
                quantize = lambda value, pre, t, ste, m=cell_mask, o=cell.outputs: binarize(  # noqa: E731
                    value, pre[:, :, o:], None if m is None else m[:, :, t, :], ste)
            if noise is None:
                perturb = lambda state, _t: state  # noqa: E731
            else:
                cell_noise = noise[..., offset : offset + cell.states]
                perturb = lambda state, t, n=cell_noise: state + n[:, :, t, :]  # noqa: E731
            offset += cell.states
            rows, width = cell.inputs + cell.states, cell.outputs + cell.states
            padded_rows, padded_width = w.shape[1], w.shape[2]
            wd, bd = w.detach()[:, :rows, :width], b.detach()
            w_state_const = wd[:, cell.inputs :, :]
            # pass 1: the state each step reads, values only
            seq_const = seq.detach()
            if cell.inputs:
                pre_in = (seq_const.reshape(k, rows_total, cell.inputs) @ wd[:, : cell.inputs, :]).reshape(
                    k, batch, length, width) + bd.unsqueeze(1)
            else:
                pre_in = bd.unsqueeze(1).expand(k, batch, length, width)
            state = start.detach()
            reads = []
            for t in range(length):
                state = perturb(state, t)
                reads.append(state)
                pre_t = pre_in[:, :, t, :] + state @ w_state_const
                state = quantize(activation.forward(cell.activation, pre_t)[:, :, cell.outputs :], pre_t, t, False)
            finals.append(state)
            read = _stack(reads)
            # pass 2: every pre-activation from one matmul (its weight gradient is one matmul too);
            # the zero-valued term carries the gradient back through the states (BPTT)
            joint = read if not cell.inputs else Tensor.cat(seq, read, dim=-1)
            joint = joint.pad(((0, 0), (0, 0), (0, 0), (0, padded_rows - rows)))
            w_chunks = w.unsqueeze(1).expand(k, chunks, padded_rows, padded_width).contiguous_backward()
            pre = (joint.reshape(k, chunks, rows_total // chunks, padded_rows) @ w_chunks).reshape(
                k, batch, length, padded_width)[..., :width] + b.unsqueeze(1)
            state = start
            outs = []
            for t, pre_t in enumerate(_timesteps(pre)):
                state = perturb(state, t)
                pre_t = pre_t + (state - state.detach()) @ w_state_const
                z = activation.apply(cell.activation, pre_t)
                outs.append(z[:, :, : cell.outputs])
                state = quantize(z[:, :, cell.outputs :], pre_t, t, True)
            seq = _stack(outs)
        self.final_states = finals[0] if len(finals) == 1 else Tensor.cat(*finals, dim=-1)
        if self.shape.has_dense:
            wd, bd = self.params["dense.w"], self.params["dense.b"]
            width = self.shape.cells[-1].outputs
            dense = (seq.reshape(k, rows_total, width) @ wd).reshape(k, batch, length, self.shape.n_outputs)
            # realizing the gradient at the pre-activation keeps tinygrad from recomputing the
            # activation's derivative once per dense weight inside the weight-gradient reduction
            seq = activation.apply(self.shape.dense_activation, (dense + bd.unsqueeze(1)).contiguous_backward())
        return seq


SIGN_AMEO = Activation.sign_ameo()


def binarize(value: Tensor, pre: Tensor, mask: Tensor | None, ste: bool) -> Tensor:
    """A binary cell's next states: ``sign_ameo(pre)`` where ``mask`` is 1 (everywhere without a
    mask), the cell's Ameo value ``value`` elsewhere.

    While training, the mask picks a random share of the states at every step
    (:data:`bonsaic.train.loop.BINARY_SHARE`), as quantization noise does for weights: a network
    trained with every state binarized from the start does not learn (traffic_light: 75-84% after
    5000 steps with a full mask, 3 proved restarts of 4 with half of them; benchmarks/TASKS.md),
    while one that sees both learns to keep its states where the sign and the Ameo agree. With ``ste`` the gradient
    goes straight through: the value is the binarized one, the gradient the Ameo's.
    """
    sign = activation.sign_ameo(pre.detach() if ste else pre)
    jump = sign - value if mask is None else mask * (sign - value)
    return value + (jump.detach() if ste else jump)


def numpy_forward(shape: NetShape, params: dict[str, np.ndarray], x: np.ndarray,
                  noise: np.ndarray | None = None) -> np.ndarray:
    """The same network in numpy (float32): validation runs here, so it never costs a tinygrad compile.

    ``x`` is ``[K, B, T, I]``; returns ``[K, B, T, O]``. ``noise`` is what :class:`BonsaiNet` takes.
    """
    k, batch, length, _ = x.shape
    seq = [x[:, :, t, :] for t in range(length)]
    offset = 0
    for i, cell in enumerate(shape.cells):
        w, b, s0 = (params[f"cell{i}.{n}"] for n in ("w", "b", "s0"))
        state = np.broadcast_to(s0, (k, batch, cell.states))
        outs = []
        for t, x_t in enumerate(seq):
            if noise is not None:
                state = state + noise[:, :, t, offset : offset + cell.states]
            pre = np.concatenate([x_t, state], axis=-1) @ w + b
            if cell.binary_states:  # the Ameo of the state columns would be thrown away: skip it
                outs.append(cell.activation.forward(pre[:, :, : cell.outputs]))
                state = SIGN_AMEO.forward(pre[:, :, cell.outputs:])
                continue
            z = cell.activation.forward(pre)
            outs.append(z[:, :, : cell.outputs])
            state = z[:, :, cell.outputs:]
        seq = outs
        offset += cell.states
    if shape.has_dense:
        seq = [shape.dense_activation.forward(y @ params["dense.w"] + params["dense.b"]) for y in seq]
    return np.stack(seq, axis=2)
