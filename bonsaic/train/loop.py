"""The training loop: one TinyJit step, fresh-data validation, NaN recovery, checkpoints, resume.

The loop follows the seed post's recipe. Each step draws a fresh batch from the spec's generator
(prepared in a background thread while the previous step runs), minimises MSE on ±1 targets plus
the sparse regularizer with Adam, and applies the spec's schedule. Every ``eval_every`` steps it
measures sign accuracy on fresh validation sequences, in numpy so validation never costs a tinygrad
compile. A restart is *solved* at 100% accuracy; training continues past that point because the
regularizer keeps sparsifying a solved network (the post's key finding), and the best solved network
of each restart (lowest regularization loss) is kept.

Determinism: batch ``n`` is generated from ``(seed, n)`` alone, and the whole mutable state
(parameters, optimizer moments, learning rate, regularizer scale, step) lives in tinygrad buffers
that a checkpoint saves and restores, so a resumed run repeats an uninterrupted one bit for bit.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tinygrad import Tensor, TinyJit
from tinygrad.helpers import Context
from tinygrad.nn import optim

from bonsaic.train import hostwait, jitcache, reseed
from bonsaic.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from bonsaic.train.log import LossLog
from bonsaic.train.model import BonsaiNet, NetShape, init_params, kernel_names, numpy_forward
from bonsaic.train.prune import Pruner, mask_name
from bonsaic.train.regularizer import regularization, regularization_numpy
from bonsaic.train.settings import TrainSettings

hostwait.install()  # the host naps instead of spinning while a step runs (bonsaic.train.hostwait)

MAX_RECOVERIES = 8
HARM_SEQUENCES = 128  # validation sequences that score which weights a prune removes
LR_BACKOFF = 0.5
DATA_STREAM, VALIDATION_STREAM, NOISE_STREAM, BINARY_STREAM = 0, 1, 2, 3
# With binary states, the share of states binarized at each training step (the rest keep the Ameo's
# value; see bonsaic.train.model.binarize). Validation, the verifier and every back end binarize all.
# BONSAIC_BINARY_SHARE overrides it for studies (benchmarks/defaults_study.py's `binary_all`).
BINARY_SHARE = 0.5


def binary_share() -> float:
    """:data:`BINARY_SHARE`, or the ``BONSAIC_BINARY_SHARE`` environment variable (0 to 1)."""
    text = os.environ.get("BONSAIC_BINARY_SHARE")
    if text is None:
        return BINARY_SHARE
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"BONSAIC_BINARY_SHARE must be between 0 and 1, got {text!r}")
    return value


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. the loss keeps diverging after every recovery)."""


SETTLE_FACTOR = 2  # with settings.settle, a run ends at max(steps / 2, this x the first solved step)
MAX_FALLBACKS = 8  # earlier best snapshots kept per restart, tried in turn if the best fails to verify


def thin_fallbacks(snapshots: list[Snapshot], keep: int = MAX_FALLBACKS) -> list[Snapshot]:
    """At most ``keep`` of ``snapshots`` (oldest first), spread over the run: the oldest and the
    newest stay, and each removal takes the one whose neighbours are closest in steps. Keeping
    only the newest would lose every network from before a late stretch of fragile ones (pruning
    runs whose last eight bests all failed the verifier wrote nothing although earlier, larger
    networks had been solved for thousands of steps)."""
    out = list(snapshots)
    while len(out) > keep:
        gaps = [out[i + 1].step - out[i - 1].step for i in range(1, len(out) - 1)]
        del out[1 + int(np.argmin(gaps))]
    return out


def stream_seed(seed: int, step: int, stream: int) -> int:
    """A data seed that depends only on the run seed, the step and the stream (train/validation)."""
    return int(np.random.SeedSequence([seed, step, stream]).generate_state(1)[0])


@dataclass
class Snapshot:
    """A restart's best solved network: the step, its regularization loss, its weights and how many
    of its kernel weights are at least the regularizer's threshold (``large``)."""

    step: int
    reg: float
    params: dict[str, np.ndarray]
    large: int = 0

    def rank(self, pruning: bool) -> tuple[float, ...]:
        """Smaller is better: the regularization loss; with pruning, the weights left come first
        (the tanh term barely notices a pruned weight, so a sparser network can have a higher loss)."""
        return (self.large, self.reg) if pruning else (self.reg,)


@dataclass
class EvalReport:
    """What one validation pass measured, per restart."""

    step: int
    mse: np.ndarray
    reg: np.ndarray
    accuracy: np.ndarray
    sparsity: np.ndarray
    lr: float
    steps_per_second: float
    events: list[str] = field(default_factory=list)

    @property
    def solved(self) -> np.ndarray:
        return self.accuracy >= 1.0


def _mix(program: Any, s: TrainSettings) -> dict[str, str]:
    """The ``mix`` argument for ``program.generate`` (stand-in programs in tests take none)."""
    from bonsaic.spec import Program

    return {"mix": s.data} if isinstance(program, Program) else {}


def carried(s: TrainSettings, step: int) -> bool:
    """Whether step ``step``'s sequences continue the previous step's (``carry``: chains of
    ``carry`` steps, the first of each starting from the initial state)."""
    return s.carry > 1 and step % s.carry != 0


def training_batch(program: Any, s: TrainSettings, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Step ``step``'s inputs and targets, ``[restarts, batch, length, ...]`` each (a pure function
    of the seed and the step, which is what makes resumed runs bit for bit).

    With ``carry``, a step inside a chain continues the sequences of the chain's earlier steps:
    those are generated again (cheap next to a training step) for the spec states they end in."""
    n, mix = s.restarts * s.batch, _mix(program, s)
    if not carried(s, step):
        x, y = program.generate(n, s.length, stream_seed(s.seed, step, DATA_STREAM), **mix)
    else:
        start = None
        for earlier in range(step - step % s.carry, step):
            _x, _y, start = program.continue_sequences(n, s.length, stream_seed(s.seed, earlier, DATA_STREAM),
                                                       start=start, **mix)
        x, y, _end = program.continue_sequences(n, s.length, stream_seed(s.seed, step, DATA_STREAM),
                                                start=start, **mix)
    return (x.reshape(s.restarts, s.batch, s.length, -1), y.reshape(s.restarts, s.batch, s.length, -1))


def _optimizer_state(opt: optim.Optimizer) -> dict[str, Tensor]:
    """Every tensor the optimizer carries between steps (lr, Adam moments, bias corrections...)."""
    state: dict[str, Tensor] = {}
    for name, value in sorted(vars(opt).items()):
        if name in ("params", "buffers"):
            continue
        if isinstance(value, Tensor):
            state[f"opt.{name}"] = value
        elif isinstance(value, list) and value and all(isinstance(t, Tensor) for t in value):
            state.update({f"opt.{name}.{i}": t for i, t in enumerate(value)})
    return state


def _make_optimizer(kind: str, params: list[Tensor], lr: float) -> optim.Optimizer:
    if kind == "adam":
        return optim.Adam(params, lr=lr)
    if kind == "adamw":
        return optim.AdamW(params, lr=lr)
    if kind == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9)
    raise ValueError(f"unknown optimizer {kind!r}")


class Trainer:
    """Trains ``settings.restarts`` networks for one spec; :meth:`run` can be called repeatedly."""

    def __init__(self, spec: Any, settings: TrainSettings, log: LossLog | None = None,
                 program: Any = None) -> None:
        """``program`` defaults to ``bonsaic.spec.Program(spec)`` (anything with ``generate``)."""
        if program is None:
            from bonsaic.spec import Program

            program = Program(spec)
        self.spec, self.settings, self.log, self.program = spec, settings, log, program
        self.shape = NetShape.from_spec(spec)
        self._binary = any(cell.binary_states for cell in self.shape.cells)
        self._binary_share = binary_share() if self._binary else 0.0
        rng = np.random.default_rng(settings.seed)
        self.net = BonsaiNet(self.shape, init_params(self.shape, settings.restarts, rng), settings.device)
        self.opt = _make_optimizer(settings.optimizer, list(self.net.params.values()), settings.lr)
        self.reg_scale = Tensor([1.0], device=settings.device)
        # with ``carry``: the state each sequence ended in at the last step (a checkpointed buffer)
        self.carry = (Tensor.zeros(settings.restarts, settings.batch, sum(c.states for c in self.shape.cells),
                                   device=settings.device).contiguous() if settings.carry > 1 else None)
        self.pruner = (Pruner(settings.prune.every, settings.prune.rate, settings.restarts)
                       if settings.prune is not None else None)
        self.masks = {name: Tensor(self.net.to_storage(name, np.ones(self.net.real_shapes[name], np.float32)),
                                   device=settings.device)
                      for name in kernel_names(self.net.params)} if self.pruner is not None else {}
        self.step = 0
        self.best: dict[int, Snapshot] = {}
        self.fallbacks: dict[int, list[Snapshot]] = {}  # earlier bests per restart, oldest first
        self.best_reg_step = 0
        self.recoveries = 0
        self.reseeds: dict[int, int] = {}  # restart -> how many fresh starts it had (bonsaic.train.reseed)
        # each restart's training error at the last reseeding point or at its first evaluation (NaN: none yet)
        self.reseed_reference = np.full(settings.restarts, np.nan)
        # give_up: end the run ("hopeless") where the last reseeding point finds every restart stuck
        # and none ever solved; set by an escalation that has a later configuration to spend the time on
        self.give_up = False
        self.hopeless = False
        self.last_report: EvalReport | None = None
        self._events: list[str] = []  # logged since the last evaluation
        Tensor.realize(*self._state_tensors().values())  # the JIT then captures exactly these buffers
        self._last_good = (self.step, self._state_arrays())
        self._jit_key: str | None = None  # set while the step still has to be captured and saved
        self._jit_step, self.jit_cached = self._make_step()
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: tuple[int, Future] | None = None
        self._inputs: list[Tensor] | None = None  # the step's input buffers (:meth:`_feed`)
        self._clock = (time.perf_counter(), self.step)

    # -- the captured step ---------------------------------------------------------------------
    def _jit_key_parts(self) -> dict[str, Any]:
        """What the captured step's kernels depend on besides code and machine (see jitcache)."""
        s = self.settings
        return {"shape": repr(self.shape), "batch": s.batch, "length": s.length, "restarts": s.restarts,
                "optimizer": s.optimizer, "regularizer": repr(s.regularizer), "device": str(s.device),
                "state_noise": bool(s.state_noise), "prune": s.prune is not None, "carry": s.carry > 1,
                "binary": self._binary, "env": jitcache.tinygrad_env()}

    def _make_step(self) -> tuple[Any, bool]:
        """The training step: loaded from the step cache when this configuration was captured
        before (seconds instead of a full schedule and compile), else a fresh ``TinyJit``."""
        key = jitcache.cache_key(self._jit_key_parts())
        cached = jitcache.load(key)  # None when missing, unreadable or switched off
        mine = self._state_tensors()
        if cached is not None:
            step, theirs = cached
            if theirs.keys() == mine.keys() and all(theirs[n].shape == t.shape for n, t in mine.items()):
                for name, tensor in mine.items():  # this run's tensors now *are* the step's buffers
                    tensor.replace(theirs[name])
                self._load_state_arrays(self._last_good[1])
                return step, True
        jit = TinyJit(self._train_step)
        # TinyJit runs its first call eagerly and captures on the second, scheduling the whole
        # unrolled graph twice. Every buffer the step touches is already realized, so capturing on
        # the first call gives the same results and nearly halves the time to the first step
        # (docs/performance.md). tinygrad has no public switch for this; cnt is its call counter.
        jit.cnt = 1
        self._jit_key = key
        return jit, False

    def capture_step(self) -> None:
        """Capture the training step and store it in the step cache without training on: one call
        on step 0's batch, whose update is thrown away with this trainer (the background capture
        of :mod:`bonsaic.train.precapture`). Nothing to do when the step came from the cache."""
        if self._jit_key is None:
            return
        self._jit_step(*self._feed(self._batch(0)))
        self._cache_step()

    def _cache_step(self) -> None:
        """After the first (capturing) call: store the step for the next process."""
        if self._jit_key is not None:
            jitcache.save(self._jit_key, self._jit_step, self._state_tensors())
            self._jit_key = None

    # -- state ---------------------------------------------------------------------------------
    def _state_tensors(self) -> dict[str, Tensor]:
        state = {f"param.{name}": t for name, t in self.net.params.items()}
        state.update(_optimizer_state(self.opt))
        state["reg_scale"] = self.reg_scale
        if self.carry is not None:
            state["carry"] = self.carry
        state.update({mask_name(name): mask for name, mask in self.masks.items()})
        return state

    def _state_params(self, tensors: dict[str, Tensor]) -> dict[str, str]:
        """Which state tensors are shaped like a parameter's storage: ``param.X`` holds X, and the
        optimizer's per-parameter lists (``opt.m.3``, ``opt.v.3``) follow the parameter order."""
        names = list(self.net.params)
        owners = {}
        for state_name, t in tensors.items():
            prefix, _, index = state_name.rpartition(".")
            if state_name.startswith(("param.", "mask.")):
                owners[state_name] = state_name.split(".", 1)[1]
            elif prefix.startswith("opt.") and index.isdigit() and int(index) < len(names) \
                    and t.shape == self.net.params[names[int(index)]].shape:
                owners[state_name] = names[int(index)]
        return owners

    def _state_arrays(self) -> dict[str, np.ndarray]:
        """Every state tensor's value; parameters and their Adam moments at their real shapes (the
        model's padding is an internal layout that checkpoints never contain)."""
        tensors = self._state_tensors()
        owners = self._state_params(tensors)
        return {name: (self.net.from_storage(owners[name], t.numpy()) if name in owners else t.numpy()).copy()
                for name, t in tensors.items()}

    def _load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Write saved values *into* the existing buffers (the captured JIT keeps using them)."""
        tensors = self._state_tensors()
        owners = self._state_params(tensors)
        for name, t in tensors.items():
            real = self.net.real_shapes[owners[name]] if name in owners else t.shape
            if name not in arrays or arrays[name].shape != real:
                raise CheckpointError(f"checkpoint does not fit this model: {name} missing or resized")
        for name, t in tensors.items():
            jitcache.write_into(t, self.net.to_storage(owners[name], arrays[name]) if name in owners else arrays[name])

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from now on (e.g. after resuming with a different ``--lr``)."""
        jitcache.write_into(self.opt.lr, np.full(self.opt.lr.shape, lr, np.float32))
        self._log_event(f"lr set to {lr:g}")

    @property
    def lr(self) -> float:
        return float(self.opt.lr.numpy()[0])

    def params_numpy(self) -> dict[str, np.ndarray]:
        """Current parameters of all restarts, ``[K, ...]`` each."""
        return {name: self.net.from_storage(name, t.numpy()).copy() for name, t in self.net.params.items()}

    def save(self, path: str | Path) -> None:
        """Checkpoint everything a resumed run needs, atomically."""
        arrays = self._state_arrays()
        for k, snap in self.best.items():
            arrays.update({f"best.{k}.{name}": value for name, value in snap.params.items()})
        for k, snaps in self.fallbacks.items():
            for i, snap in enumerate(snaps):
                arrays.update({f"fallback.{k}.{i}.{name}": value for name, value in snap.params.items()})
        meta = {
            "step": self.step, "seed": self.settings.seed, "spec_name": self.spec.name,
            "best": {str(k): {"step": s.step, "reg": s.reg, "large": s.large} for k, s in self.best.items()},
            "fallbacks": {str(k): [{"step": s.step, "reg": s.reg, "large": s.large} for s in snaps]
                          for k, snaps in self.fallbacks.items()},
            "best_reg_step": self.best_reg_step, "recoveries": self.recoveries,
            "reseeds": {str(k): n for k, n in self.reseeds.items()},
            "reseed_reference": [None if np.isnan(e) else float(e) for e in self.reseed_reference],
        }
        if self.pruner is not None:
            meta["prune"], undo = self.pruner.state()
            arrays.update(undo)
        save_checkpoint(path, arrays, meta)

    def resume(self, path: str | Path) -> None:
        """Continue from a checkpoint written by :meth:`save` (same spec, restarts and seed)."""
        arrays, meta = load_checkpoint(path)
        if meta.get("seed") != self.settings.seed:
            raise CheckpointError(f"checkpoint was trained with seed {meta.get('seed')}, this run uses "
                                  f"{self.settings.seed}", filename=str(path), hint="pass the same --seed")
        self._load_state_arrays(arrays)
        self.step, self.best_reg_step = int(meta["step"]), int(meta["best_reg_step"])
        self.recoveries = int(meta["recoveries"])
        self.reseeds = {int(k): int(n) for k, n in meta.get("reseeds", {}).items()}
        reference = meta.get("reseed_reference")
        if reference is not None and len(reference) == self.settings.restarts:
            self.reseed_reference = np.array([np.nan if e is None else e for e in reference], np.float64)
        self.best = {
            int(k): Snapshot(info["step"], info["reg"],
                             {name.split(".", 2)[2]: value for name, value in arrays.items()
                              if name.startswith(f"best.{k}.")}, info.get("large", 0))
            for k, info in meta["best"].items()
        }
        self.fallbacks = {
            int(k): [Snapshot(info["step"], info["reg"],
                              {name.split(".", 3)[3]: value for name, value in arrays.items()
                               if name.startswith(f"fallback.{k}.{i}.")}, info.get("large", 0))
                     for i, info in enumerate(infos)]
            for k, infos in meta.get("fallbacks", {}).items()
        }
        if self.pruner is not None and "prune" in meta:
            self.pruner.load(meta["prune"], arrays)
        self._last_good = (self.step, self._state_arrays())
        self._clock = (time.perf_counter(), self.step)

    # -- one step ------------------------------------------------------------------------------
    def _train_step(self, x: Tensor, y: Tensor, *extra: Tensor) -> tuple[Tensor, Tensor]:
        """``extra``: the carried flag (with ``carry``), then the state noise (with ``state_noise``),
        then the binarization mask (with binary states)."""
        rest = list(extra)
        flag = rest.pop(0) if self.carry is not None else None
        noise = rest.pop(0) if self.settings.state_noise else None
        binary = rest.pop(0) if self._binary else None
        with Context(TRAINING=1):
            self.opt.zero_grad()
            mse = ((self.net(x, noise, self.carry, flag, binary) - y) ** 2).mean(axis=(1, 2, 3))
            reg = regularization(self.net.views(), self.settings.regularizer) * self.reg_scale
            (mse + reg).sum().backward()
            updates = [self.carry.assign(self.net.final_states)] if self.carry is not None else []
            Tensor.realize(mse, reg, *self.opt.schedule_step(), *updates)
            if self.masks:  # pruned weights stay exactly zero (bonsaic/train/prune.py)
                Tensor.realize(*(self.net.params[name].assign(self.net.params[name] * mask)
                                 for name, mask in self.masks.items()))
        return mse, reg

    def _batch(self, step: int) -> tuple[np.ndarray, ...]:
        """Inputs and targets of step ``step``, then the carried flag (``[1]``: 1.0 inside a chain)
        when ``carry`` is on, then the state noise when the spec asks for it, then the binarization
        mask with binary states (``_train_step``'s order); each from its own seeded stream."""
        s = self.settings
        x, y = training_batch(self.program, s, step)
        batch: tuple[np.ndarray, ...] = (x, y)
        if s.carry > 1:
            batch += (np.array([1.0 if carried(s, step) else 0.0], np.float32),)
        states = sum(cell.states for cell in self.shape.cells)
        if s.state_noise:
            rng = np.random.default_rng(stream_seed(s.seed, step, NOISE_STREAM))
            batch += (rng.standard_normal((*x.shape[:3], states), np.float32) * np.float32(s.state_noise),)
        if self._binary:
            rng = np.random.default_rng(stream_seed(s.seed, step, BINARY_STREAM))
            batch += ((rng.random((*x.shape[:3], states), np.float32) < self._binary_share).astype(np.float32),)
        return batch

    def _feed(self, arrays: tuple[np.ndarray, ...]) -> list[Tensor]:
        """The step's input tensors holding ``arrays``: the same realized buffers every step, with
        the new values copied in. A fresh ``Tensor(array)`` per step made the JIT schedule and run a
        copy for each input before the step, in tinygrad's graph rewrites: a third of delay2's
        default run under the profiler, and the loop went 1.4-1.8x faster without it and the
        spinning wait (benchmarks/LOOP.md, docs/performance.md)."""
        if self._inputs is None or [t.shape for t in self._inputs] != [a.shape for a in arrays]:
            self._inputs = [Tensor.zeros(*a.shape, device=self.settings.device).contiguous().realize()
                            for a in arrays]
        for tensor, array in zip(self._inputs, arrays, strict=True):
            jitcache.fill(tensor, array)
        return self._inputs

    def _next_batch(self) -> tuple[np.ndarray, ...]:
        """This step's batch (usually already generated) and start generating the next one."""
        if self._pending is None or self._pending[0] != self.step:
            self._pending = (self.step, self._pool.submit(self._batch, self.step))
        batch = self._pending[1].result()
        self._pending = (self.step + 1, self._pool.submit(self._batch, self.step + 1))
        return batch

    def _apply_schedule(self) -> None:
        for event in self.settings.schedule:
            if event.step == self.step:
                target = self.opt.lr if event.target == "lr" else self.reg_scale
                jitcache.write_into(target, target.numpy() * event.factor)
                self._log_event(f"schedule: {event.target} *= {event.factor:g}")

    def _recover(self, why: str) -> None:
        """Restore the last good state with a lower learning rate (NaN/inf in the loss)."""
        self.recoveries += 1
        if self.recoveries > MAX_RECOVERIES:
            raise TrainingError(f"{why} at step {self.step} again after {MAX_RECOVERIES} recoveries")
        step, arrays = self._last_good
        self._load_state_arrays(arrays)
        jitcache.write_into(self.opt.lr, self.opt.lr.numpy() * LR_BACKOFF)
        self._log_event(f"{why} at step {self.step}: restored step {step}, lr -> {self.lr:.3g}")
        self.step = step

    def _log_event(self, message: str) -> None:
        if self.log is not None:
            self.log.event(self.step, message)
        self._events.append(f"step {self.step}: {message}")

    # -- the loop ------------------------------------------------------------------------------
    def run(self, until: int | None = None, stop: Callable[[], bool] = lambda: False,
            on_step: Callable[[Trainer, float], None] | None = None,
            on_eval: Callable[[EvalReport], None] | None = None) -> str:
        """Train until step ``until`` (default: ``settings.steps``); returns why it stopped.

        ``"steps"``: reached ``until``; ``"patience"``: the best solved regularization loss did not
        improve for ``settings.patience`` steps; ``"settled"``: with ``settings.settle``, an
        evaluation at or past :meth:`settle_step`; ``"hopeless"``: with :attr:`give_up`, the last
        reseeding point found every restart stuck; ``"interrupted"``: ``stop()`` said so after a step.
        """
        until = self.settings.steps if until is None else until
        while self.step < until:
            self._apply_schedule()
            mse, reg = self._jit_step(*self._feed(self._next_batch()))
            loss = float(mse.numpy().sum() + reg.numpy().sum())
            self._cache_step()
            self.step += 1
            if not math.isfinite(loss):
                self._recover("non-finite loss")
                continue
            if on_step is not None:
                on_step(self, loss)
            if self.step % self.settings.eval_every == 0 or self.step == until:
                report = self.evaluate(mse.numpy(), reg.numpy())
                if on_eval is not None:
                    on_eval(report)
                if self._patience_exhausted():
                    return "patience"
                settle = self.settle_step()
                if settle is not None and self.step >= settle:
                    return "settled"
                if self.hopeless:
                    return "hopeless"
            if stop():
                return "interrupted"
        return "steps"

    def evaluate(self, mse: np.ndarray, reg: np.ndarray) -> EvalReport:
        """Validate every restart on fresh sequences; remember the best solved networks."""
        s = self.settings
        params = self.params_numpy()
        x, y = self.program.generate(s.val_sequences, s.length * s.val_length_factor,
                                     stream_seed(s.seed, self.step, VALIDATION_STREAM), **_mix(self.program, s))
        out = numpy_forward(self.shape, params, np.broadcast_to(x, (s.restarts, *x.shape)))
        accuracy = (np.where(out > 0, 1.0, -1.0) == y).mean(axis=(1, 2, 3))
        kernels = [params[name].reshape(s.restarts, -1) for name in kernel_names(params)]
        small = np.abs(np.concatenate(kernels, axis=1)) < s.regularizer.threshold
        sparsity, large = small.mean(axis=1), (~small).sum(axis=1)
        plain_reg = regularization_numpy(params, s.regularizer)
        pruning = self.pruner is not None
        for k in np.flatnonzero(accuracy >= 1.0):
            candidate = Snapshot(self.step, float(plain_reg[k]), {}, int(large[k]))
            if k not in self.best or candidate.rank(pruning) < self.best[k].rank(pruning):
                if k in self.best:  # the one it replaces stays a fallback in case this one fails to verify
                    self.fallbacks[int(k)] = thin_fallbacks([*self.fallbacks.get(int(k), []), self.best[int(k)]])
                candidate.params = {name: value[k:k + 1].copy() for name, value in params.items()}
                self.best[int(k)] = candidate
                self.best_reg_step = self.step
        arrays = self._state_arrays()
        if self.pruner is not None:
            kernels = [(f"param.{name}", mask_name(name)) for name in self.masks]
            events = self.pruner.update(self.step, accuracy >= 1.0, arrays, kernels,
                                        list(self._state_params(self._state_tensors())),
                                        harm=lambda k: self._harm(params, k, x[:HARM_SEQUENCES], y[:HARM_SEQUENCES]))
            if events:
                self._load_state_arrays(arrays)
                for event in events:
                    self._log_event(event)
        error = np.asarray(mse, dtype=np.float64).reshape(-1)
        if reseed.due(self.step, s.reseed, s.steps):
            restarts = reseed.stuck(set(self.best), accuracy, error, self.reseed_reference)
            if self.give_up and not self.best and len(restarts) == s.restarts \
                    and reseed.last_due(self.step, s.reseed, s.steps):
                self.hopeless = True
                self._log_event("every restart stuck at the last fresh start and none ever solved: "
                                "giving up on this configuration")
            else:
                self._reseed(arrays, restarts)
            self.reseed_reference = error.copy()
            self.reseed_reference[restarts] = np.nan
        else:
            unknown = np.isnan(self.reseed_reference)
            self.reseed_reference[unknown] = error[unknown]
        if all(np.isfinite(value).all() for value in params.values()):
            self._last_good = (self.step, arrays)
        start, start_step = self._clock
        now = time.perf_counter()
        rate = (self.step - start_step) / max(now - start, 1e-9)
        self._clock = (now, self.step)
        report = EvalReport(self.step, mse, reg, accuracy, sparsity, self.lr, rate, list(self._events))
        self._events = []
        if self.log is not None:
            self.log.report(report)
        self.last_report = report
        return report

    def _reseed(self, arrays: dict[str, np.ndarray], restarts: list[int]) -> None:
        """Give ``restarts`` new initial weights in ``arrays`` and the live buffers."""
        if not restarts:
            return
        s = self.settings
        fresh = {k: reseed.fresh_params(self.shape, s.seed, self.step, k) for k in restarts}
        reseed.reseed(arrays, self._state_params(self._state_tensors()), restarts, fresh)
        self._load_state_arrays(arrays)
        for k in restarts:
            self.reseeds[k] = self.reseeds.get(k, 0) + 1
        names = ", ".join(map(str, restarts))
        self._log_event(f"restart{'s' if len(restarts) > 1 else ''} {names} not solved yet: started afresh")

    def _harm(self, params: dict[str, np.ndarray], k: int, x: np.ndarray,
              y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """What zeroing each of restart ``k``'s kernel weights (flat indices, in mask order) alone
        does to it on the sequences ``x``: wrong signs, plus the mean squared error as a tie-break
        below one sign. All candidates run at once, as a batch of networks in :func:`numpy_forward`."""
        names = list(self.masks)
        sizes = [params[name][k].size for name in names]
        starts = np.cumsum([0, *sizes])

        def score(flat: np.ndarray) -> np.ndarray:
            stacked = {name: np.repeat(value[k:k + 1], len(flat), axis=0) for name, value in params.items()}
            for j, index in enumerate(flat):
                i = int(np.searchsorted(starts, index, side="right")) - 1
                stacked[names[i]][j].reshape(-1)[index - starts[i]] = 0.0
            out = numpy_forward(self.shape, stacked, np.broadcast_to(x, (len(flat), *x.shape)))
            wrong = (np.where(out > 0, 1.0, -1.0) != y).sum(axis=(1, 2, 3))
            return wrong + np.minimum(((out - y) ** 2).mean(axis=(1, 2, 3)), 4.0) / 4.0

        return score

    def first_solved_step(self) -> int | None:
        """The first evaluation at which any restart was solved (the oldest snapshot kept: fallbacks
        keep the oldest, and fresh starts only replace restarts never solved); None: none yet."""
        steps = [s.step for k, best in self.best.items() for s in [*self.fallbacks.get(k, []), best]]
        return min(steps) if steps else None

    def settle_step(self) -> int | None:
        """With ``settings.settle``: the step at which the run ends, ``max(steps / 2, 2 x`` the first
        solved step``)``; None while nothing is solved or without ``settle``.

        Why: once a restart is solved, training goes on making it sparser, but ``opt``'s passes
        (``refit`` above all) take the network to the same bonsai whether it trained on or not.
        Re-judging a suite run's checkpoints (``benchmarks/settle_suite.py``; docs/train.md, "When
        training stops") gave the same bonsai at this step as after all 5,000 steps for 28 of 32
        tasks, two larger, one smaller, one of the same total size; the time goes to the user or to
        the next escalation stage."""
        first = self.first_solved_step()
        if not self.settings.settle or first is None:
            return None
        return max(self.settings.steps // 2, SETTLE_FACTOR * first)

    def _patience_exhausted(self) -> bool:
        patience = self.settings.patience
        return bool(patience and self.best and self.step - self.best_reg_step >= patience)

    def close(self) -> None:
        """Stop the data thread."""
        self._pool.shutdown(wait=True, cancel_futures=True)
