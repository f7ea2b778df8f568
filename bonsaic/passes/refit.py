"""``refit``: a neuron's whole cone becomes one neuron over the step's inputs and states, where one suffices.

Training grows a cell and a dense layer, and the other passes only ever remove single weights or
merge equal nodes, so a function of two variables can stay spread over four neurons: replace111's
default training wrote ``y`` as a dense neuron over three cell neurons that each read ``x`` and a
state, eleven edges for what one neuron over ``x`` and the two states computes.

When the exploration closes, every node is a function on a finite set of reachable (input, state)
values. For a neuron ``T`` this pass searches for the smallest set of inputs and states that
determines ``T`` and a single ``sign_ameo`` neuron over them that reproduces it on every reachable
step; if rewriting ``T`` in place into that neuron (its old cone left to ``dce``) shrinks the graph,
the rewrite is made. What "reproduces" means depends on who reads ``T``:

* ``T`` takes only the values -1 and +1 (a binary state's ``next`` neuron, a two-valued hidden
  neuron): the new neuron gives exactly the same values, so nothing downstream can tell;
* ``T`` is read only by outputs, which decode the sign: the new neuron keeps the sign.

``sign_ameo`` is +1 on ``(-2, 0)`` and above 2, -1 elsewhere. The search tries integer weights in
``{-3..3}`` (no zero: the set of variables is chosen separately) and then a scale and bias: a
*threshold* (every true step's weighted sum above every false step's) gets a bias in the middle and
the smallest power-of-two scale that puts every step at least 1 away from the jumps; where no
threshold exists, a *band* is tried (the true steps' sums between the false ones', as an XOR needs), on a grid of scales and biases, at least ``MARGIN`` away from every jump. The
weights found are dyadic, so the sums are exact in floating point.

Then a state that the other inputs and states determine on every reachable step (a learned
redundant bit) is dropped where each neuron that reads it can be refitted over the others and the
graph gets smaller. The pass never re-encodes the states: it keeps the variables training found and
rewrites only what is computed from them within a step.

Whatever the search proposes, the verifier decides: the rewritten graph is kept only if it still
implements the spec. Without a closed exploration the pass does nothing (the reachable set is
not known, so no refit can be justified).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext, size_counts
from bonsaic.verify.booleanize import variables_behind

MAX_SUPPORT = 4  # variables a refitted neuron may read (the search is exponential in it)
BAND_CELLS = 1 << 20  # pre-activations the band search evaluates at once (8 MiB, 32 MiB of distances)
WEIGHTS = (1.0, -1.0, 2.0, -2.0, 3.0, -3.0)
MARGIN = 0.5  # least distance of a band neuron's pre-activation from sign_ameo's jumps
_BAND_SCALES = np.array([0.5, 1.0, 2.0, 4.0])
_BAND_BIASES = np.arange(-24.0, 24.0 + 0.25, 0.25)
_JUMPS = np.array([-2.0, 0.0, 2.0])


@dataclass(frozen=True)
class Fit:
    """One neuron ``sign_ameo(sum(w * var) + bias)``."""

    inputs: tuple[tuple[str, float], ...]
    bias: float


_SIGN_AMEO = Activation.sign_ameo()


def _threshold(points: np.ndarray, labels: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Scaled weights and bias putting every true point's sum above 2 and every false one's below -2."""
    sums = points @ w
    lo, hi = sums[~labels].max(), sums[labels].min()
    if lo >= hi:
        return None
    scale = 1.0
    while scale * (hi - lo) / 2 < 3.0:  # at least 1 away from the jump at +-2
        scale *= 2.0
    while scale * (hi - lo) / 2 >= 6.0 and scale > 1.0 / 64:
        scale /= 2.0
    return scale * w, float(-scale * (lo + hi) / 2) + 0.0  # + 0.0: no -0.0 in the IR


def _at_most_three_turns(sums: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per candidate (columns of ``sums``): whether the labels, in the order of the weighted sums,
    change at most three times and equal sums carry equal labels -- what ``sign_ameo``'s four
    pieces (-1, +1, -1, +1) need before any scale and bias is tried."""
    order = np.argsort(sums, axis=0, kind="stable")
    ordered = np.take_along_axis(sums, order, axis=0)
    lab = labels[order]
    changes = lab[1:] != lab[:-1]
    ties = ordered[1:] == ordered[:-1]
    return ~np.any(changes & ties, axis=0) & (changes.sum(axis=0) <= 3)


def _band(points: np.ndarray, labels: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The first of ``candidates`` (weight vectors, one per row) with a scale and bias from the grid
    under which ``sign_ameo`` of the sums gives ``labels`` at least ``MARGIN`` away from every jump."""
    want = np.where(labels, 1.0, -1.0)
    candidates = candidates[_at_most_three_turns(points @ candidates.T, labels)]
    chunk = max(1, BAND_CELLS // (len(_BAND_SCALES) * len(_BAND_BIASES) * max(1, len(points))))
    for start in range(0, len(candidates), chunk):
        block = candidates[start:start + chunk]
        sums = block @ points.T  # [candidates, points]
        z = _BAND_SCALES[None, :, None, None] * sums[:, None, None, :] + _BAND_BIASES[None, None, :, None]
        right = np.all(_SIGN_AMEO(z) == want, axis=3)
        clear = np.min(np.abs(z[..., None] - _JUMPS), axis=(3, 4)) >= MARGIN
        found = right & clear  # [candidates, scales, biases]
        hits = np.flatnonzero(found.any(axis=(1, 2)))
        if len(hits):
            c = int(hits[0])
            i, j = min(np.argwhere(found[c]).tolist(), key=lambda ij: (abs(_BAND_BIASES[ij[1]]), ij[0]))
            return _BAND_SCALES[i] * block[c], float(_BAND_BIASES[j])
    return None


@functools.cache
def _weight_vectors(k: int) -> np.ndarray:
    """Every vector of ``k`` weights from :data:`WEIGHTS`, the smallest total magnitude first."""
    return np.array(sorted(itertools.product(WEIGHTS, repeat=k), key=lambda w: sum(map(abs, w))))


def find_fit(names: list[str], points: np.ndarray, labels: np.ndarray, max_inputs: int) -> Fit | None:
    """The neuron over the fewest of ``names`` (columns of ``points``, one row per reachable step)
    whose sign_ameo is +1 exactly on the ``labels`` rows; None if none reads at most ``max_inputs``."""
    if labels.all() or not labels.any():
        return Fit((), 3.0 if labels.all() else -3.0)
    # one row per distinct (point, label): an exploration has many steps but few distinct ones
    distinct = np.unique(np.column_stack([points, labels]), axis=0)
    points, labels = distinct[:, :-1], distinct[:, -1] > 0
    for k in range(1, min(max_inputs, MAX_SUPPORT, len(names)) + 1):
        for subset in itertools.combinations(range(len(names)), k):
            sub = points[:, subset]
            rows, index = np.unique(sub, axis=0, return_inverse=True)
            index = index.ravel()
            row_labels = np.zeros(len(rows), dtype=bool)
            row_labels[index[labels]] = True
            if np.any(row_labels[index] != labels):  # these variables do not determine the target
                continue
            candidates = _weight_vectors(k)
            sums = rows @ candidates.T  # [rows, candidates]
            separable = sums[~row_labels].max(axis=0) < sums[row_labels].min(axis=0)
            fit = (_threshold(rows, row_labels, candidates[int(np.argmax(separable))]) if separable.any()
                   else _band(rows, row_labels, candidates))
            if fit is not None:
                scaled, bias = fit
                return Fit(tuple((names[i], float(v)) for i, v in zip(subset, scaled, strict=True)), bias)
    return None


def _sign_act(graph: Graph) -> tuple[Graph, str]:
    """``graph`` with a ``sign_ameo`` activation (the one it has, or a new one) and that one's name."""
    for name, act in graph.acts.items():
        if act == Activation.sign_ameo():
            return graph, name
    name = next(n for n in (f"S{i}" if i else "S" for i in itertools.count()) if n not in graph.acts)
    out = graph.copy()
    out.acts[name] = Activation.sign_ameo()
    return out, name


def _how_read(graph: Graph, node: str) -> str:
    """"neurons" if a neuron or a state reads ``node``, "outputs" if only outputs do, "" if nothing."""
    if any(src == node for n in graph.neurons for src, _ in n.inputs) or any(
            s.next == node for s in graph.states):
        return "neurons"
    return "outputs" if any(o.source == node for o in graph.outputs) else ""


def _size(graph: Graph) -> tuple[int, int]:
    return graph.edge_count(), len(graph.neurons)


def _total(graph: Graph) -> int:
    return sum(size_counts(graph).values())


def _labels(graph: Graph, name: str, values: dict[str, np.ndarray]) -> np.ndarray | None:
    """What a refit of neuron ``name`` must reproduce, as "+1 here" per reachable step, or None
    where no ``sign_ameo`` neuron can stand in for it (its exact value is read and is not +-1)."""
    readers = _how_read(graph, name)
    target = values[name] + 0.0
    if not readers or (readers == "neurons" and not np.all((target == 1.0) | (target == -1.0))):
        return None
    return target > 0


def _points(names: list[str], values: dict[str, np.ndarray], steps: int) -> np.ndarray:
    return np.stack([values[v] + 0.0 for v in names], axis=1) if names else np.zeros((steps, 0))


def _rewrite(graph: Graph, fits: dict[str, Fit]) -> Graph:
    """A copy where each neuron in ``fits`` is that fit (a ``sign_ameo`` neuron), dead nodes removed."""
    from bonsaic.passes.dce import eliminate_dead_nodes  # dce's module imports the base pass module

    out, act = _sign_act(graph)
    out = out.copy()
    for name, fit in fits.items():
        neuron = out.neuron(name)
        neuron.act, neuron.inputs, neuron.bias = act, list(fit.inputs), fit.bias
    return eliminate_dead_nodes(out)


def refit_cones(graph: Graph, values: dict[str, np.ndarray], done: list[str]) -> Graph:
    """Each neuron, latest first, as one neuron over the fewest variables, where that saves edges."""
    from bonsaic.passes.dce import eliminate_dead_nodes

    current = graph
    for name in reversed([n.name for n in graph.neurons]):
        if name not in {n.name for n in current.neurons}:
            continue  # died with an earlier refit's cone
        labels = _labels(current, name, values)
        if labels is None:
            continue
        names = variables_behind(current, name)
        # the neuron's cone costs this many edges; a refit must read fewer variables to pay
        emptied = current.copy()
        emptied.neuron(name).inputs = []
        cone = current.edge_count() - eliminate_dead_nodes(emptied).edge_count()
        fit = find_fit(names, _points(names, values, len(labels)), labels, cone - 1) if cone > 0 else None
        if fit is None:
            continue
        trial = _rewrite(current, {name: fit})
        if _size(trial) < _size(current):
            done.append(f"{name} (edges {current.edge_count()} -> {trial.edge_count()})")
            current = trial
    return current


def drop_states(graph: Graph, values: dict[str, np.ndarray], done: list[str]) -> Graph:
    """Remove each state that the step's other inputs and states determine on the reachable set:
    every neuron that reads it is refitted over the others, where the graph gets smaller."""
    current = graph
    for state in [s.name for s in graph.states]:
        if state not in {s.name for s in current.states}:
            continue
        if any(s.next == state for s in current.states) or any(o.source == state for o in current.outputs):
            continue  # read other than by neurons
        readers = [n.name for n in current.neurons if any(src == state for src, _ in n.inputs)]
        names = [v for v in [*current.inputs, *(s.name for s in current.states)] if v != state]
        fits: dict[str, Fit] = {}
        for reader in readers:
            labels = _labels(current, reader, values)
            fit = None if labels is None else find_fit(names, _points(names, values, len(labels)), labels,
                                                       MAX_SUPPORT)
            if fit is None:
                break
            fits[reader] = fit
        else:
            trial = _rewrite(current, fits)
            if state not in {s.name for s in trial.states} and _total(trial) < _total(current):
                current = trial
                done.append(f"dropped state {state} (refitted {', '.join(readers)})")
    return current


@dataclass(frozen=True)
class Refit(Pass):
    """Rewrite neurons, latest first, into single ``sign_ameo`` neurons over the fewest inputs and
    states that determine them on the reachable set, wherever that shrinks the graph (edges, then
    neurons); then drop states the other inputs and states determine, refitting their readers.
    One verification of the result decides. Needs a closed exploration."""

    name = "refit"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        from bonsaic.passes.dce import eliminate_dead_nodes

        exploration = ctx.explore(graph)
        if not exploration.closed:
            ctx.note("exploration did not close; nothing refitted")
            return graph
        done: list[str] = []
        current = refit_cones(eliminate_dead_nodes(graph), exploration.node_values, done)
        current = drop_states(current, exploration.node_values, done)
        if not done:
            return graph
        refitted = [d for d in done if not d.startswith("dropped")]
        note = "; ".join([*(["refitted " + ", ".join(refitted)] if refitted else []),
                          *(d for d in done if d.startswith("dropped"))])
        return ctx.keep_if_equivalent(graph, current, "refitted graph", note)
