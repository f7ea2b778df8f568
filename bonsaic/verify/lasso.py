"""Periodic ("lasso") input sequences: a short prefix, then one closed input word repeated.

Networks whose continuous states drift go wrong after thousands of steps of i.i.d. random input,
or after millions: each random step pushes the state a little in a random direction, and the
pushes mostly cancel. A periodic input pushes the same way on every period, so the state moves
straight to where the input pattern leads it. On a trained parens network, 256 random sequences of
20,000 steps first went wrong at step 32,418 of 50,000-step sequences; the same number of lasso
sequences went wrong in 113 of 256, first at step 2,847.

A lasso is built on the spec's own transition table (:class:`SpecTable`), so every step is an
allowed input: a random walk of 0-29 steps from the initial state reaches a spec state ``s``, a
random walk of 1-39 steps from ``s`` is closed by a shortest path back to ``s``, and that word
repeats to the requested length. The spec state after each repetition is ``s`` again, so the
expected outputs repeat with it.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from bonsaic.verify.spec_table import SpecTable

MAX_PREFIX = 30
MAX_WORD = 40
MAX_RETURN_SEARCH = 10_000  # spec states a search for the way back may visit (a counter that never
# returns would otherwise have it enumerate every state the spec has)


def _walk(table: SpecTable, start: int, steps: int, rng: np.random.Generator) -> tuple[list[int], int]:
    """A random walk: the chosen (state, move) row indices as pairs flattened, and where it ends."""
    path, state = [], start
    for _ in range(steps):
        moves = table.moves(state)
        if len(moves.next_states) == 0:
            break
        move = int(rng.integers(len(moves.next_states)))
        path += [state, move]
        state = int(moves.next_states[move])
    return path, state


def _shortest_path(table: SpecTable, source: int, target: int) -> list[int] | None:
    """(state, move) pairs of a shortest walk from ``source`` to ``target`` (empty if equal; None if
    there is none within :data:`MAX_RETURN_SEARCH` visited states)."""
    previous: dict[int, tuple[int, int]] = {}  # state -> the (state, move) that first reached it
    seen, queue = {source}, deque([source])
    while queue and target not in seen and len(seen) < MAX_RETURN_SEARCH:
        state = queue.popleft()
        for move, nxt in enumerate(table.moves(state).next_states.tolist()):
            if nxt not in seen:
                seen.add(nxt)
                previous[nxt] = (state, move)
                queue.append(nxt)
    if target not in seen:
        return None
    path: list[int] = []
    node = target
    while node != source:
        state, move = previous[node]
        path = [state, move, *path]
        node = state
    return path


def _rows(table: SpecTable, path: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The input and expected-output rows of a walk given as flattened (state, move) pairs."""
    x = np.empty((len(path) // 2, table.n_inputs))
    y = np.empty((len(path) // 2, table.n_outputs))
    for row in range(len(path) // 2):
        moves = table.moves(path[2 * row])
        x[row], y[row] = moves.inputs[path[2 * row + 1]], moves.expected[path[2 * row + 1]]
    return x, y


def lasso_sequences(table: SpecTable, count: int, length: int,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``count`` lasso sequences: inputs [B, length, I] and the spec's outputs [B, length, O]
    (both +1/-1). Fewer come back when the spec cannot return to the states a walk reaches."""
    rng = np.random.default_rng(seed)
    inputs, expected = [], []
    for _ in range(count):
        prefix, state = _walk(table, table.initial, int(rng.integers(0, MAX_PREFIX)), rng)
        word, end = _walk(table, state, int(rng.integers(1, MAX_WORD)), rng)
        back = _shortest_path(table, end, state)
        if back is None or not word + back:
            continue
        x_prefix, y_prefix = _rows(table, prefix)
        x_cycle, y_cycle = _rows(table, word + back)
        repeats = max(0, length - len(x_prefix)) // len(x_cycle) + 1
        x = np.concatenate([x_prefix, np.tile(x_cycle, (repeats, 1))])[:length]
        y = np.concatenate([y_prefix, np.tile(y_cycle, (repeats, 1))])[:length]
        inputs.append(x)
        expected.append(y)
    if not inputs:
        return np.zeros((0, length, table.n_inputs)), np.zeros((0, length, table.n_outputs))
    return np.stack(inputs), np.stack(expected)
