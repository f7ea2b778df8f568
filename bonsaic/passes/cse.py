"""``cse``: neurons with the same definition, and states fed by the same node, become one.

Like ``inline`` this needs no exploration: two neurons with the same activation, bias and weighted
sources compute the same value on every step whatever the inputs were, and two states with the same
``next`` node agree from step 1 on. Trained networks have such twins: gate_switcher's first cell
ended with two recurrent neurons ``A(-1.0 * s8)`` whose states started at -1 and -3
(benchmarks/EXAMPLES_gate_switcher.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.dce import eliminate_dead_nodes
from bonsaic.passes.merge import redirect_reads

Replacements = dict[str, tuple[str, float]]


def odd(act: Activation) -> bool:
    """Whether ``act(-x) == -act(x)`` exactly in floating point: the hard Ameo family (its pieces
    are mirror images and negation is exact) and linear. ``tanh`` (a library routine) and the
    interpolated Ameo with a soft part (evaluated at ``x/2 - 1/2``) are odd only up to rounding."""
    return act.kind in ("linear", "ameo", "leaky_ameo") or (act.kind == "interpolated_ameo"
                                                                   and act.factor == 1.0)


def _resolve(name: str, replacements: Replacements) -> tuple[str, float]:
    sign = 1.0
    while name in replacements:
        name, s = replacements[name]
        sign *= s
    return name, sign


def _definition(sources: list[tuple[str, float]], replacements: Replacements, sign: float = 1.0) -> tuple:
    """Weighted sources after replacement, parallel edges summed, sorted (times ``sign``)."""
    summed: dict[str, float] = {}
    for src, w in sources:
        rep, s = _resolve(src, replacements)
        summed[rep] = summed.get(rep, 0.0) + s * w
    return tuple(sorted((src, sign * w + 0.0) for src, w in summed.items() if w != 0.0))


def exact_twins(graph: Graph) -> Replacements:
    """``node -> (representative, sign)`` for neurons defined like an earlier one (sign 1) or, with
    an odd activation, like its negation (sign -1; sources are compared after their own
    replacement, so chains of twins resolve in one sweep), and for states with the same (or the
    negated) initial value whose ``next`` nodes are the same (or negations). Repeated until
    nothing changes: merging states can make their readers twins."""
    replacements: Replacements = {}
    while True:
        found = len(replacements)
        by_state: dict[tuple, str] = {}
        for state in graph.states:
            if state.name in replacements or state.next is None:
                continue
            nxt, sign = _resolve(state.next, replacements)
            key, negated = (nxt, sign, state.init + 0.0), (nxt, -sign, -state.init + 0.0)
            if key in by_state:
                replacements[state.name] = (by_state[key], 1.0)
            elif negated in by_state:
                replacements[state.name] = (by_state[negated], -1.0)
            else:
                by_state[key] = state.name
        by_neuron: dict[tuple, str] = {}
        for neuron in graph.neurons:
            if neuron.name in replacements:
                continue
            key = (neuron.act, neuron.bias + 0.0, _definition(neuron.inputs, replacements))
            negated = (neuron.act, -neuron.bias + 0.0, _definition(neuron.inputs, replacements, -1.0))
            if key in by_neuron:
                replacements[neuron.name] = (by_neuron[key], 1.0)
            elif odd(graph.acts[neuron.act]) and negated in by_neuron:
                replacements[neuron.name] = (by_neuron[negated], -1.0)
            else:
                by_neuron[key] = neuron.name
        if len(replacements) == found:
            return {node: _resolve(node, replacements) for node in replacements}


def state_twins(graph: Graph) -> list[tuple[str, str, float]]:
    """Triples ``(kept, dropped, sign)`` of states whose ``next`` nodes are the same or twins
    (``dropped`` equals ``sign`` times ``kept`` from step 1 on) but whose initial values do not
    match, so that merging them needs the verifier."""
    twins = exact_twins(graph)
    first: dict[str, tuple[str, float]] = {}
    triples = []
    for state in graph.states:
        if state.next is None:
            continue
        rep, sign = _resolve(state.next, twins)
        if rep in first:
            kept, kept_sign = first[rep]
            triples.append((kept, state.name, sign * kept_sign))
        else:
            first[rep] = (state.name, sign)
    return triples


def pulse_twins(graph: Graph) -> Replacements:
    """``state -> (first pulse, scale)`` for every later pulse (a state with no ``next``: its init on
    step 0, then 0), which is ``init / first's init`` times the first pulse on every step. Only
    pulses that no output and no state link reads, since those cannot carry a scale."""
    linked = {o.source for o in graph.outputs} | {s.next for s in graph.states if s.next is not None}
    pulses = [s for s in graph.states if s.next is None and s.init != 0.0]
    if len(pulses) < 2:
        return {}
    first = pulses[0]
    return {p.name: (first.name, p.init / first.init) for p in pulses[1:] if p.name not in linked}


def _label(node: str, rep: str, scale: float) -> str:
    """``rep<-node``, ``-rep<-node`` or ``rep<-node (x0.5)`` for notes."""
    if abs(scale) == 1.0:
        return f"{'-' if scale < 0 else ''}{rep}<-{node}"
    return f"{rep}<-{node} (x{scale:g})"


def merge_state_pair(graph: Graph, kept: str, dropped: str, sign: float, init: float) -> Graph:
    """A copy where readers of ``dropped`` read ``sign`` times ``kept`` instead, which starts at ``init``."""
    out = redirect_reads(graph, {dropped: (kept, sign)})
    out.state(kept).init = init
    return eliminate_dead_nodes(out)  # readers' weights may cancel: then ``kept`` goes too


@dataclass(frozen=True)
class CommonSubexpressions(Pass):
    """Merge twins without exploring: a neuron with the same activation, bias and weighted sources
    as an earlier one is replaced by it wherever it is read (parallel edges summed), and with an
    odd activation (the hard Ameo family, linear) so is one defined as its exact negation
    (read with the weights negated); states with the same initial value fed by twins merge the
    same way. Repeated until no twins are left. States fed by twins but with different initial
    values agree from step 1 on; such a pair is merged if the merged graph verifies with the kept
    state starting at its own value, at the other's, or halfway. Pulses (states without ``next``:
    nonzero on step 0 only) are multiples of one another and become one. Dead nodes are removed
    afterwards. Every result is verified (source order can change a sum's rounding).
    """

    name = "cse"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        start = eliminate_dead_nodes(graph)  # dead twins are dce's business
        current = self._merge_by(start, exact_twins(start), "merged", ctx)
        current = self._merge_by(current, pulse_twins(current), "merged pulses", ctx)
        rejected: set[tuple[str, str]] = set()
        while pairs := [(k, d, s) for k, d, s in state_twins(current) if (k, d) not in rejected]:
            kept, dropped, sign = pairs[0]
            mine, theirs = current.state(kept).init, sign * current.state(dropped).init
            for init in dict.fromkeys((mine, theirs, (mine + theirs) / 2)):
                candidate = merge_state_pair(current, kept, dropped, sign, init)
                again = exact_twins(candidate)  # readers of the two states may now be twins
                if again:
                    candidate = eliminate_dead_nodes(redirect_reads(candidate, again))
                if ctx.equivalent(candidate):
                    ctx.note(f"merged state {'-' if sign < 0 else ''}{kept}<-{dropped} (starting at {init:g})")
                    current = candidate
                    break
            else:
                rejected.add((kept, dropped))
        return graph if current is start else current

    @staticmethod
    def _merge_by(graph: Graph, replacements: Replacements, what: str, ctx: PassContext) -> Graph:
        """``graph`` with ``replacements`` applied if the result verifies (else ``graph``)."""
        if not replacements:
            return graph
        return ctx.keep_if_equivalent(graph, redirect_reads(graph, replacements), f"{what}:",
                                      f"{what} " + ", ".join(_label(node, rep, scale)
                                                             for node, (rep, scale) in replacements.items()))
