"""Well-formedness of a graph: the checks every graph must pass, whether parsed or built in code.

The parser runs these with a :class:`SourceMap`, so a bad reference in a file is reported at the
token that wrote it (``model.ir:7:24: error: unknown node 'c0.r9'``); passes and importers can run
:func:`validate` on graphs they built, and then errors carry no position.

Checks: unique node names (inputs, states and neurons share one namespace; outputs have their
own), every reference names a defined node or activation, every number (weight, bias, initial
state, activation parameter) is finite, and no cycle among neurons: a value may only feed back
through a state. A NaN or an infinity is never a network anyone meant, and the verifier must never
be asked to reason about one (an interval bound of NaN passes every comparison). :func:`validate` returns the graph with its neurons in a stable
topological order (file order wherever the dependencies allow), which is what the simulator and
every pass rely on.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph, Neuron


class IRError(BonsaicError):
    """A malformed IR file or graph."""


Key = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each element of a parsed graph was written, for error messages.

    Keys, all by position in the graph's lists: ``("input", i)``, ``("state", i)``,
    ``("state_next", i)``, ``("neuron", i)``, ``("neuron_act", i)``, ``("neuron_src", i, j)``,
    ``("output", i)``, ``("output_src", i)``, ``("act", name)``. Values are 1-based ``(line, column)``.
    """

    text: str = ""
    filename: str = "<graph>"
    spans: dict[Key, tuple[int, int]] = field(default_factory=dict)

    def error(self, message: str, key: Key, hint: str | None = None) -> IRError:
        line, column = self.spans.get(key, (0, 0))
        if not line:
            return IRError(message, filename=self.filename, hint=hint)
        return IRError.at(message, self.text, self.filename, line, column, hint)  # type: ignore[return-value]


def validate(graph: Graph, where: SourceMap | None = None) -> Graph:
    """Check ``graph`` (IRError on the first problem); return it with neurons topologically sorted."""
    where = where or SourceMap()
    _check_unique_names(graph, where)
    _check_references(graph, where)
    _check_finite(graph, where)
    return replace(graph, neurons=_topological(graph.neurons, where))


def _check_unique_names(graph: Graph, where: SourceMap) -> None:
    seen: dict[str, str] = {}
    defs = [("input", i, name) for i, name in enumerate(graph.inputs)]
    defs += [("state", i, s.name) for i, s in enumerate(graph.states)]
    defs += [("neuron", i, n.name) for i, n in enumerate(graph.neurons)]
    for kind, i, name in defs:
        if name in seen:
            raise where.error(f"duplicate name '{name}' (already defined as {seen[name]})", (kind, i),
                              hint="inputs, states and neurons share one namespace; rename one of them")
        seen[name] = kind
    outputs: set[str] = set()
    for i, out in enumerate(graph.outputs):
        if out.name in outputs:
            raise where.error(f"duplicate output '{out.name}'", ("output", i))
        outputs.add(out.name)


def _check_references(graph: Graph, where: SourceMap) -> None:
    nodes = set(graph.node_names())

    def known(name: str, key: Key, role: str) -> None:
        if name not in nodes:
            raise where.error(f"unknown node '{name}' ({role})", key, hint=_suggest(name, nodes))

    for i, state in enumerate(graph.states):
        if state.next is not None:
            known(state.next, ("state_next", i), f"next value of state '{state.name}'")
    for i, neuron in enumerate(graph.neurons):
        if neuron.act not in graph.acts:
            defined = ", ".join(graph.acts) or "none"
            raise where.error(f"unknown activation '{neuron.act}'", ("neuron_act", i),
                              hint=f"define it first with `act {neuron.act} = ...` (defined: {defined})")
        for j, (src, _w) in enumerate(neuron.inputs):
            known(src, ("neuron_src", i, j), f"input of neuron '{neuron.name}'")
    for i, out in enumerate(graph.outputs):
        known(out.source, ("output_src", i), f"source of output '{out.name}'")


def _check_finite(graph: Graph, where: SourceMap) -> None:
    hint = "weights, biases, initial states and activation parameters must be finite numbers"
    for name, act in graph.acts.items():
        if not (math.isfinite(act.factor) and math.isfinite(act.leakyness)):
            raise where.error(f"activation '{name}' has a non-finite parameter ({act.text()})", ("act", name),
                              hint=hint)
    for i, state in enumerate(graph.states):
        if not math.isfinite(state.init):
            raise where.error(f"state '{state.name}' has a non-finite initial value {state.init!r}",
                              ("state", i), hint=hint)
    for i, neuron in enumerate(graph.neurons):
        if not math.isfinite(neuron.bias):
            raise where.error(f"neuron '{neuron.name}' has a non-finite bias {neuron.bias!r}", ("neuron", i),
                              hint=hint + " (a literal such as 1e999 overflows to infinity)")
        for j, (src, w) in enumerate(neuron.inputs):
            if not math.isfinite(w):
                raise where.error(f"neuron '{neuron.name}' has a non-finite weight {w!r} on '{src}'",
                                  ("neuron_src", i, j),
                                  hint=hint + " (a literal such as 1e999 overflows to infinity)")


def _suggest(name: str, nodes: set[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(name, sorted(nodes), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _topological(neurons: list[Neuron], where: SourceMap) -> list[Neuron]:
    """Kahn's algorithm, always taking the earliest-written ready neuron (so sorted input is kept)."""
    index = {n.name: i for i, n in enumerate(neurons)}
    deps = [{index[src] for src, _w in n.inputs if src in index} for n in neurons]
    readers: list[list[int]] = [[] for _ in neurons]
    for i, d in enumerate(deps):
        for j in d:
            readers[j].append(i)
    missing = [len(d) for d in deps]
    ready = [i for i, m in enumerate(missing) if m == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for r in readers[i]:
            missing[r] -= 1
            if missing[r] == 0:
                heapq.heappush(ready, r)
    if len(order) < len(neurons):
        cycle = _find_cycle(deps, {i for i, m in enumerate(missing) if m > 0})
        names = " -> ".join(neurons[i].name for i in [*cycle, cycle[0]])
        raise where.error(f"cycle not through a state: {names}", ("neuron", cycle[0]),
                          hint="a neuron may read its own past only through a `state ... <- neuron`")
    return [neurons[i] for i in order]


def _find_cycle(deps: list[set[int]], stuck: set[int]) -> list[int]:
    """One cycle among ``stuck`` neurons (each has a dependency inside ``stuck``), in read order."""
    start = min(stuck)
    path, seen_at = [start], {start: 0}
    while True:
        nxt = min(d for d in deps[path[-1]] if d in stuck)
        if nxt in seen_at:
            cycle = path[seen_at[nxt]:]
            # report it in data-flow order (source before reader), starting at the first-written node
            cycle.reverse()
            k = cycle.index(min(cycle))
            return cycle[k:] + cycle[:k]
        seen_at[nxt] = len(path)
        path.append(nxt)
