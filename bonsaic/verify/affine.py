"""A relational prover: box invariants over k steps, with images in affine arithmetic.

The interval invariant of :mod:`bonsaic.verify.boxes` loses every correlation: two neurons reading
the same state are bounded independently, and a step's image box is often twice as wide as the box
it came from although the network contracts. Trained networks with the hard Ameo are exactly
piecewise-linear systems, and where their neurons saturate on the leaky pieces the state map
contracts by ``leak * weight`` per step: over a few steps it contracts strongly, over one step
(in interval arithmetic) often not at all.

So this prover keeps the box invariant's form (boxes of state vectors, each tagged with a spec
state) but checks it over ``k`` steps at once, in *affine arithmetic*: every value is an affine
form ``c + g . e`` over noise symbols ``e`` in [-1, 1] -- one per state dimension of the start box
(its half-widths), plus one fresh symbol per neuron and step for what the form cannot track exactly
(a linear relaxation's error, float rounding). Sums are exact on forms, so correlations survive
through every layer and across the k steps. An activation whose input range ``[a, b]`` lies on one
linear piece is applied exactly (``slope * form + intercept``); across breakpoints it is replaced
by the secant line ``lam * x + mu`` plus an error ``beta``, which is exact for a piecewise-linear
function: ``f(x) - lam * x`` is piecewise linear with kinks only at breakpoints, so its extremes
over ``[a, b]`` are at ``a``, ``b`` and the breakpoints inside.

The invariant: boxes ``B`` (spec state ``q``, ``lo <= state <= hi``) such that the initial state is
in a box of the initial spec state, and for every box and every input *word* of ``k`` steps the
spec allows from ``q``, the k-step image lies in a box of the spec's state after the word, and all
``k`` outputs along the way are on the right side of zero. By induction over blocks of ``k`` steps
every reachable state at a multiple of ``k`` lies in a box, and every output of every step is
right: a proof for all sequence lengths. (A sequence that ends inside a block is a prefix of an
allowed word of ``k`` steps, whose outputs were all checked: the spec table refuses specs with a
reachable state that allows no input, so every allowed prefix extends.) The search that grows the boxes is the interval prover's
(:func:`bonsaic.verify.boxes.search_invariant`); only the images differ.

Smooth activations (the interpolated Ameo every trained network uses, ``tanh``) get the same
secant relaxation with an error bound from sampling plus a curvature term (:func:`_activation`),
so the prover covers every activation bonsaic has. Any non-finite coefficient ends the attempt, and
every operation is widened by far more than its float64 rounding error (:data:`ROUNDING_PAD`, as
boxes).
"""

from __future__ import annotations

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.verify.boxes import ROUNDING_PAD, BoxInvariant, Images, search_invariant, sign_ameo_range
from bonsaic.verify.explore import Exploration
from bonsaic.verify.spec_table import SpecTable

STEPS = (1, 2, 3, 4)  # block lengths k tried, shortest first
MAX_WORDS = 64  # words of k steps one spec state may allow; longer blocks are not tried beyond this
GRIDS = (None, 0.5, 0.125)
# multiply-adds one search may spend on images, all attempts together (about 1-2 s here): a search
# on a large network that does not close must not make every verification of a pass's candidates slow
MAX_WORK = 2e9
MEMORY = 256e6  # bytes of affine forms alive at once (images are computed in batches of rows)


def supports(graph: Graph) -> bool:
    """Whether the prover can relax every activation of ``graph`` (all of bonsaic's can)."""
    return all(curvature(act) is not None for act in graph.acts.values())


def curvature(act: Activation) -> float | None:
    """A bound on ``|f''|`` inside the smooth pieces of ``act`` (0 for piecewise-linear ones;
    None for an activation the prover does not know).

    The soft Ameo is ``2 * s(u) - 1`` at ``u = x/2 - 1/2`` with ``s`` the quartic spline of
    :mod:`bonsaic.ir.ameo`; ``s''`` is ``96 (u+2)^2``, ``-96 (u+1)^2``, ``96 u^2`` and ``-96 (u-1)^2``
    on its four curved pieces, at most 24 in magnitude, so ``|f''| = |s''| / 2 <= 12``, scaled by the
    soft share ``1 - factor`` of the interpolated Ameo. ``tanh'' = -2 tanh sech^2`` peaks at
    ``4 / (3 sqrt 3)``.
    """
    if act.kind in ("ameo", "leaky_ameo", "linear", "sign_ameo"):
        return 0.0
    if act.kind == "interpolated_ameo":
        return 12.0 * (1.0 - act.factor)
    if act.kind == "tanh":
        return 4.0 / (3.0 * np.sqrt(3.0))
    return None


def _breakpoints(act: Activation) -> tuple[float, ...]:
    """Where ``act``'s pieces meet (kinks of the hard Ameo, joints of the soft spline)."""
    if act.kind in ("linear", "tanh"):
        return ()
    if act.kind == "interpolated_ameo" and act.factor != 1.0:
        return (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)  # hard: -3, -1, 1, 3; soft: u = -2, -1.5, -0.5, 0.5, 1
    return (-3.0, -1.0, 1.0, 3.0)


SAMPLES = 32  # grid intervals over a smooth activation's input range (the error bound shrinks as 1/SAMPLES^2)


class _Forms:
    """Affine forms for a batch: ``center`` [N], ``coef`` [N, M] over M noise symbols."""

    __slots__ = ("_radius", "center", "coef")

    def __init__(self, center: np.ndarray, coef: np.ndarray) -> None:
        self.center = center
        self.coef = coef
        self._radius: np.ndarray | None = None

    def radius(self) -> np.ndarray:
        """Sum of |coefficients| (computed once: every reader of the node needs it)."""
        if self._radius is None:
            self._radius = np.abs(self.coef).sum(axis=1)
        return self._radius


def _activation(act: Activation, pre: _Forms, fresh: int) -> _Forms:
    """``act`` applied to forms: the secant line ``lam * x + mu`` plus an error ``beta`` (exact on
    one linear piece, where ``beta`` is 0); the error and rounding go to noise symbol ``fresh``.

    ``beta`` bounds ``f(x) - lam * x - mu`` over the input range ``[a, b]``. For a piecewise-linear
    ``f`` its extremes are at ``a``, ``b`` and the breakpoints inside. For a smooth piece they may
    lie anywhere, so ``f - lam x`` is sampled on a grid of step ``h`` plus the breakpoints, and
    widened by ``c h^2 / 8``: between two neighbouring samples inside one piece a function with
    ``|g''| <= c`` rises above the higher of the two by at most that (``g`` lies below its chord
    plus ``c (x - x0)(x1 - x) / 2``), and ``lam x`` adds nothing to ``g''``.
    """
    r = pre.radius()
    a, b = pre.center - r, pre.center + r
    if act.kind == "sign_ameo":  # a jump: no secant helps; its exact range (+-1, or both) as a constant
        lo, hi = sign_ameo_range(a, b)
        coef = np.zeros_like(pre.coef)
        coef[:, fresh] = (hi - lo) / 2.0
        return _Forms((lo + hi) / 2.0, coef)
    fa, fb = act.forward(a), act.forward(b)
    width = b - a
    bend = curvature(act)
    if act.kind == "linear":
        lam = np.ones_like(a)
    else:  # the secant, kept within the pieces' slopes where rounding of a tiny width distorts it
        steepest = 1.0 if not bend else 4.0
        lam = np.clip(np.where(width > 0, (fb - fa) / np.where(width > 0, width, 1.0), 0.0), -steepest, steepest)
    points = [a, b]
    for p in _breakpoints(act):
        points.append(np.where((a < p) & (p < b), p, a))
    if bend:
        points += [a + width * (j / SAMPLES) for j in range(1, SAMPLES)]
    at = np.stack(points)  # [P, N]: a, b, breakpoints (and the grid); one call evaluates them all
    gaps = act.forward(at) - lam * at  # f(x) - lam x
    top, bottom = gaps.max(axis=0), gaps.min(axis=0)
    if bend:
        slack = bend * (width / SAMPLES) ** 2 / 8.0
        top, bottom = top + slack, bottom - slack
    mu, beta = (top + bottom) / 2.0, (top - bottom) / 2.0
    magnitude = 1.0 + np.abs(mu) + np.abs(lam) * (np.abs(pre.center) + r) + np.maximum(np.abs(fa), np.abs(fb))
    coef = pre.coef * lam[:, None]
    coef[:, fresh] += beta + ROUNDING_PAD * magnitude
    return _Forms(lam * pre.center + mu, coef)


class AffineImager:
    """The k-step images of boxes under every allowed input word, in affine arithmetic."""

    def __init__(self, graph: Graph, table: SpecTable, steps: int) -> None:
        self.graph = graph
        self.table = table
        self.steps = steps
        self.state_names = [s.name for s in graph.states]
        self._words: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.work = 0.0
        symbols = len(graph.states) + steps * max(1, len(graph.neurons))
        self._cost = steps * (graph.edge_count() + len(graph.neurons) + 1) * symbols
        # rows per batch: every node's form is [rows, symbols] float64; keep them all within ~256 MB
        nodes = len(graph.inputs) + len(graph.states) + len(graph.neurons) + 1
        self._chunk = max(1, int(MEMORY // (8 * symbols * nodes)))

    @property
    def exhausted(self) -> bool:
        """Whether this attempt has spent its :data:`MAX_WORK` (the search then gives up)."""
        return self.work > MAX_WORK

    def words(self, state: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every allowed word of ``steps`` inputs from spec state ``state``: inputs [W, k, I], the
        spec state after it [W], the outputs it expects [W, k, O]."""
        if state not in self._words:
            paths: list[tuple[int, list[np.ndarray], list[np.ndarray]]] = [(state, [], [])]
            for _ in range(self.steps):
                longer = []
                for at, xs, ys in paths:
                    moves = self.table.moves(at)
                    for m, nxt in enumerate(moves.next_states.tolist()):
                        longer.append((nxt, [*xs, moves.inputs[m]], [*ys, moves.expected[m]]))
                paths = longer
            n_in, n_out = self.table.n_inputs, self.table.n_outputs
            self._words[state] = (
                np.array([np.reshape(xs, (self.steps, n_in)) for _s, xs, _y in paths]).reshape(-1, self.steps, n_in),
                np.array([s for s, _x, _y in paths], dtype=np.int64),
                np.array([np.reshape(ys, (self.steps, n_out)) for _s, _x, ys in paths]).reshape(-1, self.steps, n_out),
            )
        return self._words[state]

    def word_count(self, state: int) -> int:
        return len(self.words(state)[1])

    def __call__(self, spec: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Images:
        boxes, inputs, nexts, expected = [], [], [], []
        for k, s in enumerate(spec.tolist()):
            x, nxt, y = self.words(s)
            boxes.append(np.full(len(nxt), k))
            inputs.append(x)
            nexts.append(nxt)
            expected.append(y)
        box = np.concatenate(boxes)
        self.work += len(box) * self._cost
        if self.exhausted:  # the search gives up: don't compute what it will not look at
            empty = np.zeros((len(box), lo.shape[1]))
            return np.concatenate(nexts), empty, empty, empty[:, :0], empty[:, :0], np.zeros((len(box), 0))
        words = np.concatenate(inputs)
        parts = []
        with np.errstate(over="ignore", invalid="ignore"):  # overflow shows as a non-finite bound
            for start in range(0, len(box), self._chunk):
                rows = box[start:start + self._chunk]
                parts.append(self._run(lo[rows], hi[rows], words[start:start + self._chunk]))
        next_lo, next_hi, out_lo, out_hi = (np.concatenate(column) for column in zip(*parts, strict=True))
        want = np.concatenate(expected)
        return np.concatenate(nexts), next_lo, next_hi, out_lo, out_hi, want.reshape(len(want), -1)

    def _run(self, lo: np.ndarray, hi: np.ndarray,
             inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Boxes [N, S] through ``inputs`` [N, k, I]: the final state's bounds and every step's
        output bounds [N, k * O]."""
        graph = self.graph
        n, n_states = lo.shape
        symbols = n_states + self.steps * max(1, len(graph.neurons))
        coef = np.zeros((n, n_states, symbols))
        idx = np.arange(n_states)
        coef[:, idx, idx] = (hi - lo) / 2.0 + ROUNDING_PAD * (1.0 + np.abs(lo) + np.abs(hi))
        states = [_Forms((hi[:, j] + lo[:, j]) / 2.0, coef[:, j, :].copy()) for j in range(n_states)]
        zero = _Forms(np.zeros(n), np.zeros((n, symbols)))
        out_lo, out_hi = [], []
        fresh = n_states
        for t in range(self.steps):
            value: dict[str | None, _Forms] = {name: form for name, form in zip(self.state_names, states, strict=True)}
            for i, name in enumerate(graph.inputs):
                value[name] = _Forms(inputs[:, t, i].copy(), np.zeros((n, symbols)))
            scratch = np.empty((n, symbols))
            for neuron in graph.neurons:
                center = np.full(n, neuron.bias)
                acc = np.zeros((n, symbols))
                size = np.full(n, abs(neuron.bias))
                for src, w in neuron.inputs:
                    form = value[src]
                    center += w * form.center
                    np.multiply(form.coef, w, out=scratch)
                    acc += scratch
                    size += abs(w) * (np.abs(form.center) + form.radius())
                acc[:, fresh] += ROUNDING_PAD * (1.0 + size)
                value[neuron.name] = _activation(graph.acts[neuron.act], _Forms(center, acc), fresh)
                fresh += 1
            for out in graph.outputs:
                form = value[out.source]
                r = form.radius() + ROUNDING_PAD * (1.0 + np.abs(form.center))
                out_lo.append(form.center - r)
                out_hi.append(form.center + r)
            states = [zero if s.next is None else value[s.next] for s in graph.states]
        next_lo = np.stack([f.center - f.radius() for f in states], axis=1) if states else np.zeros((n, 0))
        next_hi = np.stack([f.center + f.radius() for f in states], axis=1) if states else np.zeros((n, 0))
        pad = ROUNDING_PAD * (1.0 + np.maximum(np.abs(next_lo), np.abs(next_hi)))
        return next_lo - pad, next_hi + pad, np.stack(out_lo, axis=1), np.stack(out_hi, axis=1)


def find_affine_invariant(graph: Graph, table: SpecTable, ex: Exploration) -> BoxInvariant | None:
    """A k-step box invariant checked in affine arithmetic (see the module docstring), trying
    k = 1, 2, ... while every explored spec state allows at most :data:`MAX_WORDS` words of k steps;
    None when no attempt closes (which proves nothing either way)."""
    if not supports(graph) or ex.product_states == 0:
        return None
    spec_states = np.unique(ex.product_spec).tolist()
    spent = 0.0
    for steps in STEPS:
        imager = AffineImager(graph, table, steps)
        if max(imager.word_count(s) for s in spec_states) > MAX_WORDS:
            break
        for grid in GRIDS:
            imager.work = spent  # one allowance for the whole search
            found = search_invariant(imager, table, ex, (grid,))
            if found is not None:
                return found
            spent = imager.work
            if imager.exhausted:
                return None
    return None
