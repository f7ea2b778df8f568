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

A network that keeps its memory in *saturated* states (a bit stored as a state near +1 or -1) has
another source of drift: the leaky Ameo is not flat beyond its outer breakpoints, so a state whose
pre-activation is 3.4 one step and 3.6 the next is 1.04 and then 1.06, and every history leaves a
slightly different float vector (the trained gate_switcher: every ``change_mode`` history a new
state, docs/verify.md). Without the leak the Ameo is exactly -1 below -3 and +1 above 3, so a state
that always saturates takes exactly two values and the exploration closes. So when no grid proves
the network as it is, the grids are tried again with the leak removed from the activation of every
neuron that feeds a state (:func:`flat_states`), and last the network with only the leak removed.
Plain grids go first, so a network that snapping already proved is snapped exactly as before.

This is training's last step, not an ``opt`` pass: passes must keep a network's behaviour, and the
behaviour of a drifting network is wrong; snapping replaces it with a different, proved one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.passes.params import ParamRef, assign, parameters
from bonsaic.passes.quantize import round_to
from bonsaic.verify import Verifier, defaults
from bonsaic.verify.battery import BatterySettings

NO_BATTERY = BatterySettings(max_sequences=0)

DENOMINATORS = tuple(2**k for k in range(11))  # 1, 1/2, ... 1/1024: coarsest first
SNAP_BUDGET = defaults.SNAP_BUDGET  # product states the exploration of one candidate may visit


@dataclass(frozen=True)
class Snapped:
    """A proved network: ``graph`` is the input with every parameter rounded to a multiple of
    ``1/denominator`` (0: not rounded), and with ``flat`` the leak removed from the neurons that
    feed a state."""

    graph: Graph
    denominator: int
    flat: bool = False

    @property
    def grid(self) -> str:
        """The grid, e.g. ``1/4``; empty when the weights were not rounded."""
        if not self.denominator:
            return ""
        return "1" if self.denominator == 1 else f"1/{self.denominator}"

    @property
    def change(self) -> str:
        """What was changed, as the restart table and ``bonsaic snap`` say it."""
        parts = [f"weights snapped to multiples of {self.grid}"] if self.denominator else []
        if self.flat:
            parts.append("leak removed from the state neurons (exact saturation)")
        return ", ".join(parts)


FLAT_SUFFIX = "_flat"


def flat_states(graph: Graph) -> Graph | None:
    """``graph`` with every neuron that feeds a state given its Ameo *without* the leak (flat beyond
    the outer breakpoints, so a saturated state is exactly -1 or +1), or None when no such neuron
    has a leak to remove. Other neurons keep their activation."""
    feeders = {state.next for state in graph.states if state.next is not None}
    flat = graph.copy()
    changed = False
    for neuron in flat.neurons:
        act = flat.acts[neuron.act]
        if neuron.name not in feeders or act.kind not in ("leaky_ameo", "interpolated_ameo") or act.leakyness == 0.0:
            continue
        name = neuron.act + FLAT_SUFFIX
        while name in flat.acts and flat.acts[name] != Activation.make(act.kind, act.factor, 0.0):
            name += "_"
        flat.acts[name] = Activation.make(act.kind, act.factor, 0.0)
        neuron.act = name
        changed = True
    return flat if changed else None


def snap(graph: Graph, verifier: Verifier | None = None, budget: int = SNAP_BUDGET) -> Snapped | None:
    """``graph`` rounded to the coarsest dyadic grid on which the verifier proves it; failing that, the
    same with the state neurons' leak removed (:func:`flat_states`); or None."""
    verifier = verifier or Verifier.for_graph(graph)
    flat = flat_states(graph)

    def proved(candidate: Graph) -> bool:
        # no battery, no random samples and no invariant search: only a closed exploration counts
        result = verifier.verify(candidate, budget=budget, random_sequences=0, long_sequences=0, intervals=False,
                                 battery=NO_BATTERY)
        return result.ok and result.mode == "proved"

    table = parameters(graph)
    grids: list[tuple[int, dict[ParamRef, float]]] = []
    tried: set[tuple[float, ...]] = set()
    for denominator in DENOMINATORS:
        rounded = {ref: round_to(value, denominator) for ref, value in table.items()}
        key = tuple(rounded.values())
        if key not in tried:  # a finer grid that changes nothing new gets the same verdict
            tried.add(key)
            grids.append((denominator, rounded))
    for denominator, rounded in grids:
        if proved(candidate := assign(graph, rounded)):
            return Snapped(candidate, denominator)
    if flat is None:
        return None
    for denominator, rounded in grids:
        if proved(candidate := assign(flat, rounded)):
            return Snapped(candidate, denominator, flat=True)
    return Snapped(flat, 0, flat=True) if proved(flat) else None
