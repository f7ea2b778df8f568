"""Interval closure: a proof for all sequence lengths when graph states never repeat exactly.

The exhaustive exploration (:mod:`bonsaic.verify.explore`) proves a graph only when its reachable
graph states form a finite set of exact floats. Networks that count or oscillate with leaky
activations (parens, mini_cpu) never repeat a state bit for bit: their states drift towards an
attractor and the exploration runs out of budget, so it can only vouch for the depth it reached.

This module looks for an *inductive box invariant* instead: a finite list of boxes, each tagged
with a spec state, such that

1. the initial graph state lies in a box of the initial spec state;
2. for every box and every input the spec allows in its spec state, the interval image of the box
   under one graph step lies inside some box of the spec's next state; and
3. on every such (box, input) pair, every output's interval is strictly on the side of zero the
   spec expects.

By induction on the step count, every reachable (spec state, graph state) pair then lies in a box
of its spec state, and every output of every step of every allowed sequence is right: the same
"for all lengths" verdict an exhaustive exploration gives. The check is sound whatever boxes it is
handed; the search only decides which boxes to try.

**Interval step.** Neurons are evaluated in topological order on intervals: a weighted sum takes
each weight's sign into account, and an activation's range over ``[a, b]`` is the smallest and
largest of its values at ``a``, ``b`` and every breakpoint inside. That is exact for these
functions: every Ameo variant is continuous and monotone between consecutive breakpoints (the
soft spline's turning points are breakpoints too, and with ``0 <= factor <= 1`` the hard and soft
parts rise and fall together on every piece), and ``tanh``/``linear`` are monotone. Float rounding
is covered by widening every sum and every activation value by far more than its worst-case
rounding error (:data:`ROUNDING_PAD`). The input bits are exact, so only the state is abstracted.
A bound that is not finite (a sum that overflows, then ``inf - inf = NaN``) ends the attempt: the
comparisons of the check are all False on NaN, so one would otherwise pass as inside every box.

**Search.** Boxes start as the hulls of the exploration's graph states per spec state, optionally
split by a grid so that separate clusters (an oscillator's two phases) get separate boxes. Each
round computes every image; an image no box contains is joined to the box of its spec state that
grows least, which is then widened by a margin (:data:`WIDEN`) so that a contracting system stops
growing after a few rounds. An output whose interval touches the wrong side fails that attempt
(boxes only grow), and the next, finer grid is tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.verify.explore import Exploration
from bonsaic.verify.spec_table import SpecTable

# Float64 rounding of a weighted sum of n terms is below n * 2^-53 * sum|w*v|; fan-ins here are
# tens of terms, so 1e-12 relative (plus 1e-12 absolute) is a margin of three orders of magnitude.
ROUNDING_PAD = 1e-12
WIDEN = 0.01  # an enlarged box grows by this share of its width on each side (plus WIDEN_ABS)
WIDEN_ABS = 1e-9
GRIDS = (None, 0.5, 0.125)  # cell sizes of the initial split; None: one box per spec state
MAX_ROUNDS = 200
MAX_BOXES = 2000
# images outside every box that one attempt may absorb, one at a time (about 40 us each): a counter
# seeded into ~1000 grid boxes that kept growing took 56 s over 3 attempts before this cap
MAX_GROWTHS = 5_000
BLOCK = 4_000_000  # comparisons per vectorised containment block (images x boxes x state size)


@dataclass
class BoxInvariant:
    """An inductive invariant that proves a graph: box ``k`` is ``lo[k] <= state <= hi[k]`` in spec
    state ``spec[k]`` (indices into the verifier's spec table). ``margin`` is the smallest distance
    from zero of any output interval over all boxes and allowed inputs."""

    spec: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    margin: float
    steps: int = 1  # the boxes hold the state every ``steps`` steps (k-step images, verify/affine.py)
    cell_size: float | None = None  # set for a cell cover (verify/cells.py): every box is a grid cell

    def __len__(self) -> int:
        return len(self.spec)


def supports(graph: Graph) -> bool:
    """Whether every activation of ``graph`` is piecewise monotone between its breakpoints."""
    return all(act.kind != "interpolated_ameo" or 0.0 <= act.factor <= 1.0 for act in graph.acts.values())


def _activation_range(act: Activation, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value of ``act`` on ``[a, b]`` (elementwise), widened for rounding."""
    if act.kind == "sign_ameo":
        return sign_ameo_range(a, b)
    fa, fb = act.forward(a), act.forward(b)
    lo, hi = np.minimum(fa, fb), np.maximum(fa, fb)
    for point in act.breakpoints():
        inside = (a < point) & (point < b)
        if inside.any():
            value = float(act.forward(np.array([point]))[0])
            lo = np.where(inside, np.minimum(lo, value), lo)
            hi = np.where(inside, np.maximum(hi, value), hi)
    pad = ROUNDING_PAD * (1.0 + np.maximum(np.abs(lo), np.abs(hi)))
    return lo - pad, hi + pad


def sign_ameo_range(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The range of the two-valued ``sign_ameo`` on ``[a, b]``: the sign of the hard Ameo's range.

    Sampling at the ends and breakpoints is not enough for a function that jumps (on ``[-2, 0]``
    it is -1 at both ends and +1 inside), so this goes through the hard Ameo, which is continuous.
    The hard Ameo's range is padded for rounding, so a sum within rounding of a jump takes both
    values. A bound that is not a number stays NaN (never one of the two values), so that the
    attempt fails as for every other activation.
    """
    lo, hi = _activation_range(Activation.ameo(), a, b)
    bad = np.isnan(lo) | np.isnan(hi)
    return (np.where(bad, np.nan, np.where(lo > 0.0, 1.0, -1.0)),
            np.where(bad, np.nan, np.where(hi > 0.0, 1.0, -1.0)))


class IntervalStepper:
    """One graph step on boxes of states (the input bits are exact)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.state_names = [s.name for s in graph.states]
        self.output_sources = [out.source for out in graph.outputs]
        self.next_sources = [s.next for s in graph.states]

    def step(self, lo: np.ndarray, hi: np.ndarray,
             inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``lo``/``hi`` [N, S], ``inputs`` [N, I] -> (next lo, next hi [N, S], out lo, out hi [N, O])."""
        n = len(lo)
        low: dict[str | None, np.ndarray] = {}
        high: dict[str | None, np.ndarray] = {}
        for k, name in enumerate(self.graph.inputs):
            low[name] = high[name] = inputs[:, k]
        for k, name in enumerate(self.state_names):
            low[name], high[name] = lo[:, k], hi[:, k]
        for neuron in self.graph.neurons:
            a = np.full(n, neuron.bias)
            b = np.full(n, neuron.bias)
            size = np.full(n, abs(neuron.bias))
            for src, w in neuron.inputs:
                x, y = low[src] * w, high[src] * w
                a = a + np.minimum(x, y)
                b = b + np.maximum(x, y)
                size = size + np.maximum(np.abs(x), np.abs(y))
            pad = ROUNDING_PAD * (1.0 + size)
            low[neuron.name], high[neuron.name] = _activation_range(self.graph.acts[neuron.act], a - pad, b + pad)
        low[None] = high[None] = np.zeros(n)  # a state without a `next` node holds 0.0 from step 1 on

        def columns(values: dict, names: list) -> np.ndarray:
            return np.stack([values[name] for name in names], axis=1) if names else np.zeros((n, 0))

        return (columns(low, self.next_sources), columns(high, self.next_sources),
                columns(low, self.output_sources), columns(high, self.output_sources))


def _seed_boxes(ex: Exploration, grid: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hulls of the explored graph states, one per spec state (and grid cell when ``grid`` is set);
    computed once per exploration and grid (both provers try every grid, the affine one per k)."""
    cache = ex.__dict__.setdefault("_seed_boxes", {})
    if grid not in cache:
        cache[grid] = _hulls(ex, grid)
    spec, lo, hi = cache[grid]
    return spec.copy(), lo.copy(), hi.copy()


def _hulls(ex: Exploration, grid: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    states = ex.graph_states[ex.product_graph]
    spec = ex.product_spec
    if grid is None:
        cells = np.zeros((len(spec), 0), dtype=np.int64)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            cells = np.floor(states / grid).astype(np.int64)
    keys = np.ascontiguousarray(np.concatenate([spec[:, None], cells], axis=1))
    rows = keys.view(np.dtype((np.void, keys.shape[1] * keys.itemsize))).ravel()  # one opaque key per row
    _unique, group = np.unique(rows, return_inverse=True)  # 1-D: much faster than unique(axis=0)
    group = group.ravel()
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    ordered = states[order]
    if ordered.shape[1]:
        lo = np.minimum.reduceat(ordered, starts, axis=0)
        hi = np.maximum.reduceat(ordered, starts, axis=0)
    else:
        lo = hi = np.zeros((len(starts), 0))
    return spec[order][starts], lo, hi


def _all_finite(*arrays: np.ndarray) -> bool:
    """Whether every bound is a finite number. A NaN bound passes every comparison of the
    invariant check (``NaN <= x`` and ``NaN > 0`` are both False), so it must end the attempt."""
    return all(bool(np.isfinite(a).all()) for a in arrays)


def _widen(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    margin = WIDEN * (hi - lo) + WIDEN_ABS
    return lo - margin, hi + margin


Images = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""(next spec [N], next lo [N, S], next hi [N, S], out lo [N, M], out hi [N, M], expected [N, M]):
for every (box, allowed input word) pair, where the word leads and every output it produces."""


class IntervalImager:
    """One step of every box under every input its spec state allows, in interval arithmetic."""

    steps = 1

    def __init__(self, graph: Graph, table: SpecTable) -> None:
        self.stepper = IntervalStepper(graph)
        self.table = table

    def __call__(self, spec: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Images:
        boxes, inputs, nexts, expected = [], [], [], []
        for k, s in enumerate(spec.tolist()):
            moves = self.table.moves(s)
            boxes.append(np.full(len(moves.next_states), k))
            inputs.append(moves.inputs)
            nexts.append(moves.next_states)
            expected.append(moves.expected)
        box = np.concatenate(boxes)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught as a non-finite bound
            next_lo, next_hi, out_lo, out_hi = self.stepper.step(lo[box], hi[box], np.concatenate(inputs))
        return np.concatenate(nexts), next_lo, next_hi, out_lo, out_hi, np.concatenate(expected)


class _Search:
    """One attempt: grow a list of boxes until it is inductive under ``imager``, or give up."""

    def __init__(self, imager: Callable[[np.ndarray, np.ndarray, np.ndarray], Images], spec: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray) -> None:
        self.imager = imager
        self.spec = spec
        self.lo, self.hi = _widen(lo, hi)

    def run(self) -> BoxInvariant | None:
        self.growths = 0
        for _round in range(MAX_ROUNDS):
            nxt, next_lo, next_hi, out_lo, out_hi, expected = self.imager(self.spec, self.lo, self.hi)
            if getattr(self.imager, "exhausted", False):
                return None
            if not _all_finite(next_lo, next_hi, out_lo, out_hi, self.lo, self.hi):
                return None  # an overflowing bound (inf, or inf - inf = NaN) proves nothing
            signed = np.where(expected > 0, out_lo, -out_hi)  # > 0 exactly when the output is right
            if signed.size and not signed.min() > 0.0:
                return None
            escaped = self._absorb(nxt, next_lo, next_hi)
            if not escaped:
                margin = float(signed.min()) if signed.size else float("inf")
                return BoxInvariant(self.spec.copy(), self.lo.copy(), self.hi.copy(), margin)
            if len(self.spec) > MAX_BOXES or self.growths > MAX_GROWTHS:
                return None
        return None

    def _outside(self, nxt: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Indices of the images that lie in no box of their spec state (vectorised, in blocks)."""
        per_image = max(1, len(self.spec) * max(1, self.lo.shape[1]))
        step = max(1, BLOCK // per_image)
        outside = []
        for start in range(0, len(nxt), step):
            part = slice(start, start + step)
            same = self.spec[None, :] == nxt[part, None]
            inside = (same & np.all(self.lo[None] <= lo[part, None], axis=2)
                      & np.all(hi[part, None] <= self.hi[None], axis=2))
            outside.append(start + np.flatnonzero(~inside.any(axis=1)))
        return np.concatenate(outside) if outside else np.zeros(0, dtype=np.int64)

    def _absorb(self, nxt: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
        """Make every image fit some box of its spec state; True if any box had to grow."""
        grew = False
        for i in self._outside(nxt, lo, hi).tolist():  # the others fit as the boxes are; boxes only grow
            self.growths += 1
            same = np.flatnonzero(self.spec == nxt[i])
            if same.size:
                inside = np.all((self.lo[same] <= lo[i]) & (hi[i] <= self.hi[same]), axis=1)
                if inside.any():
                    continue
                joined_lo = np.minimum(self.lo[same], lo[i])
                joined_hi = np.maximum(self.hi[same], hi[i])
                growth = np.sum((joined_hi - joined_lo) - (self.hi[same] - self.lo[same]), axis=1)
                best = same[int(np.argmin(growth))]
                self.lo[best], self.hi[best] = _widen(np.minimum(self.lo[best], lo[i]),
                                                      np.maximum(self.hi[best], hi[i]))
            else:  # a spec state the exploration never reached
                new_lo, new_hi = _widen(lo[i], hi[i])
                self.spec = np.append(self.spec, nxt[i])
                self.lo = np.vstack([self.lo, new_lo])
                self.hi = np.vstack([self.hi, new_hi])
            grew = True
        return grew


def find_box_invariant(graph: Graph, table: SpecTable, ex: Exploration) -> BoxInvariant | None:
    """An inductive box invariant proving ``graph`` against the spec behind ``table``, seeded by the
    states ``ex`` explored; None when none of the tried splittings closes (which proves nothing
    either way). Checks condition 1 of the module docstring itself."""
    if not supports(graph) or ex.product_states == 0:
        return None
    return search_invariant(IntervalImager(graph, table), table, ex)


def search_invariant(imager: Callable[[np.ndarray, np.ndarray, np.ndarray], Images], table: SpecTable,
                     ex: Exploration, grids: tuple[float | None, ...] = GRIDS) -> BoxInvariant | None:
    """Grow boxes seeded by ``ex`` (one per spec state, then split on each grid of ``grids``) until
    they are inductive under ``imager`` and contain the initial state; None if no attempt closes."""
    initial = ex.graph_states[0]
    for grid in grids:
        spec, lo, hi = _seed_boxes(ex, grid)
        if len(spec) > MAX_BOXES:  # finer grids only split further: no point trying them
            break
        found = _Search(imager, spec, lo, hi).run()
        if found is None:
            continue
        holds = (found.spec == table.initial) & np.all((found.lo <= initial) & (initial <= found.hi), axis=1)
        if holds.any():
            found.steps = getattr(imager, "steps", 1)
            return found
    return None
