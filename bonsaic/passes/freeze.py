"""``freeze``: a node that barely moves is replaced by a constant, where the verifier agrees.

``fold`` replaces nodes that are constant on every reachable step, which it can only know when the
exploration closes. Trained networks also carry nodes that are *nearly* constant: a recurrent loop
that decays to a fixed point from its trainable initial state, or a neuron whose inputs never
carry it far. gate_switcher's first cell kept such a loop (three states converging to -0.889,
benchmarks/EXAMPLES_gate_switcher.md); whether the outputs need its transient is exactly what the
verifier can answer. So this pass proposes, node by node, the value the node settles at on long
sampled runs (only for nodes that do settle), and keeps a proposal only if the graph shrinks and
still verifies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext, size_counts
from bonsaic.passes.dce import eliminate_dead_nodes, live_nodes
from bonsaic.passes.fold import fold_constants

DIGITS = 6  # decimals of a proposed constant
BURN_IN = 0.2  # share of a sampled run a node may take to settle ...
SETTLED = 1e-3  # ... before it must stay this close to one value to be proposed


def proposals(trace: np.ndarray) -> list[float]:
    """Constants to try for a node with value ``trace`` [sequences, steps]: where it settles (the
    median of its last values, rounded to ``DIGITS`` decimals, so a loop decaying to 0 proposes 0,
    not 1e-150) -- but only if it *has* settled: after the first ``BURN_IN`` share of the steps it
    stays within ``SETTLED`` of one value on every sequence. A node that keeps moving is never
    proposed, however rarely its movement matters: a mini_cpu state that flipped between -1 and 1
    passed every sampled check when frozen and failed at step 45,553 of a longer sequence
    (benchmarks/EXAMPLES_mini_cpu.md)."""
    tail = trace[:, int(BURN_IN * trace.shape[1]):]
    if tail.size == 0 or float(np.ptp(tail)) > SETTLED:
        return []
    return [round(float(np.median(trace[:, -1])), DIGITS) + 0.0]


def _cost(graph: Graph) -> tuple[int, int]:
    counts = size_counts(graph)
    return counts["edges"], sum(counts.values())


def freeze_node(graph: Graph, name: str, value: float) -> Graph:
    """A copy where every neuron that reads ``name`` adds ``weight * value`` to its bias instead,
    then without dead nodes (``name`` itself stays if an output or a state link still reads it)."""
    return eliminate_dead_nodes(fold_constants(graph, {name: value}))


def freeze_after_step_0(graph: Graph, name: str, value: float) -> Graph:
    """A copy where state ``name`` is ``value`` from step 1 on but keeps its step-0 value: readers
    add ``weight * value`` to their bias and the state becomes a pulse (no ``next``, so 0 after
    step 0) starting at ``init - value``. Its ``next`` node may then die."""
    out = graph.copy()
    for neuron in out.neurons:
        for src, w in neuron.inputs:
            if src == name:
                neuron.bias += w * value
    state = out.state(name)
    state.init, state.next = state.init - value, None
    return eliminate_dead_nodes(out)


@dataclass(frozen=True)
class Freeze(Pass):
    """Freeze settling nodes: run the graph on sampled input sequences of its spec, and for each
    live state and neuron that settles (after the first fifth of every run it stays within 0.001
    of one value), the steadiest first, try replacing every read of it by that value, as ``fold``
    would (readers' biases absorb ``weight * value``); a state may also keep its step-0
    value and be constant after it (it becomes a pulse: no ``next``, starting at ``init - value``),
    which frees its ``next`` node. A replacement is kept only if the
    graph gets smaller (no more edges, fewer neurons + states + edges + nonzero biases) and still
    verifies. Unlike ``fold`` it needs no closed exploration: the verifier decides every proposal.
    """

    name = "freeze"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        traces = ctx.traces(graph)
        current, frozen = eliminate_dead_nodes(graph), []  # trials are judged against a graph without dead code
        pinned = {o.source for o in current.outputs}
        read = {src for n in current.neurons for src, _w in n.inputs}
        nodes = [name for name in [*(s.name for s in current.states), *(n.name for n in current.neurons)]
                 if name in read and name not in pinned and name in traces]
        nodes.sort(key=lambda name: float(np.ptp(traces[name])))
        for done, name in enumerate(nodes, 1):
            ctx.progress("freeze", done, len(nodes))
            if name not in live_nodes(current):
                continue
            values = proposals(traces[name])
            trials = [(f"{name}={v:.6g}", freeze_node(current, name, v)) for v in values]
            if any(s.name == name and s.next is not None for s in current.states):
                trials += [(f"{name}={v:.6g} after step 0", freeze_after_step_0(current, name, v)) for v in values]
            for label, trial in trials:
                (edges, total), (edges_now, total_now) = _cost(trial), _cost(current)
                if edges <= edges_now and total < total_now and ctx.screen(trial) and ctx.equivalent(trial):
                    current = trial
                    frozen.append(label)
                    break
        if not frozen:
            return graph  # dead code is dce's to remove (and to be counted for)
        ctx.note("froze " + ", ".join(frozen))
        return current
