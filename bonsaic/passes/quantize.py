"""``quantize``: round parameters to the coarsest multiples of a step the spec tolerates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.params import ParamRef, assign, parameters

BATCH = 16  # screened per-parameter changes verified together


def ladder(max_denominator: int) -> list[int]:
    """Step denominators, coarsest step first: powers of two (1, 1/2, 1/4, ...) and of ten (1/10, ...)."""
    steps = {1}
    for base in (2, 10):
        d = base
        while d <= max_denominator:
            steps.add(d)
            d *= base
    return sorted(steps)


def round_to(value: float, denominator: int) -> float:
    """``value`` rounded to the nearest multiple of ``1/denominator``.

    Dividing an integer by the denominator (rather than multiplying by a float step) gives the
    shortest decimal, e.g. 0.3 rather than 0.30000000000000004, so the IR stays readable. A value so
    large that the scaled one overflows is already a whole multiple of every step tried: kept as it is.
    """
    scaled = value * denominator
    if not math.isfinite(scaled):
        return value
    return round(scaled) / denominator


@dataclass(frozen=True)
class Quantize(Pass):
    """Round every weight, bias and initial state to a multiple of the coarsest step q that keeps the
    graph equivalent, trying q on the ladder 1, 1/2, 1/4, 1/8, 1/10, 1/16, ... down to
    1/``max_denominator`` (coarsest first; the first step that verifies wins). Then, with
    ``per_parameter=True``, each parameter is tried on its own at every coarser step, so a graph
    whose weights mostly fit 1/2 but need 1/8 in one place still gets halves elsewhere. If no step
    verifies, parameters are left exact. Rounding never creates a nonzero parameter; weights
    rounded to 0 are removed.
    """

    name = "quantize"
    max_denominator: int = 1024
    per_parameter: bool = True

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        table = {ref: v for ref, v in parameters(graph).items() if v != 0.0}
        steps = ladder(self.max_denominator)
        chosen: dict[ParamRef, float] = {}
        chosen_index = len(steps)
        for index, denominator in enumerate(steps):
            ctx.progress("quantize (global step)", index, len(steps))
            rounded = {ref: round_to(v, denominator) for ref, v in table.items()}
            if ctx.equivalent(assign(graph, rounded)):
                chosen, chosen_index = rounded, index
                ctx.note(f"global step {'1' if denominator == 1 else f'1/{denominator}'}")
                break
        ctx.progress("quantize (global step)", len(steps), len(steps))
        if self.per_parameter:
            chosen = self._per_parameter(graph, table, chosen, steps[:chosen_index], ctx)
        return assign(graph, chosen)

    def _per_parameter(self, graph: Graph, table: dict[ParamRef, float], chosen: dict[ParamRef, float],
                       coarser: list[int], ctx: PassContext) -> dict[ParamRef, float]:
        """Improve ``chosen`` one parameter at a time with the steps coarser than the global one.

        Each parameter gets the coarsest step that passes the cheap :meth:`PassContext.screen`
        on top of the changes before it; every ``BATCH`` such changes are verified together
        (:meth:`_commit`), so a network with hundreds of parameters costs a few dozen full
        verifications instead of one per parameter. A change the full verification rejects is
        tried again at the finer steps, one full verification each, as before batching."""
        chosen = dict(chosen)
        pending: dict[ParamRef, float] = {}
        step_of: dict[ParamRef, int] = {}  # index into ``coarser`` of each screened change
        rejected: list[ParamRef] = []
        for done, (ref, exact) in enumerate(sorted(table.items())):
            ctx.progress("quantize (per parameter)", done, len(table))
            for index, denominator in enumerate(coarser):
                value = round_to(exact, denominator)
                if value == chosen.get(ref, exact):
                    break
                if ctx.screen(assign(graph, {**chosen, **pending, ref: value})):
                    pending[ref], step_of[ref] = value, index
                    break
            if len(pending) >= BATCH:
                chosen, pending = self._commit(graph, chosen, pending, rejected, ctx), {}
        chosen = self._commit(graph, chosen, pending, rejected, ctx)
        for ref in rejected:  # the screen let through a step the verifier refused: finer ones, fully verified
            for denominator in coarser[step_of[ref] + 1:]:
                value = round_to(table[ref], denominator)
                if value == chosen.get(ref, table[ref]):
                    break
                if ctx.equivalent(assign(graph, {**chosen, ref: value})):
                    chosen[ref] = value
                    break
        ctx.progress("quantize (per parameter)", len(table), len(table))
        return chosen

    def _commit(self, graph: Graph, chosen: dict[ParamRef, float], pending: dict[ParamRef, float],
                rejected: list[ParamRef], ctx: PassContext) -> dict[ParamRef, float]:
        """``chosen`` with as many of the ``pending`` changes as verify together: all at once if
        they do, else each half in turn (bisection); single changes that fail go to ``rejected``."""
        if not pending:
            return chosen
        if ctx.equivalent(assign(graph, {**chosen, **pending})):
            return {**chosen, **pending}
        if len(pending) == 1:
            rejected.extend(pending)
            return chosen
        items = list(pending.items())
        half = len(items) // 2
        chosen = self._commit(graph, chosen, dict(items[:half]), rejected, ctx)
        return self._commit(graph, chosen, dict(items[half:]), rejected, ctx)
