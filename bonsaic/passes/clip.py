"""``clip``: zero every parameter below the largest global magnitude threshold the spec tolerates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.params import ParamKind, ParamRef, assign, parameters

_PLURAL = {"weight": "weights", "bias": "biases", "init": "initial states"}


@dataclass(frozen=True)
class Clip(Pass):
    """Zero every weight with |w| <= t for the largest global threshold t that keeps the graph
    equivalent to its spec, then do the same, separately, for biases (each kind gets its own
    threshold, as in the seed post) and, with ``inits=true``, for initial states. t is searched by
    bisection over the sorted distinct magnitudes actually present, so a threshold is always
    exactly one of them; ``max`` caps it. Zeroed weights are removed as edges. Initial states are
    left alone by default: zeroing one adds a third value (0) to a state that otherwise carries a
    bit, which makes the graph no smaller but harder to read and to decompile. Costs about
    log2(#magnitudes) verifier calls per kind.
    """

    name = "clip"
    max: float = math.inf
    inits: bool = False

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        kept: dict[ParamRef, float] = {}
        for kind in ("weight", "bias", "init") if self.inits else ("weight", "bias"):
            kept.update(self._clip_kind(graph, kind, kept, ctx))
        return assign(graph, kept)

    def _clip_kind(self, graph: Graph, kind: ParamKind, fixed: dict[ParamRef, float],
                   ctx: PassContext) -> dict[ParamRef, float]:
        """The zeroing of ``kind`` parameters for the largest accepted threshold (on top of ``fixed``)."""
        table = {ref: v for ref, v in parameters(graph).items() if ref.kind == kind and v != 0.0}
        magnitudes = sorted({abs(v) for v in table.values() if abs(v) <= self.max})
        label = f"clip {_PLURAL[kind]}"

        def zeroed(index: int) -> dict[ParamRef, float]:
            return {ref: 0.0 for ref, v in table.items() if abs(v) <= magnitudes[index]}

        # Invariant: index `good` was accepted (-1: clip nothing) and index `bad` was rejected (or is
        # past the end). Bisection assumes a larger threshold fails once a smaller one does; whatever
        # it settles on has itself been verified.
        good, bad = -1, len(magnitudes)
        while bad - good > 1:
            mid = (good + bad) // 2
            ctx.progress(label, good + 1, len(magnitudes))
            if ctx.equivalent(assign(graph, {**fixed, **zeroed(mid)})):
                good = mid
            else:
                bad = mid
        ctx.progress(label, len(magnitudes), len(magnitudes))
        if good < 0:
            return {}
        ctx.note(f"{kind} threshold {magnitudes[good]!r}")
        return zeroed(good)
