"""Resolved training settings: the spec's ``train {}`` section with the command line on top."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


def default_device() -> str | None:
    """``CPU`` (tinygrad's clang back end) unless the user chose a device with ``DEV``; None lets
    tinygrad choose.

    tinygrad's own default prefers an OpenCL device when one exists; with PoCL (OpenCL on the CPU)
    that is 5-9x slower for these networks than ``CPU`` (docs/performance.md), so the trainer asks
    for ``CPU`` explicitly. ``--device`` and ``DEV=...`` still pick any other device.

    The user's ``DEV`` is read from tinygrad's ``DEV`` setting (parsed when tinygrad was imported),
    not from ``os.environ``: once tinygrad picks its default device it writes ``DEV`` into the
    environment for child processes, which made every trainer after the first in one process run on
    OpenCL.
    """
    from tinygrad import Device
    from tinygrad.helpers import DEV

    if DEV.device:
        return None
    try:
        Device["CPU"]
    except Exception:  # noqa: BLE001 - any failure to open it means "not usable here"
        return None
    return "CPU"


@dataclass(frozen=True)
class TrainSettings:
    """Everything the loop needs besides the spec's model. ``patience`` 0 means "run all steps".

    Validation runs on sequences ``val_length_factor`` times the training length: a network that is
    right for 20 steps but drifts at step 57 is not solved (the verifier would reject it anyway, since
    it checks every length), so "solved" snapshots are ones that generalise past the training length.

    ``state_noise`` > 0 adds Gaussian noise of that standard deviation to every state each cell
    reads, at every training step (never in validation): a network that tolerates it keeps its
    memory in attractors, so that its states contract back after a perturbation, which is what the
    verifier's interval proof needs (:mod:`bonsaic.verify.boxes`).

    ``prune`` (the spec's ``PruneConfig``, or None) fixes the smallest weights of a solved restart at
    zero, a share at a time, undoing a prune the network does not recover from
    (:mod:`bonsaic.train.prune`).

    ``reseed`` > 0: every ``reseed`` steps (in the first 60% of the run) a restart that has never
    been solved is replaced by a freshly initialised network (:mod:`bonsaic.train.reseed`).

    ``settle``: the run ends at :meth:`Trainer.settle_step` (half its steps, or twice the step a restart
    was first solved if that is later) instead of running every step. ``bonsaic train`` sets it
    when nobody chose the step count: in the task suite the bonsai a run writes was decided by then
    (docs/train.md, "When training stops").

    ``regularizer`` and ``schedule`` are the spec's own ``RegularizerConfig`` and ``ScheduleEvent``
    objects (read by attribute: intensity, threshold, steepness, l1, biases; step, target, factor).
    """

    optimizer: str
    steps: int
    batch: int
    length: int
    lr: float
    seed: int
    restarts: int
    patience: int
    regularizer: Any
    schedule: tuple[Any, ...] = ()
    eval_every: int = 50
    val_sequences: int = 512
    val_length_factor: int = 5  # validation sequences are this many times longer than training ones
    checkpoint_every: int = 1000
    device: str | None = None
    state_noise: float = 0.0
    prune: Any = None
    data: str = "covering"  # the data mix of training and validation (bonsaic.spec.datagen)
    reseed: int = 0  # every this many steps, restarts never solved start afresh (bonsaic.train.reseed)
    carry: int = 0  # sequences continue across this many steps (data and network state); 0/1: off
    settle: bool = False  # end the run once the bonsai is decided (Trainer.settle_step); for unchosen steps

    @staticmethod
    def from_spec(spec, **overrides: Any) -> TrainSettings:  # noqa: ANN001 - bonsaic.spec.Spec
        """Take ``spec.train``; every override that is not ``None`` wins (command-line flags)."""
        cfg = spec.train
        base = TrainSettings(
            optimizer=cfg.optimizer, steps=cfg.steps, batch=cfg.batch, length=cfg.length, lr=cfg.lr, seed=cfg.seed,
            restarts=cfg.restarts, patience=cfg.patience or 0, regularizer=cfg.regularizer,
            schedule=tuple(sorted(cfg.schedule, key=lambda event: event.step)), state_noise=cfg.state_noise,
            prune=cfg.prune, data=cfg.data, reseed=cfg.reseed,
            carry=cfg.carry,
        )
        chosen = replace(base, **{k: v for k, v in overrides.items() if v is not None})
        return chosen if chosen.device is not None else replace(chosen, device=default_device())
