"""Pruning while training: the smallest weights of a solved network fixed at zero, a share at a time.

The sparse regularizer alone stalls: its tanh term pushes only weights near its threshold, and a
network that solved the task early keeps most of its large weights (gate_switcher kept 20-25% of
its 1,030 weights however strong the regularizer, benchmarks/EXAMPLES_gate_switcher.md). Removing a
weight after training (``opt``'s ``clip`` and ``prune``) cannot make the rest compensate; removing
it *during* training can: the network re-learns around the gap, and the next-smallest weight
becomes removable. This is gradual magnitude pruning (Zhu & Gupta 2017; Frankle & Carbin's lottery
tickets), gated by the task itself:

* a restart is pruned only at a validation where it is solved, and at most every ``every`` steps;
* a prune fixes the ``rate`` share (at least one) of the restart's remaining kernel weights at
  exactly zero: a mask multiplies the weights after every optimizer step. Which ones: of the
  smallest-magnitude candidates (``SCORED_FACTOR`` times as many as go, at least ``MIN_SCORED``),
  those whose removal alone harms the network least on validation sequences (wrong signs first,
  then squared error). Magnitude alone stalls: near the end the smallest weight is often one the
  network needs, while a larger one is redundant (gate_switcher stopped at 124 weights retrying
  the same smallest weight; benchmarks/EXAMPLES_gate_switcher.md);
* if the restart is not solved again within ``every`` steps (or, solved once, then loses it for
  ``every`` steps before its next prune), the prune is undone: its parameters, Adam moments and
  mask go back to what they were just before it, and the rate halves (down to
  1/32 of the spec's); a prune that is kept lets it grow again by half. A weight that cannot go now
  may go later (training moves the others), so a restart keeps trying, one weight at a time at the
  least, until the run ends. Weights whose prune was undone are not tried again until a later
  prune is kept (the undo restores the very network that chose them, which would choose them again).

Every solved validation is still a candidate snapshot (ranked by the weights left, then by the
regularization loss), so pruning never loses a network that was already found.
The pruner's state is part of the checkpoint: a resumed run prunes exactly as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

MIN_RATE_DIVISOR = 32  # undone prunes halve the rate down to this fraction of the spec's
SCORED_FACTOR = 2  # candidates scored by their harm: this many times the number pruned ...
MIN_SCORED = 48  # ... and at least this many

Harm = Callable[[np.ndarray], np.ndarray]
"""Given flat indices into a restart's kernels (concatenated in order), how much zeroing each one
alone hurts the network (smaller is better)."""


def mask_name(param: str) -> str:
    """The state tensor holding ``param``'s mask (1 = trainable, 0 = pruned)."""
    return f"mask.{param}"


@dataclass
class RestartPruning:
    """One restart's pruning state. ``last`` is the step of its latest prune (or undo); ``pending``
    says that prune has not been followed by a solved validation yet; ``size`` is how many weights
    it removed; ``kept`` and ``undone`` count prunes; ``solved_at`` is its latest solved validation;
    ``tabu`` are the flat kernel indices of undone prunes since the last kept one."""

    rate: float
    last: int | None = None
    pending: bool = False
    size: int = 0
    kept: int = 0
    undone: int = 0
    solved_at: int | None = None
    tabu: list[int] = field(default_factory=list)


def prune_masks(weights: list[np.ndarray], masks: list[np.ndarray], rate: float,
                tabu: list[int] | None = None, harm: Harm | None = None) -> tuple[list[np.ndarray], int]:
    """New masks with the ``rate`` share (at least one) of the still-unmasked weights masked too,
    across all matrices at once, never one of ``tabu`` (flat indices). Without ``harm``: those of
    the smallest magnitude (ties go to the earlier entry); with it, the least harmful among the
    smallest-magnitude candidates (see the module docstring). Returns the masks and how many
    weights were removed (0 when none can go)."""
    flat_w = np.concatenate([np.abs(w).ravel() for w in weights])
    flat_m = np.concatenate([m.ravel() for m in masks])
    alive = np.flatnonzero(flat_m > 0)
    if tabu:
        alive = np.setdiff1d(alive, np.asarray(tabu, np.int64))
    if alive.size == 0:
        return [m.copy() for m in masks], 0
    count = max(1, int(rate * alive.size))
    order = alive[np.argsort(flat_w[alive], kind="stable")]
    if harm is not None:
        scored = order[: max(count * SCORED_FACTOR, MIN_SCORED)]
        order = scored[np.argsort(np.asarray(harm(scored), np.float64), kind="stable")]
    flat_m = flat_m.copy()
    flat_m[order[:count]] = 0.0
    out, start = [], 0
    for m in masks:
        out.append(flat_m[start:start + m.size].reshape(m.shape).astype(m.dtype))
        start += m.size
    return out, count


class Pruner:
    """Decides, at each validation, which restarts to prune and which prunes to undo.

    It works on the trainer's state arrays (real shapes, restart first): ``kernels`` are the
    parameters it prunes, ``per_restart`` every state array with a leading restart axis (parameters,
    their Adam moments and masks), which is what an undo restores.
    """

    def __init__(self, every: int, rate: float, restarts: int) -> None:
        self.every, self.rate = every, rate
        self.restarts = [RestartPruning(rate) for _ in range(restarts)]
        self.undo: dict[int, dict[str, np.ndarray]] = {}

    def update(self, step: int, solved: np.ndarray, arrays: dict[str, np.ndarray],
               kernels: list[tuple[str, str]], per_restart: list[str],
               harm: Callable[[int], Harm] | None = None) -> list[str]:
        """Prune or undo in ``arrays`` (changed in place) after a validation at ``step``; returns
        what it did, one message per restart it touched (empty: nothing changed). ``kernels`` are
        ``(weight, mask)`` pairs of names in ``arrays``; ``harm(k)`` scores restart ``k``'s
        candidates (None: prune by magnitude alone)."""
        events = []
        for k, state in enumerate(self.restarts):
            if solved[k]:
                state.solved_at = step
                if state.pending:
                    state.pending = False  # the network recovered: the prune stays (for now)
                    state.kept += 1
                    state.tabu = []  # the network has changed: what could not go may go now
                    state.rate = min(self.rate, state.rate * 1.5)
            since = max(state.last if state.last is not None else step, state.solved_at or 0)
            if k in self.undo and not solved[k] and step - since >= self.every:
                why = (f"not solved {self.every} steps after pruning {state.size} weight(s)" if state.pending else
                       f"not solved since step {state.solved_at}; its last prune ({state.size} weight(s) at "
                       f"step {state.last})")
                pruned = np.concatenate([arrays[mask][k].ravel() for _, mask in kernels])
                for name, value in self.undo.pop(k).items():
                    arrays[name][k] = value
                restored = np.concatenate([arrays[mask][k].ravel() for _, mask in kernels])
                state.tabu = sorted(set(state.tabu) | set(np.flatnonzero(restored > pruned).tolist()))
                state.pending, state.last = False, step - self.every  # the restored network may prune again now
                state.undone += 1
                state.rate = max(state.rate / 2, self.rate / MIN_RATE_DIVISOR)
                events.append(f"restart {k}: {why}; undone, rate now {state.rate:g}")
                continue
            if state.pending or not solved[k] or (state.last is not None and step - state.last < self.every):
                continue
            masks = [arrays[mask][k] for _, mask in kernels]
            weights = [arrays[weight][k] for weight, _ in kernels]
            new_masks, count = prune_masks(weights, masks, state.rate, state.tabu,
                                           harm(k) if harm is not None else None)
            if count == 0:
                continue
            self.undo[k] = {name: arrays[name][k].copy() for name in per_restart}
            for (weight, mask), new in zip(kernels, new_masks, strict=True):
                arrays[mask][k] = new
                arrays[weight][k] *= new
            remaining = int(sum(m.sum() for m in new_masks))
            state.last, state.pending, state.size = step, True, count
            events.append(f"restart {k}: pruned {count} weight(s), {remaining} left")
        return events

    # -- checkpoints ---------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and the undo arrays, for a checkpoint."""
        arrays = {f"prune_undo.{k}.{name}": value for k, saved in self.undo.items() for name, value in saved.items()}
        return {"restarts": [asdict(s) for s in self.restarts]}, arrays  # `every` comes from the run's settings

    def load(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state` saved."""
        self.restarts = [RestartPruning(**info) for info in meta["restarts"]]
        self.undo = {}
        for key, value in arrays.items():
            if key.startswith("prune_undo."):
                _, k, name = key.split(".", 2)
                self.undo.setdefault(int(k), {})[name] = value
