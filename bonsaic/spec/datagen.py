"""Batch training data from a spec, vectorised over the batch (no Python loop per sequence).

Two strategies, same distribution: each step draws input vector ``v`` in state ``s`` with
probability ``P(v) * allowed(s, v) / sum_w P(w) * allowed(s, w)`` where ``P`` is the product of
the per-bit input probabilities.

* Tables (the usual case): with the reachable transition tables, a timestep is one inverse-CDF
  draw per sequence plus three gathers.
* Lanes (huge state spaces): run the step evaluator on the whole batch each timestep and draw
  inputs by rejection sampling against the constraint, finishing stubborn lanes exactly.

``mix="covering"`` (tables only) draws data that covers the task rather than its i.i.d. average.
I.i.d. inputs almost never hold one input for long or repeat a short pattern, so the states a task
cares about -- 40 trues in a row for ``1*``, two trues then a long run of falses for a mod-3 counter --
are nearly absent from the data, and a network can reach 100% accuracy and still be wrong there.
Here each sequence is a run of *segments* (geometric lengths, mean a quarter of the sequence): an
i.i.d. segment, a segment repeating one input vector, or one repeating a word of 2-4 vectors, a
segment drawing uniformly among the allowed vectors (every transition equally, whatever ``p`` says),
or a *sparse* segment: one vector held, with a uniform draw at :data:`SPARSE_EVENTS` of its steps.
Sparse segments are for toggles and counters: with p = 0.5 the parity of the inputs so far is
uncorrelated with any shorter part of the input, so a network gets no gradient towards it until it
nearly computes it, while a lone event in a held stretch flips the output and nothing else does
(parity, two seeds: 5 of 8 restarts proved with them, 1 without; ``benchmarks/TASKS.md``).
A repeated vector the constraint forbids in the current state is replaced by an i.i.d. draw, so every
sequence stays allowed. A quarter of the sequences stay fully i.i.d.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from bonsaic.spec.limits import MAX_ENUMERATED_INPUTS

if TYPE_CHECKING:
    from bonsaic.spec.program import Program, Transitions

_REJECTION_ROUNDS = 32
TABLE_STATES = 10_000  # tables for at most this many reachable states (exploration stays < 1 s) ...
TABLE_CELLS = 1 << 20  # ... and (state, input vector) cells; beyond either, evaluate lanes


def _signs(bits: np.ndarray) -> np.ndarray:
    return np.where(bits, np.float32(1.0), np.float32(-1.0)).astype(np.float32)


def _row_cdfs(weights: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per-row cumulative distribution over input vectors, exact 1.0 from the last possible one on.

    Rows whose allowed vectors all have probability 0 (inputs with p=0 or p=1 that the constraint
    contradicts) fall back to uniform over the allowed vectors rather than dividing by zero.
    """
    mass = np.where(allowed, weights[None, :], 0.0)
    empty = mass.sum(axis=1) <= 0.0
    mass[empty] = allowed[empty].astype(np.float64)
    cdf = np.cumsum(mass, axis=1)
    cdf /= cdf[:, -1:]
    last = mass.shape[1] - 1 - np.argmax(mass[:, ::-1] > 0, axis=1)
    cdf[np.arange(mass.shape[1])[None, :] >= last[:, None]] = 1.0
    return cdf


def _from_tables(program: Program, table: Transitions, batch: int, length: int,
                 rng: np.random.Generator, start: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    cdf = _row_cdfs(program.input_probabilities, table.allowed)
    vector_signs = _signs(program.input_vectors)
    output_signs = _signs(table.outputs)
    inputs = np.empty((batch, length, vector_signs.shape[1]), dtype=np.float32)
    targets = np.empty((batch, length, output_signs.shape[2]), dtype=np.float32)
    state = np.zeros(batch, dtype=np.int64) if start is None else start.copy()  # the initial state is index 0
    for t in range(length):
        u = rng.random(batch)
        vector = (cdf[state] <= u[:, None]).sum(axis=1)
        inputs[:, t] = vector_signs[vector]
        targets[:, t] = output_signs[state, vector]
        state = table.next[state, vector]
    return inputs, targets, state


def _draw_inputs(program: Program, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One allowed input vector per lane, drawn from the conditioned distribution."""
    p = np.array([d.p_true for d in program.spec.inputs], dtype=np.float64)
    bits = rng.random((len(states), len(p))) < p
    pending = ~program.evaluator.allowed(states, bits)
    for _ in range(_REJECTION_ROUNDS):
        if not pending.any():
            return bits
        redraw = rng.random((int(pending.sum()), len(p))) < p
        bits[pending] = redraw
        pending[pending] = ~program.evaluator.allowed(states[pending], redraw)
    if pending.any():  # rare vectors or impossible states: enumerate the remaining lanes exactly
        lanes = np.flatnonzero(pending)
        vectors = program.input_vectors
        stacked = np.repeat(states[lanes], len(vectors), axis=0)
        allowed = program.evaluator.allowed(stacked, np.tile(vectors, (len(lanes), 1)))
        allowed = allowed.reshape(len(lanes), len(vectors))
        program.check_some_input_allowed(states[lanes], allowed)
        cdf = _row_cdfs(program.input_probabilities, allowed)
        choice = (cdf <= rng.random(len(lanes))[:, None]).sum(axis=1)
        bits[lanes] = vectors[choice]
    return bits


def _by_lanes(program: Program, batch: int, length: int,
              rng: np.random.Generator, start: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    spec = program.spec
    inputs = np.empty((batch, length, len(spec.inputs)), dtype=np.float32)
    targets = np.empty((batch, length, len(spec.outputs)), dtype=np.float32)
    states = (np.tile(np.array(program.initial_state(), dtype=np.int64), (batch, 1)) if start is None
              else start.copy())
    for t in range(length):
        bits = _draw_inputs(program, states, rng)
        states, outputs = program.evaluator.run(states, bits)
        inputs[:, t] = _signs(bits)
        targets[:, t] = _signs(outputs)
    return inputs, targets, states


MIXES = ("iid", "covering")
_IID, _HOLD, _UNIFORM, _SPARSE = 0, 1, 2, 3  # segment kinds of the covering mix (a held word may be 1-4 vectors long)
SEGMENT_KINDS = {"iid": _IID, "hold": _HOLD, "uniform": _UNIFORM, "sparse": _SPARSE}
# each new segment's kind is drawn uniformly from this list (a kind listed twice is twice as likely)
COVERING_SEGMENTS = ("iid", "hold", "hold", "uniform", "sparse", "sparse")
_MAX_WORD = 4
SPARSE_EVENTS = 0.15  # in a sparse segment, the share of steps that draw a vector uniformly instead of the held one


def covering_segments() -> list[int]:
    """:data:`COVERING_SEGMENTS`, or the ``BONSAIC_COVERING_SEGMENTS`` environment variable (a comma
    list of segment kinds, for studies: ``benchmarks/defaults_study.py``)."""
    text = os.environ.get("BONSAIC_COVERING_SEGMENTS")
    names = COVERING_SEGMENTS if text is None else tuple(part.strip() for part in text.split(","))
    unknown = [name for name in names if name not in SEGMENT_KINDS]
    if unknown or not names:
        raise ValueError(f"BONSAIC_COVERING_SEGMENTS: unknown segment kind(s) {unknown}; expected a comma list of "
                         f"{', '.join(SEGMENT_KINDS)}")
    return [SEGMENT_KINDS[name] for name in names]


def _covering(program: Program, table: Transitions, batch: int, length: int,
              rng: np.random.Generator, start: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The covering mix (see the module docstring), vectorised over the batch like ``_from_tables``."""
    cdf = _row_cdfs(program.input_probabilities, table.allowed)
    uniform = _row_cdfs(np.ones(len(program.input_vectors)), table.allowed)
    vector_signs = _signs(program.input_vectors)
    output_signs = _signs(table.outputs)
    n_vectors = len(program.input_vectors)
    inputs = np.empty((batch, length, vector_signs.shape[1]), dtype=np.float32)
    targets = np.empty((batch, length, output_signs.shape[2]), dtype=np.float32)
    state = np.zeros(batch, dtype=np.int64) if start is None else start.copy()
    iid_only = rng.random(batch) < 0.25
    kind = np.full(batch, _IID)
    word = np.zeros((batch, _MAX_WORD), dtype=np.int64)
    word_len = np.ones(batch, dtype=np.int64)
    left = np.zeros(batch, dtype=np.int64)  # steps left in the current segment
    mean = max(2.0, length / 4)
    kinds = covering_segments()
    for t in range(length):
        new = (left <= 0) & ~iid_only
        if new.any():  # start new segments: kind, word, length
            k = int(new.sum())
            kind[new] = rng.choice(kinds, size=k)
            word_len[new] = np.where(rng.random(k) < 0.5, 1, rng.integers(2, _MAX_WORD + 1, size=k))
            word[new] = rng.integers(0, n_vectors, size=(k, _MAX_WORD))
            left[new] = rng.geometric(1.0 / mean, size=k)
        u = rng.random(batch)
        vector = (cdf[state] <= u[:, None]).sum(axis=1)
        even = (uniform[state] <= u[:, None]).sum(axis=1)
        held = word[np.arange(batch), t % word_len]
        sparse = (kind == _SPARSE) & ~iid_only
        held = np.where(sparse, word[:, 0], held)
        quiet = sparse & (rng.random(batch) >= SPARSE_EVENTS)  # a sparse segment's step without an event
        holding = ((kind == _HOLD) | quiet) & ~iid_only & table.allowed[state, held]
        vector = np.where(holding, held, np.where(((kind == _UNIFORM) | sparse) & ~iid_only, even, vector))
        inputs[:, t] = vector_signs[vector]
        targets[:, t] = output_signs[state, vector]
        state = table.next[state, vector]
        left -= 1
    return inputs, targets, state


def generate(program: Program, batch: int, length: int, seed: int,
             mix: str = "iid", start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """See :meth:`bonsaic.spec.program.Program.generate`; also returns where each sequence ended
    (an opaque per-sequence array to pass back as ``start`` to continue the sequences)."""
    if mix not in MIXES:
        raise ValueError(f"unknown data mix {mix!r}; expected one of {MIXES}")
    rng = np.random.default_rng(seed)
    inputs = len(program.spec.inputs)
    states = min(TABLE_STATES, TABLE_CELLS >> inputs) if inputs <= MAX_ENUMERATED_INPUTS else 0
    table = program.transitions(states) if states > 0 else None
    if table is not None:
        return (_covering if mix == "covering" else _from_tables)(program, table, batch, length, rng, start)
    return _by_lanes(program, batch, length, rng, start)
