"""``inline``: neurons that are affine functions of the step's inputs are substituted into their readers.

``fold`` and ``merge`` justify their rewrites by the reachable set, so they do nothing where the
exploration does not close (gate_switcher, mini_cpu). Some facts need no exploration at all. A
neuron that reads only inputs (directly, or through other such neurons) sees at most ``2^k``
different situations, ``k`` being the inputs it depends on, because every input is ±1. Its value
table over those situations is computed here exactly as the simulator would; where it is an affine
function ``alpha + sum_i beta_i * x_i`` of those inputs (always so for one input, since two points
fix a line, and for none, a constant), a reader's edge ``w`` from the neuron can become edges
``w * beta_i`` from the inputs and ``w * alpha`` on its bias. The trained networks have such
neurons: gate_switcher's first cell passes ``change_mode``, ``a`` and ``b`` through single-input
neurons that the second cell reads (benchmarks/EXAMPLES_gate_switcher.md).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from bonsaic.ir.graph import Graph, Neuron
from bonsaic.passes.base import Pass, PassContext, size_counts
from bonsaic.passes.dce import eliminate_dead_nodes

MAX_SUPPORT = 4  # inputs a neuron may depend on and still be tabulated (2^4 = 16 situations)
AFFINE_TOLERANCE = 1e-12  # how far (relative) a value table may be from its affine fit: rounding only

Affine = tuple[float, dict[str, float]]
"""``(alpha, {input: beta})``: the value ``alpha + sum(beta * input)``; zero betas are left out."""


def input_supports(graph: Graph) -> dict[str, frozenset[str] | None]:
    """For every neuron, the inputs its value depends on within a step, or None where it reads a
    state (directly or through other neurons): then its value is not a function of the inputs."""
    inputs = set(graph.inputs)
    support: dict[str, frozenset[str] | None] = {}
    for neuron in graph.neurons:
        found: set[str] | None = set()
        for src, _w in neuron.inputs:
            if src in inputs:
                found.add(src)
            elif support.get(src) is None:  # a state, or a neuron that reads one
                found = None
                break
            else:
                found |= support[src]
        support[neuron.name] = frozenset(found) if found is not None else None
    return support


def _values(graph: Graph, names: dict[str, Neuron], name: str, columns: dict[str, np.ndarray],
            memo: dict[str, np.ndarray]) -> np.ndarray:
    """``name``'s value in every situation of ``columns`` (input -> ±1 column), summed as the
    simulator sums: left to right, then the bias."""
    if name in columns:
        return columns[name]
    if name not in memo:
        neuron = names[name]
        total = np.zeros(len(next(iter(columns.values()))) if columns else 1)
        for k, (src, w) in enumerate(neuron.inputs):
            term = w * _values(graph, names, src, columns, memo)
            total = term if k == 0 else total + term
        memo[name] = graph.acts[neuron.act].forward(total + neuron.bias)
    return memo[name]


def affine_form(graph: Graph, name: str, support: frozenset[str]) -> Affine | None:
    """``name``'s value as an affine function of the inputs in ``support``, or None where its value
    table is not affine (beyond rounding)."""
    order = sorted(support, key=graph.inputs.index)
    grid = np.array(list(itertools.product((-1.0, 1.0), repeat=len(order))), dtype=np.float64)
    grid = grid.reshape(len(grid), len(order))
    columns = {x: grid[:, i] for i, x in enumerate(order)}
    values = _values(graph, {n.name: n for n in graph.neurons}, name, columns, {})
    design = np.hstack([np.ones((len(grid), 1)), grid])
    coef = design.T @ values / len(grid)  # the least-squares fit: the columns of a full ±1 grid are orthogonal
    if np.max(np.abs(design @ coef - values)) > AFFINE_TOLERANCE * max(1.0, float(np.max(np.abs(values)))):
        return None
    return float(coef[0]), {x: float(b) for x, b in zip(order, coef[1:], strict=True) if b != 0.0}


def substitute(reader: Neuron, name: str, form: Affine) -> None:
    """Replace ``reader``'s edge from ``name`` by edges from the inputs of ``form`` (in place);
    parallel edges are summed, and a sum of exactly zero drops the edge."""
    alpha, betas = form
    weights: dict[str, float] = {}
    for src, w in reader.inputs:
        if src == name:
            reader.bias += w * alpha
            for x, beta in betas.items():
                weights[x] = weights.get(x, 0.0) + w * beta
        else:
            weights[src] = weights.get(src, 0.0) + w
    reader.inputs = [(src, w) for src, w in weights.items() if w != 0.0]


def forward_states(graph: Graph, name: str, form: Affine) -> None:
    """Point the states fed by ``name`` (whose ``form`` has at most one input) past it, in place.

    A state fed by ``alpha + beta * x`` equals ``alpha + beta * s'`` where ``s'`` is fed by ``x``
    itself and starts at ``(init - alpha) / beta``; one fed by a constant ``alpha`` equals
    ``alpha + s'`` where ``s'`` has no ``next`` (so it is 0 from step 1 on: a step-0 pulse) and
    starts at ``init - alpha``. Readers take ``beta`` into their weights and ``alpha`` into their bias.
    """
    alpha, betas = form
    if len(betas) > 1:
        return
    (source, beta), = betas.items() if betas else ((None, 1.0),)
    for state in graph.states:
        if state.next != name:
            continue
        state.next, state.init = source, (state.init - alpha) / beta
        for reader in graph.neurons:
            if any(src == state.name for src, _w in reader.inputs):
                substitute(reader, state.name, (alpha, {state.name: beta}))


def _cost(graph: Graph) -> tuple[int, int]:
    """(edges, neurons + edges + nonzero biases) of ``graph`` without its dead nodes."""
    counts = size_counts(eliminate_dead_nodes(graph))
    return counts["edges"], sum(counts.values())


def inline_affine(graph: Graph) -> tuple[Graph, list[str]]:
    """A copy with every worthwhile affine neuron substituted into its readers (sources first, so
    a chain of them collapses in one sweep), dead neurons removed; and the names inlined.
    States fed by one whose form has at most one input are fed past it (:func:`forward_states`).
    Worthwhile: no more edges, and fewer neurons + edges + nonzero biases, counted after dead nodes
    go (the neuron itself dies unless an output or a state link still reads it)."""
    out = eliminate_dead_nodes(graph)  # only live neurons are worth naming (dead ones go anyway)
    support = input_supports(out)
    inlined = []
    for name in [n.name for n in out.neurons]:
        inputs_of = support[name]
        readers = [r.name for r in out.neurons if any(src == name for src, _w in r.inputs)]
        feeds = any(state.next == name for state in out.states)
        if inputs_of is None or len(inputs_of) > MAX_SUPPORT or not (readers or feeds):
            continue
        form = affine_form(out, name, inputs_of)
        if form is None:
            continue
        trial = out.copy()
        for reader in readers:
            substitute(trial.neuron(reader), name, form)
        forward_states(trial, name, form)
        (edges, total), (edges_before, total_before) = _cost(trial), _cost(out)
        if edges <= edges_before and total < total_before:
            out = trial
            inlined.append(name)
    return (eliminate_dead_nodes(out), inlined) if inlined else (graph, [])


@dataclass(frozen=True)
class Inline(Pass):
    """Inline affine neurons: a neuron whose value depends on at most four inputs and no state is
    tabulated over every combination of those inputs (each is ±1); if the table is an affine
    function of them (always the case for one input), every neuron that reads it reads the inputs
    instead, with the weights and bias that give the same sum; a state fed by one with at most one
    input is fed by that input itself (or becomes a pulse, for a constant), its initial value and
    its readers' weights rescaled. Done only where it adds no edge and shrinks the graph (neurons +
    edges + nonzero biases). Needs no exploration, so it works where ``fold`` and
    ``merge`` cannot; the sums change only by rounding, and the result is verified once.
    """

    name = "inline"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        result, inlined = inline_affine(graph)
        if not inlined:
            return graph
        return ctx.keep_if_equivalent(graph, result, "inlined graph", f"inlined {', '.join(inlined)}", dce=False)
