"""``prune``: greedy removal of single edges and biases, smallest magnitude first."""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.params import ParamRef, assign, parameters


@dataclass(frozen=True)
class Prune(Pass):
    """Go beyond clip's global threshold: try removing each remaining edge (and, with
    ``biases=True``, zeroing each bias) on its own, smallest magnitude first, and keep a removal
    only if the graph stays equivalent. To save verifier calls, candidates are tried in runs: a
    whole run is removed at once, and a rejected run is split in halves (first half first) down to
    single candidates, so every accepted removal was verified and each single candidate is judged
    exactly as the one-at-a-time greedy would judge it at that point.
    """

    name = "prune"
    biases: bool = True

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        kinds = ("weight", "bias") if self.biases else ("weight",)
        table = parameters(graph)
        candidates = sorted((ref for ref, v in table.items() if ref.kind in kinds and v != 0.0),
                            key=lambda ref: (abs(table[ref]), ref))
        removed: dict[ParamRef, float] = {}
        tried = 0

        def attempt(run: list[ParamRef]) -> None:
            nonlocal tried
            if not run:
                return
            trial = {**removed, **{ref: 0.0 for ref in run}}
            if ctx.equivalent(assign(graph, trial)):
                removed.update(trial)
                tried += len(run)
                ctx.progress("prune", tried, len(candidates))
            elif len(run) == 1:
                tried += 1
                ctx.progress("prune", tried, len(candidates))
            else:
                half = len(run) // 2
                attempt(run[:half])
                attempt(run[half:])

        attempt(candidates)
        return assign(graph, removed)
