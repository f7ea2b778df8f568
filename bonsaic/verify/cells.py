"""Cell cover: a proof for all lengths from a grid of small boxes whose *union* is inductive.

The box searches of :mod:`bonsaic.verify.boxes` and :mod:`bonsaic.verify.affine` need every image
of a box to fit inside *one* box. They start from one hull of the explored states per spec state
(or per coarse grid cell) and grow a box whenever an image escapes it, so boxes merge the separate
clusters a trained network's states fall into, and an output interval soon straddles zero.
Measured on trained networks of the task suite (a D latch, mod-3 counters, with the interpolated
Ameo): every attempt of those searches failed on an output sign within a few rounds, at every grid
tried, although the networks contract onto a few small clusters.

This module fixes the boxes instead of growing them: the state space is cut into a grid of cells of
side ``h`` (a power of two, so cell bounds are exact floats), and the invariant is a *set* of
(spec state, cell) pairs. Starting from the cells of the explored states, it computes the image of
every cell under every input the spec allows (interval arithmetic, the imager of
:mod:`bonsaic.verify.boxes`), checks every output interval's sign, and adds *every* cell the image box
touches, tagged with the spec's next state, until no new pair appears. Then, by induction, every
reachable (spec state, graph state) pair lies in a cell of the set -- an image lies inside the union
of the cells it touches, and a state on a cell boundary is in both cells -- and every output of every
step is right: **proved**. The check is sound whatever the cell size; the size only decides whether
the set stays finite: a contracting network's cells settle into neighbourhoods of its attractors,
a drifting one's spread until a cap ends the attempt (which proves nothing either way).

Work is counted, not timed, so a verdict never depends on the machine's speed: an attempt stops
after :data:`MAX_CELLS` pairs or when one image touches more than :data:`MAX_SPREAD` cells, and all
attempts of one call together after :data:`MAX_WORK` neuron evaluations.
"""

from __future__ import annotations

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.verify.boxes import BoxInvariant, IntervalImager, supports
from bonsaic.verify.explore import Exploration
from bonsaic.verify.spec_table import SpecTable

SIZES = (2.0**-4, 2.0**-6, 2.0**-8)  # cell sides tried, coarsest first (powers of two: exact bounds)
MAX_CELLS = 40_000  # (spec state, cell) pairs one attempt may hold
MAX_SPREAD = 64  # cells one image may touch (an image much wider than a cell will not settle)
MAX_WORK = 5e7  # neuron evaluations (images x neurons x steps) of one call, all attempts together
MAX_COORDINATE = 1e6  # state bounds beyond this end an attempt (cell indices must stay exact integers)
MAX_STATES = 8  # graph states beyond which the grid is not tried (cells multiply per dimension)


def _unique_rows(keys: np.ndarray) -> np.ndarray:
    keys = np.ascontiguousarray(keys)
    rows = keys.view(np.dtype((np.void, keys.shape[1] * keys.itemsize))).ravel()
    _, first = np.unique(rows, return_index=True)
    return keys[np.sort(first)]


def _touched(nlo: np.ndarray, nhi: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Every cell each image box ``[nlo, nhi]`` touches: (image index per cell, cell [M, S]);
    None when one image touches more than :data:`MAX_SPREAD` cells."""
    a = np.floor(nlo / size).astype(np.int64)
    b = np.floor(nhi / size).astype(np.int64)
    extent = b - a + 1
    counts = np.prod(extent, axis=1)
    if counts.size and counts.max() > MAX_SPREAD:
        return None
    owner = np.repeat(np.arange(len(a)), counts)
    local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    cells = np.empty((len(owner), a.shape[1]), dtype=np.int64)
    for d in range(a.shape[1]):
        ext = extent[owner, d]
        cells[:, d] = a[owner, d] + local % ext
        local = local // ext
    return owner, cells


class _Budget:
    """Neuron evaluations spent so far by one call's attempts."""

    def __init__(self, graph: Graph) -> None:
        self.per_image = max(1, len(graph.neurons) + graph.edge_count())
        self.spent = 0.0

    def charge(self, images: int, steps: int) -> bool:
        self.spent += images * steps * self.per_image
        return self.spent <= MAX_WORK


def _attempt(imager, table: SpecTable, ex: Exploration, size: float,  # noqa: ANN001 - an imager of boxes.py/affine.py
             budget: _Budget) -> tuple[BoxInvariant | None, str]:
    """One cell size and imager: the invariant, or None; and what ended the attempt."""
    states = ex.graph_states[ex.product_graph]
    if not (np.isfinite(states).all() and np.abs(states).max(initial=0.0) < MAX_COORDINATE):
        return None, "explored states too large for a grid"
    seeds = np.concatenate([ex.product_spec[:, None].astype(np.int64), np.floor(states / size).astype(np.int64)],
                           axis=1)
    frontier = _unique_rows(seeds)
    known = {row.tobytes() for row in frontier}
    kept = [frontier]
    margin = float("inf")
    steps = getattr(imager, "steps", 1)
    while len(frontier):
        if len(known) > MAX_CELLS:
            return None, f"more than {MAX_CELLS} cells"
        lo = frontier[:, 1:].astype(np.float64) * size
        with np.errstate(over="ignore", invalid="ignore"):
            images = imager(frontier[:, 0], lo, lo + size)
        nxt, nlo, nhi, out_lo, out_hi, expected = images
        if getattr(imager, "exhausted", False) or not budget.charge(len(nxt), steps):
            return None, f"work spent at {len(known)} cells"
        if not all(np.isfinite(x).all() for x in (nlo, nhi, out_lo, out_hi)):
            return None, "non-finite bound"  # an overflow proves nothing (NaN passes every comparison)
        if max(np.abs(nlo).max(initial=0.0), np.abs(nhi).max(initial=0.0)) >= MAX_COORDINATE:
            return None, "an image too large for a grid"
        signed = np.where(expected > 0, out_lo, -out_hi)
        if signed.size:
            if not signed.min() > 0.0:
                return None, f"output sign {signed.min():.3f} at {len(known)} cells"
            margin = min(margin, float(signed.min()))
        touched = _touched(nlo, nhi, size)
        if touched is None:
            return None, f"an image spans more than {MAX_SPREAD} cells (at {len(known)})"
        owner, cells = touched
        candidates = _unique_rows(np.concatenate([nxt[owner, None].astype(np.int64), cells], axis=1))
        fresh = [row for row in candidates if row.tobytes() not in known]
        known.update(row.tobytes() for row in fresh)
        frontier = np.array(fresh, dtype=np.int64).reshape(-1, candidates.shape[1])
        kept.append(frontier)
    pairs = np.concatenate(kept)
    lo = pairs[:, 1:].astype(np.float64) * size
    found = BoxInvariant(pairs[:, 0].copy(), lo, lo + size, margin, steps, cell_size=size)
    initial = ex.graph_states[0]
    holds = (found.spec == table.initial) & np.all((found.lo <= initial) & (initial <= found.hi), axis=1)
    return (found, "closed") if holds.any() else (None, "initial state not covered")


def find_cell_invariant(graph: Graph, table: SpecTable, ex: Exploration,
                        why: list[str] | None = None) -> BoxInvariant | None:
    """A cell cover proving ``graph`` (see the module docstring), with interval images, for the cell
    sides :data:`SIZES` in turn; None when no attempt closes. ``why`` collects one line per attempt.

    Affine images (:mod:`bonsaic.verify.affine`) were tried as well: on the trained networks
    measured they never closed an attempt the interval images did not, at several times the cost."""
    n_states = len(graph.states)
    if ex.product_states == 0 or n_states == 0 or n_states > MAX_STATES or not supports(graph):
        return None
    budget = _Budget(graph)
    imager = IntervalImager(graph, table)
    for size in SIZES:
        found, reason = _attempt(imager, table, ex, size, budget)
        if why is not None:
            why.append(f"cells of side {size:g}: {reason}")
        if found is not None:
            return found
        if budget.spent > MAX_WORK:
            return None
    return None
