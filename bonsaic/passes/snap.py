"""Snapping: trained weights rounded to a coarse dyadic grid, kept only when that gives a proof.

Gradient descent finds weights *near* an exact program, never on it. For the one-bit examples
that does not matter: states saturate at the activation's corners and repeat bit for bit, so the
verifier's exploration closes. A network that *counts* (parens) keeps its count in the linear part
of the activation, and there a self-loop weight of 0.9998 instead of 1 or an increment of 0.2497
instead of 1/4 is drift: the reachable states never repeat and the error grows until an output
flips, after hundreds or thousands of steps (benchmarks/EXAMPLES.md).

Rounding every weight, bias and initial state to a multiple of ``1/d`` for a power of two ``d``
removes that drift when the network is close to an exact one: dyadic rationals with small
denominators add and multiply without rounding error in binary floating point, so a counter with
weights in quarters revisits exactly the same states and the exploration closes. Rounding also
changes the function, so a snapped network is kept only when the verifier *proves* it against the
spec, never on samples alone: its reachable product states must close within the budget. (The
interval-invariant search is skipped: it proves contracting networks, and exactness is the point
of snapping; skipping it keeps a failed snap at about 0.1 s per grid for parens.)
The coarsest grid that proves wins (coarser grids change more weights but give simpler numbers);
weights that round to 0 are removed.

This is training's last step, not an ``opt`` pass: passes must keep a network's behaviour, and the
behaviour of a drifting network is wrong; snapping replaces it with a different, proved one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.graph import Graph
from bonsaic.passes.params import assign, parameters
from bonsaic.passes.quantize import round_to
from bonsaic.verify import Verifier, defaults
from bonsaic.verify.battery import BatterySettings

NO_BATTERY = BatterySettings(max_sequences=0)

DENOMINATORS = tuple(2**k for k in range(11))  # 1, 1/2, ... 1/1024: coarsest first
SNAP_BUDGET = defaults.SNAP_BUDGET  # product states the exploration of one candidate may visit


@dataclass(frozen=True)
class Snapped:
    """A proved network: ``graph`` is the input with every parameter rounded to a multiple of
    ``1/denominator``."""

    graph: Graph
    denominator: int

    @property
    def grid(self) -> str:
        return "1" if self.denominator == 1 else f"1/{self.denominator}"


def snap(graph: Graph, verifier: Verifier | None = None, budget: int = SNAP_BUDGET) -> Snapped | None:
    """``graph`` rounded to the coarsest dyadic grid on which the verifier proves it, or None."""
    verifier = verifier or Verifier.for_graph(graph)
    table = parameters(graph)
    tried: set[tuple[float, ...]] = set()
    for denominator in DENOMINATORS:
        rounded = {ref: round_to(value, denominator) for ref, value in table.items()}
        key = tuple(rounded.values())
        if key in tried:  # a finer grid that changes nothing new: same verdict
            continue
        tried.add(key)
        candidate = assign(graph, rounded)
        # no battery, no random samples and no invariant search: only a closed exploration counts
        result = verifier.verify(candidate, budget=budget, random_sequences=0, long_sequences=0, intervals=False,
                                 battery=NO_BATTERY)
        if result.ok and result.mode == "proved":
            return Snapped(candidate, denominator)
    return None
