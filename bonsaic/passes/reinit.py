"""``reinit``: start each state on a value it takes anyway, so step 0 needs no value of its own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext


def distinct_state_values(graph: Graph, node_values: dict[str, np.ndarray]) -> int:
    """How many values the states take in total over the explored steps (the metric of ``reinit``)."""
    return sum(len(np.unique(node_values[s.name] + 0.0)) for s in graph.states)


def _later_values(graph: Graph, node_values: dict[str, np.ndarray], name: str) -> list[float]:
    """The values state ``name`` takes from step 1 on: those of its ``next`` node (0.0 without one)."""
    nxt = graph.state(name).next
    return [0.0] if nxt is None else [float(v) for v in np.unique(node_values[nxt] + 0.0)]


@dataclass(frozen=True)
class Reinit(Pass):
    """Give a state whose initial value it never takes again one of the values it does take later
    (those of its ``next`` node on the reachable steps; same sign and nearest first), if the graph
    stays equivalent and the states' values on the reachable set, counted together, become fewer.
    Training and quantization leave inits like 0.549 or 1.0 beside a state that otherwise only
    holds ±0.71875; after this pass such a state carries one bit, and the ``bool`` back end can
    name it a boolean instead of a three-valued case table. Needs a closed exploration; costs two
    verifier calls per candidate value.
    """

    name = "reinit"

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        current = graph
        for name in [s.name for s in graph.states]:
            exploration = ctx.explore(current)
            if not exploration.closed:
                ctx.note("exploration did not close; initial states kept")
                return current
            init = current.state(name).init
            later = _later_values(current, exploration.node_values, name)
            if init in later:
                continue
            score = distinct_state_values(current, exploration.node_values)
            for value in sorted(later, key=lambda v: (np.sign(v) != np.sign(init), abs(v - init))):
                candidate = current.copy()
                candidate.state(name).init = value
                if ctx.equivalent(candidate):
                    trial = ctx.explore(candidate)
                    if trial.closed and distinct_state_values(candidate, trial.node_values) < score:
                        ctx.note(f"{name}: init {init!r} -> {value!r}")
                        current = candidate
                        break
        return current
