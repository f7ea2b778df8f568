"""``merge``: nodes whose values coincide (or are exact negations) on every reachable step are merged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.dce import live_nodes


def _key(values: np.ndarray) -> bytes:
    """Exact identity of a value trace; -0.0 is folded into 0.0 since both read the same."""
    return np.ascontiguousarray(values + 0.0, dtype=np.float64).tobytes()


def find_replacements(graph: Graph, traces: dict[str, np.ndarray]) -> dict[str, tuple[str, float]]:
    """``node -> (representative, sign)`` for every node equal to ``sign * representative`` on all steps.

    The representative is the earliest node in evaluation order, so every reader of the replaced
    node (which comes after it) also comes after its representative: topological order survives.
    """
    first_with: dict[bytes, str] = {}
    replacements: dict[str, tuple[str, float]] = {}
    for name in graph.node_names():
        values = traces.get(name)
        if values is None or len(values) == 0:
            continue
        key = _key(values)
        if key in first_with:
            replacements[name] = (first_with[key], 1.0)
        elif np.any(values != 0.0) and _key(-values) in first_with:
            replacements[name] = (first_with[_key(-values)], -1.0)
        else:
            first_with[key] = name
    return replacements


def redirect_reads(graph: Graph, replacements: dict[str, tuple[str, float]]) -> Graph:
    """A copy where neurons read each representative instead (weights times sign, parallel edges summed).

    Outputs and state ``next`` links cannot carry a sign, so they are redirected only for exact
    copies (sign +1).
    """
    out = graph.copy()
    for neuron in out.neurons:
        merged: dict[str, float] = {}
        for src, w in neuron.inputs:
            rep, sign = replacements.get(src, (src, 1.0))
            merged[rep] = merged.get(rep, 0.0) + sign * w
        neuron.inputs = [(src, w) for src, w in merged.items() if w != 0.0]
    for output in out.outputs:
        rep, sign = replacements.get(output.source, (output.source, 1.0))
        if sign > 0:
            output.source = rep
    for state in out.states:
        if state.next is not None:
            rep, sign = replacements.get(state.next, (state.next, 1.0))
            if sign > 0:
                state.next = rep
    return out


def _effective(graph: Graph, replacements: dict[str, tuple[str, float]]) -> dict[str, tuple[str, float]]:
    """Drop negations of nodes no neuron reads: only neuron inputs can take a negated weight."""
    read = {src for n in graph.neurons for src, _w in n.inputs}
    return {node: (rep, sign) for node, (rep, sign) in replacements.items() if sign > 0 or node in read}


@dataclass(frozen=True)
class Merge(Pass):
    """Merge duplicates: explore the reachable steps; a node whose value trace equals an earlier
    node's on every step is replaced by that node wherever it is read, and a node whose trace is
    the exact negation of an earlier one is replaced in neuron inputs by the earlier node with the
    weight negated. Because the rewrite is justified by the observed values, not by algebra on the
    activations, it is exact for every activation; the oddness A(-x) = -A(x), which holds for
    linear, tanh and the hard ameo family but only up to rounding for interpolated_ameo, is never
    relied on. Outputs and state links, which cannot carry a sign, only follow exact copies. Only
    live nodes take part; nodes left dead are removed afterwards. Needs a closed exploration.
    """

    name = "merge"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        exploration = ctx.explore(graph)
        if not exploration.closed:
            ctx.note("exploration did not close; nothing merged")
            return graph
        live = live_nodes(graph)  # dead nodes go anyway, and must not become representatives
        replacements = _effective(graph, find_replacements(
            graph, {n: v for n, v in exploration.node_values.items() if n in live}))
        if not replacements:
            return graph
        return ctx.keep_if_equivalent(graph, redirect_reads(graph, replacements), "merged graph",
                                      "merged " + ", ".join(f"{'-' if s < 0 else ''}{r}<-{n}"
                                                            for n, (r, s) in replacements.items()))
