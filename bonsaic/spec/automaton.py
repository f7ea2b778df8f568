"""The spec's minimal Mealy machine: how many states the task really needs.

Two reachable spec states are equivalent when every input sequence allowed from one is allowed from
the other and yields the same outputs. Moore's partition refinement finds the classes: start from
the states' one-step behaviour (which input vectors are allowed, and the outputs under each), then
split any class whose members move, under some input vector, into different classes, until nothing
splits. The number of classes is the size of the smallest automaton that implements the spec, the
yardstick a bonsai's state count is measured against.
"""

from __future__ import annotations

import numpy as np

from bonsaic.spec.program import Transitions


def minimal_classes(table: Transitions) -> np.ndarray:
    """The equivalence class of every reachable state (int64 ``[K]``, classes numbered from 0)."""
    allowed = table.allowed
    signature = np.concatenate([allowed.reshape(len(allowed), -1),
                                np.where(allowed[..., None], table.outputs, False).reshape(len(allowed), -1)],
                               axis=1)
    classes = _renumber(signature)
    while True:
        moved = np.where(allowed, classes[np.maximum(table.next, 0)], -1)
        refined = _renumber(np.concatenate([classes[:, None], moved], axis=1))
        if refined.max() == classes.max():
            return refined
        classes = refined


def minimal_size(table: Transitions) -> int:
    """The number of states of the spec's minimal Mealy machine."""
    return int(minimal_classes(table).max()) + 1 if len(table.states) else 0


def _renumber(rows: np.ndarray) -> np.ndarray:
    """Class ids 0..n-1 for the distinct rows of ``rows``."""
    _, ids = np.unique(rows, axis=0, return_inverse=True)
    return ids.ravel().astype(np.int64)
