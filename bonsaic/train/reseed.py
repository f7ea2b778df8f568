"""Fresh starts for restarts that are stuck: more tickets from the same batched run.

Training a bonsai is a lottery over initialisations. Measured on the task suite
(the loss logs of ``benchmarks/defaults_study.py`` runs; docs/train.md, benchmarks/TASKS.md), a restart that is
going to solve a task is almost always on its way within the first 1000 steps; the others sit on a
plateau (a mod-3 counter's restarts at 67% sign accuracy, a D latch's at 92-97%) for the rest of the
run, and a K-restart model spends most of its arithmetic on them. So every ``every`` steps, until
:data:`RESEED_UNTIL` of the run, each restart that has *never* been solved and whose training error
is not close to a solution (:data:`CLOSE_ERROR`) and has not improved since the last reseeding point
(:data:`IMPROVING`) is replaced by a freshly initialised network (a new ticket), keeping the slot in
the batched model. A restart that was ever
solved is never touched: it is sparsifying, which is where the post's long training pays.

Determinism: the new weights come from ``(seed, step, restart)`` alone, and reseeding happens at
evaluation steps on validation results that are themselves deterministic, so a resumed run repeats
an uninterrupted one.

The Adam moments of a reseeded slice: the first moment is zeroed (the old direction means nothing
for the new network); the second keeps the old slice's values, since the gradient scale of one task's
networks is alike and a zeroed second moment would, with Adam's bias correction long decayed, make
the first hundred updates several times the learning rate.
"""

from __future__ import annotations

import numpy as np

from bonsaic.train.model import NetShape, init_params

RESEED_UNTIL = 0.6  # no fresh start after this share of the run's steps: it could not sparsify in time
CLOSE_ERROR = 0.05  # a restart this close in training error (99% of signs right, typically) is not stuck
# A restart whose training error fell below this share of its error at the last reseeding point (or
# at its first evaluation, for one started since) is on its way and is left alone. Without it, a
# counter_mod4 restart going from 53% to 77% of signs right (error 0.86 to 0.49) in its first 1000
# steps was started afresh there, and no later ticket got past 56% (docs/train.md).
IMPROVING = 0.8
RESEED_STREAM = 3  # stream number for the new weights' seeds (after data, validation and noise)


def due(step: int, every: int, steps: int) -> bool:
    """Whether ``step`` is a reseeding point of a run of ``steps`` steps (``every`` 0: never)."""
    return every > 0 and step > 0 and step % every == 0 and step <= RESEED_UNTIL * steps


def last_due(step: int, every: int, steps: int) -> bool:
    """Whether ``step`` is the run's last reseeding point (a fresh start after it would not have time)."""
    return due(step, every, steps) and not due(step + every, every, steps)


def stuck(solved_ever: set[int], accuracy: np.ndarray, error: np.ndarray,
          reference: np.ndarray | None = None) -> list[int]:
    """The restarts to start afresh: not solved at this validation (``accuracy``), never solved
    before, with a training error (the step's mean squared error on ±1 targets) above
    :data:`CLOSE_ERROR` (one that is close may still solve, and is left alone) and not below
    :data:`IMPROVING` times its ``reference`` error (NaN: unknown, so not improving).

    The training error, not the validation one: validation sequences are five times longer, and a
    network that gets 99% of their signs right with outputs of magnitude 0.5 has a validation error
    of 0.25, as high as a stuck one's (measured: a mod-3 counter's restart at 99% sign accuracy had
    a training error of 0.018 and was started afresh under a rule on the validation error)."""
    improving = np.zeros(len(error), bool) if reference is None else error < IMPROVING * np.asarray(reference)
    return [int(k) for k in np.flatnonzero((accuracy < 1.0) & (error > CLOSE_ERROR) & ~improving)
            if int(k) not in solved_ever]


def fresh_params(shape: NetShape, seed: int, step: int, restart: int) -> dict[str, np.ndarray]:
    """One new network's parameters (``[1, ...]`` each), a pure function of seed, step and slot."""
    from bonsaic.train.loop import stream_seed  # the loop's seeding scheme, one definition

    rng = np.random.default_rng([stream_seed(seed, step, RESEED_STREAM), restart])
    return init_params(shape, 1, rng)


def reseed(arrays: dict[str, np.ndarray], owners: dict[str, str], restarts: list[int],
           fresh: dict[int, dict[str, np.ndarray]]) -> None:
    """Write ``fresh[k]`` into slice ``k`` of every parameter in ``arrays`` (the trainer's state at
    real shapes), zero the slice of each Adam first moment (``opt.m.*``) and keep the second."""
    for name, owner in owners.items():
        for k in restarts:
            if name.startswith("param."):
                arrays[name][k] = fresh[k][owner][0]
            elif name.startswith("opt.m."):
                arrays[name][k] = 0.0
