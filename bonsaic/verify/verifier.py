"""Translation validation: does a graph compute exactly what its spec says?

``verify`` first explores the product automaton exhaustively (:mod:`bonsaic.verify.explore`). If the
exploration closes, the answer holds for every sequence length ("proved"). If it does not close
(continuous states that never repeat exactly), an inductive invariant can still prove it for every
length: interval boxes (:mod:`bonsaic.verify.boxes`), then boxes checked over blocks of k steps in
affine arithmetic (:mod:`bonsaic.verify.affine`, the relational prover), then a cover of fixed grid
cells whose union is inductive (:mod:`bonsaic.verify.cells`). Otherwise the graph is
*bounded, not proved*, after every check that could refute it has passed: every allowed input
sequence up to the depth reached, the falsification battery (every short input word held for a
long time from every reachable spec state, :mod:`bonsaic.verify.battery`) and the focused battery
(the same from the explored states closest to a wrong output), then random samples from
:meth:`Program.generate` -- many sequences of moderate length and a few very long ones -- and as
many periodic ones (:mod:`bonsaic.verify.lasso`), because a network whose states drift slowly can be
right for thousands of steps and then go wrong.

No verdict rests on a non-finite number: a NaN or infinite value on any explored step is a failure,
and the invariant searches give up on any non-finite bound.

Passes verify hundreds of candidate graphs against one spec, so the work that depends only on the
spec (its transitions, the battery's plan, the samples) lives in a :class:`Verifier` that they keep
and reuse. The defaults are in :mod:`bonsaic.verify.defaults`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph
from bonsaic.verify import defaults
from bonsaic.verify.battery import Battery, BatterySettings, focus_starts, plan_battery, run_battery
from bonsaic.verify.explore import Exploration, Progress, explore_with_table
from bonsaic.verify.spec_table import ProgramLike, SpecTable

DEFAULT_BUDGET = defaults.BUDGET
DEFAULT_MAX_DEPTH = defaults.MAX_DEPTH
DEFAULT_RANDOM_SEQUENCES = defaults.RANDOM_SEQUENCES
DEFAULT_RANDOM_LENGTH = defaults.RANDOM_LENGTH
DEFAULT_LONG_SEQUENCES = defaults.LONG_SEQUENCES
DEFAULT_LONG_LENGTH = defaults.LONG_LENGTH
# Batches that would take numpy longer than this run on the OpenCL kernel, which costs 0.1-1.3 s
# to compile once per graph shape (benchmarks/bench_simulate.py; pruning and rounding keep the
# shape, so a pass's candidates share one kernel). numpy costs about 1e-4 s per step whatever the
# batch (a few numpy calls per node group) plus 2e-8 s per sequence-step and node or edge: a single
# 13,508-step witness sequence took 1.5 s on numpy and 0.02 s on the kernel (bit-equal results).
OPENCL_MIN_SECONDS = 1.0
NUMPY_SECONDS_PER_STEP = 1e-4
NUMPY_SECONDS_PER_WORK = 2e-8
# A screen (see Verifier.screen) explores this many product states and simulates this many
# random sequences of DEFAULT_RANDOM_LENGTH: about 1/25 of a passing verification's cost.
SCREEN_BUDGET = 2_000
SCREEN_SEQUENCES = 256
FOCUS_STARTS = 8  # explored states with the thinnest margins that the focused battery starts from
MAX_CACHED_SAMPLES = 8  # sampled batches a Verifier keeps (the long ones are ~15 MB each)


@dataclass
class Counterexample:
    """An input sequence on which the graph disagrees with the spec at its last step.

    All arrays have one row per step: ``inputs`` [T, I], ``expected`` and ``actual`` [T, O] as
    +1/-1, ``values`` [T, O] the raw output values the graph produced; ``spec_states`` (the
    verifier always fills it) is the spec's state at the start of each step (what the expected output was computed from, which is
    usually what a person needs to see why it is expected). ``shortest`` is True when
    the exhaustive search found it (no shorter sequence fails); a failure found by random sampling
    is cut at its first wrong step but longer sequences than the explored depth may be needed.
    """

    inputs: np.ndarray
    expected: np.ndarray
    actual: np.ndarray
    values: np.ndarray
    spec_states: list | None = None
    shortest: bool = True
    reason: str | None = None  # set when the last step fails for another reason than a wrong sign
    source: str = "from random sampling"  # how a non-shortest one was found, for its table's title

    def __len__(self) -> int:
        return len(self.inputs)


@dataclass
class VerifyResult:
    """The verdict. ``mode`` is "proved" (all lengths), "bounded" (see :meth:`summary`) or
    "failed" (``counterexample`` is set). ``boxes`` is the size of the interval invariant when
    one proved it (0 when the exploration closed by itself or nothing was proved)."""

    ok: bool
    mode: str
    product_states: int
    margin: float
    depth: int
    random_sequences: int
    random_length: int
    counterexample: Counterexample | None = None
    long_sequences: int = 0
    long_length: int = 0
    boxes: int = 0
    invariant: str = ""  # "interval", "affine" or "cells": the prover whose invariant of ``boxes`` boxes proved it
    invariant_steps: int = 1  # the affine prover checks its boxes over blocks of this many steps
    cell_size: float = 0.0  # the side of the grid cells of a cell cover (verify/cells.py)
    battery: str = ""  # what the falsification battery checked, e.g. "30 words of up to 4 inputs ..."

    def summary(self) -> str:
        """One line for people: verdict, what was checked, and the margin."""
        if not self.ok:
            assert self.counterexample is not None
            return f"mismatch: counterexample of length {len(self.counterexample)}"
        if self.mode == "proved":
            checked = "for all sequence lengths"
            if self.boxes and self.invariant == "affine":
                checked += (f" (affine invariant of {self.boxes} boxes over blocks of {self.invariant_steps} "
                            f"step{'s' if self.invariant_steps > 1 else ''})")
            elif self.boxes and self.invariant == "cells":
                checked += f" (cover of {self.boxes} grid cells of side 1/{round(1 / self.cell_size)})"
            elif self.boxes:
                checked += f" (interval invariant of {self.boxes} boxes)"
            return f"proved {checked}: {self.product_states} product states, margin {self.margin:.4g}"
        checked = f"exhaustive to depth {self.depth}"
        if self.battery:
            checked += f", {self.battery}"
        checked += f", {self.random_sequences} random sequences of length {self.random_length}"
        if self.long_sequences and self.long_length:
            checked += (f" and {self.long_sequences} random plus {self.long_sequences} periodic of length "
                        f"{self.long_length}")
        return (f"bounded, not proved: {checked} all pass ({self.product_states} product states, "
                f"margin {self.margin:.4g})")


def _spec_program(graph: Graph) -> ProgramLike:
    """The Program of the spec embedded in ``graph`` (an error if it carries none)."""
    if not graph.spec_source:
        raise BonsaicError("the graph carries no embedded spec",
                           hint="pass the spec explicitly (bonsaic verify MODEL.ir --spec TASK.bns)")
    from bonsaic.spec import compiled

    return compiled(graph.spec_source, graph.spec_name or "<embedded spec>")


def _check_interface(graph: Graph, program: ProgramLike) -> None:
    """Input and output names must be the spec's, in order (checked when the program carries its
    spec, as :class:`bonsaic.spec.Program` does; stand-in programs in tests need not)."""
    spec = getattr(program, "spec", None)
    if spec is None:
        return
    want_in = [decl.name for decl in spec.inputs]
    want_out = list(spec.outputs)
    have_out = [out.name for out in graph.outputs]
    if graph.inputs != want_in or have_out != want_out:
        raise BonsaicError(
            f"graph interface (inputs {graph.inputs}, outputs {have_out}) does not match the spec "
            f"(inputs {want_in}, outputs {want_out})",
            filename="<graph>",
            hint="the graph's input and output names and order must be the spec's",
        )


class Verifier:
    """Verifies graphs against one spec, reusing the spec's cached transitions between calls."""

    def __init__(self, program: ProgramLike, n_inputs: int, n_outputs: int) -> None:
        self.program = program
        self.table = SpecTable(program, n_inputs, n_outputs)
        # sampled sequences by (kind, seed, count, length): a pass verifies hundreds of candidates
        # on the same samples, and generating the long ones costs ~0.2 s each time
        self._samples: dict[tuple[str, int, int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._batteries: dict[BatterySettings, Battery] = {}
        self._last_exploration: tuple[tuple[str, int, int], Exploration] | None = None

    def battery(self, settings: BatterySettings = BatterySettings()) -> Battery:
        """The falsification battery for this spec (planned once per settings)."""
        if settings not in self._batteries:
            self._batteries[settings] = plan_battery(self.table, settings)
        return self._batteries[settings]

    def focused_check(self, graph: Graph, ex: Exploration,
                      settings: BatterySettings = BatterySettings()) -> tuple[float, Counterexample | None]:
        """The battery's words of up to two inputs held from the :data:`FOCUS_STARTS` explored states
        with the thinnest output margins (:func:`bonsaic.verify.battery.focus_starts`): where a
        proof search that failed says the network is closest to a wrong output."""
        focus = replace(settings, word_length=min(2, settings.word_length)).for_graph(graph)
        starts = focus_starts(self.table, ex, FOCUS_STARTS)
        if not starts:
            return float("inf"), None
        return self.battery_check(graph, focus, plan_battery(self.table, focus, starts))

    def battery_check(self, graph: Graph, settings: BatterySettings = BatterySettings(),
                      planned: Battery | None = None) -> tuple[float, Counterexample | None]:
        """Run the falsification battery (:mod:`bonsaic.verify.battery`; ``planned`` instead of the
        spec's own when given): the margin, and the counterexample whose failure comes earliest
        among the words checked, if any."""
        battery = self.battery(settings.for_graph(graph)) if planned is None else planned
        outcome = run_battery(graph, battery)
        for numpy_only in (False, True):
            if numpy_only:  # the kernel's tanh differs from numpy's in the last bits: numpy is the reference
                outcome = run_battery(graph, battery, numpy_steps=battery.length)
            worst = outcome.earliest()
            if worst is None:
                return outcome.margin, None
            inputs, targets = battery.sequence(worst, int(outcome.first_wrong[worst]) + 1)
            margin, cex = self._sample_check(graph, inputs[None], targets[None], numpy_only)
            if cex is not None and len(cex) == len(inputs):
                cex.source = battery.describe(worst)
                return min(outcome.margin, margin), cex
        raise AssertionError("numpy's battery run and its re-simulation disagree")

    def _sampled(self, kind: str, seed: int, count: int, length: int,
                 cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """The ``kind`` ("random" or "lasso") sample for these arguments, generated once (with
        ``cache=False`` generated now and not kept: a one-off check's large samples)."""
        key = (kind, seed, count, length)
        if key not in self._samples or not cache:
            if kind == "random":
                sample = self.program.generate(count, length, seed)
            else:
                from bonsaic.verify.lasso import lasso_sequences

                sample = lasso_sequences(self.table, count, length, seed)
            if not cache:
                return sample
            if len(self._samples) >= MAX_CACHED_SAMPLES:
                del self._samples[next(iter(self._samples))]  # the oldest
            for array in sample:
                array.setflags(write=False)  # shared by every later check
            self._samples[key] = sample
        return self._samples[key]

    @classmethod
    def for_graph(cls, graph: Graph, program: ProgramLike | None = None) -> Verifier:
        """A verifier for ``graph``'s interface; ``program`` defaults to its embedded spec."""
        program = _spec_program(graph) if program is None else program
        _check_interface(graph, program)
        return cls(program, len(graph.inputs), len(graph.outputs))

    def explore(self, graph: Graph, budget: int = DEFAULT_BUDGET, max_depth: int = DEFAULT_MAX_DEPTH,
                progress: Progress | None = None, seconds: float | None = None) -> Exploration:
        """The reachable product set (see :mod:`bonsaic.verify.explore`). The last exploration is kept:
        ``opt --emit bool`` asks for the one its final check just made, with the same budget."""
        from bonsaic.ir.text import print_ir

        key = (print_ir(graph), budget, max_depth) if seconds is None else None
        if key is not None and self._last_exploration is not None and self._last_exploration[0] == key:
            return self._last_exploration[1]
        ex = explore_with_table(graph, self.table, budget, max_depth, progress, seconds)
        if key is not None:
            self._last_exploration = (key, ex)
        return ex

    def verify(self, graph: Graph, budget: int = DEFAULT_BUDGET, seed: int = 0,
               random_sequences: int = DEFAULT_RANDOM_SEQUENCES,
               random_length: int = DEFAULT_RANDOM_LENGTH,
               max_depth: int = DEFAULT_MAX_DEPTH, long_sequences: int = DEFAULT_LONG_SEQUENCES,
               long_length: int = DEFAULT_LONG_LENGTH, intervals: bool = True, cache: bool = True,
               battery: BatterySettings = BatterySettings(), focus: bool = True,
               progress: Progress | None = None, explore_seconds: float | None = None) -> VerifyResult:
        """Exhaustive check, then (if it did not close) the invariant searches, then the
        falsification battery and (``focus``) the focused one, then random samples; see the module
        docstring. ``intervals=False`` skips the invariant searches; ``cache=False`` does not keep
        the samples for later calls; ``progress`` hears which phase is running; ``explore_seconds``
        stops the exhaustive exploration after that much wall time (what it found is kept)."""
        say = progress or (lambda description, done, total: None)
        ex = self.explore(graph, budget, max_depth, progress, explore_seconds)
        if ex.mismatch_step is not None:
            return VerifyResult(False, "failed", ex.product_states, ex.margin, ex.depth, 0, 0,
                                _exhaustive_counterexample(ex))
        if ex.closed:
            return VerifyResult(True, "proved", ex.product_states, ex.margin, ex.depth, 0, 0)
        if intervals and self._spec_is_small():
            say("searching for an invariant", 0, 1)
            from bonsaic.verify.affine import find_affine_invariant
            from bonsaic.verify.boxes import find_box_invariant
            from bonsaic.verify.cells import find_cell_invariant

            for method, search in (("interval", find_box_invariant), ("affine", find_affine_invariant),
                                   ("cells", find_cell_invariant)):
                invariant = search(graph, self.table, ex)
                if invariant is not None:
                    return VerifyResult(True, "proved", ex.product_states, min(ex.margin, invariant.margin),
                                        ex.depth, 0, 0, boxes=len(invariant), invariant=method,
                                        invariant_steps=invariant.steps, cell_size=invariant.cell_size or 0.0)
        say("falsification battery", 0, 1)
        margin, cex = self.battery_check(graph, battery)
        if cex is None and battery.max_sequences and focus:
            focus_margin, cex = self.focused_check(graph, ex, battery)
            margin = min(margin, focus_margin)
        planned = self.battery(battery.for_graph(graph))
        words = f"of up to {planned.word_length} inputs" if planned.word_length > 1 else "of one input"
        checked = (f"{len(planned)} input word{'s' if len(planned) != 1 else ''} {words} from {planned.starts} spec states repeated to "
                   f"{planned.length} steps") if len(planned) else ""
        if planned.truncated:
            checked += (f" (cut short: planning stopped after {defaults.BATTERY_SPEC_STATES:,} new spec "
                        "states)")
        if cex is None:
            say("random and periodic sequences", 0, 3)
            random_margin, cex = self._random_check(graph, seed, random_sequences, random_length, cache)
            margin = min(margin, random_margin)
        if cex is None:
            say("random and periodic sequences", 1, 3)
            long_margin, cex = self._random_check(graph, seed + 1, long_sequences, long_length, cache)
            margin = min(margin, long_margin)
        if cex is None:
            say("random and periodic sequences", 2, 3)
            lasso_margin, cex = self._lasso_check(graph, seed + 2, long_sequences, long_length, cache)
            margin = min(margin, lasso_margin)
        return VerifyResult(cex is None, "bounded" if cex is None else "failed", ex.product_states,
                            min(margin, ex.margin), ex.depth, random_sequences, random_length, cex,
                            long_sequences, long_length, battery=checked)

    def _spec_is_small(self) -> bool:
        """Whether the spec has at most :data:`~bonsaic.verify.defaults.PROOF_SPEC_STATES` reachable
        states: an invariant needs a box per spec state, so beyond that no search can succeed, and
        enumerating the spec's words (a counter to 2·10⁹) would only take hours. Programs without
        their own transition tables (stand-ins in tests) count as small."""
        transitions = getattr(self.program, "transitions", None)
        return transitions is None or transitions(defaults.PROOF_SPEC_STATES) is not None

    def screen(self, graph: Graph, seed: int = 0) -> bool:
        """A cheap necessary condition for :meth:`verify`: False means ``graph`` is wrong (a
        mismatch within a small exploration, or on a few random sequences: each is an allowed
        input sequence, so :meth:`verify` would fail too); True only means "worth verifying".
        Searches use it to discard most bad candidates before paying for a full verification."""
        ex = self.explore(graph, SCREEN_BUDGET, DEFAULT_MAX_DEPTH)
        if ex.mismatch_step is not None:
            return False
        if ex.closed:
            return True
        return self._random_check(graph, seed, SCREEN_SEQUENCES, DEFAULT_RANDOM_LENGTH)[1] is None

    def _random_check(self, graph: Graph, seed: int, count: int,
                      length: int, cache: bool = True) -> tuple[float, Counterexample | None]:
        if count == 0 or length == 0:
            return float("inf"), None
        inputs, targets = self._sampled("random", seed, count, length, cache)
        return self._sample_check(graph, inputs, targets)

    def _lasso_check(self, graph: Graph, seed: int, count: int,
                     length: int, cache: bool = True) -> tuple[float, Counterexample | None]:
        if count == 0 or length == 0:
            return float("inf"), None
        inputs, targets = self._sampled("lasso", seed, count, length, cache)
        if len(inputs) == 0:
            return float("inf"), None
        return self._sample_check(graph, inputs, targets)

    def check_sequences(self, graph: Graph, inputs: np.ndarray,
                        targets: np.ndarray) -> tuple[float, Counterexample | None]:
        """Simulate the given ``inputs`` [B, T, I] against ``targets`` [B, T, O] (+1/-1): the
        margin, and the earliest failing prefix if any (e.g. a counterexample found earlier)."""
        return self._sample_check(graph, inputs, targets)

    def _sample_check(self, graph: Graph, inputs: np.ndarray, targets: np.ndarray,
                      numpy_only: bool = False) -> tuple[float, Counterexample | None]:
        """Simulate ``inputs`` [B, T, I]; the margin, and the earliest failing prefix if any."""
        length = inputs.shape[1]
        values = _output_values(graph, np.asarray(inputs, dtype=np.float64), numpy_only)
        wrong = np.any((values > 0) != (np.asarray(targets) > 0), axis=2) | ~np.all(np.isfinite(values), axis=2)
        margin = float(np.min(np.abs(values))) if values.size else float("inf")
        if margin != margin:  # NaN: a non-finite output, reported as the failure below
            margin = 0.0
        if not wrong.any():
            return margin, None
        first_wrong = np.where(wrong.any(axis=1), wrong.argmax(axis=1), length)
        seq = int(first_wrong.argmin())
        end = int(first_wrong[seq]) + 1
        vals = values[seq, :end]
        steps = np.asarray(inputs[seq, :end], dtype=np.float64)
        cex = Counterexample(
            inputs=steps,
            expected=np.asarray(targets[seq, :end], dtype=np.float64),
            actual=np.where(vals > 0, 1.0, -1.0),
            values=vals,
            spec_states=self._spec_trace(steps),
            shortest=False,
            reason=None if np.all(np.isfinite(vals[-1])) else "an output value is not finite (NaN or infinity)",
        )
        return margin, cex

    def _spec_trace(self, inputs: np.ndarray) -> list:
        """The spec's state at the start of each step of ``inputs`` ([T, I] of +1/-1)."""
        state, trace = self.program.initial_state(), []
        for row in inputs:
            trace.append(state)
            state, _ = self.program.step(state, tuple(bool(v > 0) for v in row))
        return trace


def _output_values(graph: Graph, inputs: np.ndarray, numpy_only: bool = False) -> np.ndarray:
    """Simulate a batch (random sequences, or one long witness) with whichever simulator is faster
    for its size (numpy alone with ``numpy_only``). The kernel is only used in double precision,
    where it agrees with numpy bit for bit (tanh aside)."""
    from bonsaic.ir.simulate import simulate

    work = inputs.shape[0] * inputs.shape[1] * (len(graph.neurons) + graph.edge_count())
    slow = inputs.shape[1] * NUMPY_SECONDS_PER_STEP + work * NUMPY_SECONDS_PER_WORK >= OPENCL_MIN_SECONDS
    if slow and not numpy_only:
        from bonsaic.ir.opencl import opencl_available, opencl_precision, simulate_opencl

        if opencl_available() and opencl_precision() == "float64":
            return simulate_opencl(graph, inputs).values
    return simulate(graph, inputs).values


def _exhaustive_counterexample(ex: Exploration) -> Counterexample:
    assert ex.mismatch_step is not None
    path = ex.path_to(ex.mismatch_step)
    values = ex.step_outputs[path]
    return Counterexample(
        inputs=ex.step_inputs[path],
        expected=ex.step_expected[path],
        actual=np.where(values > 0, 1.0, -1.0),
        values=values,
        spec_states=[ex.spec_states[s] for s in ex.step_spec[path]],
        reason=_non_finite_reason(ex, ex.mismatch_step),
    )


def _non_finite_reason(ex: Exploration, step: int) -> str | None:
    """Which nodes are not finite on ``step`` (None when all are)."""
    values = ex.step_values[step]
    bad = [f"{name} = {float(values[k])}" for k, name in enumerate(ex.node_names) if not np.isfinite(values[k])]
    if not bad:
        return None
    return "a value is not finite (" + ", ".join(bad[:4]) + (", ..." if len(bad) > 4 else "") + ")"


def verify(graph: Graph, program: ProgramLike | None = None, budget: int = DEFAULT_BUDGET,
           seed: int = 0, random_sequences: int = DEFAULT_RANDOM_SEQUENCES,
           random_length: int = DEFAULT_RANDOM_LENGTH, max_depth: int = DEFAULT_MAX_DEPTH,
           long_sequences: int = DEFAULT_LONG_SEQUENCES, long_length: int = DEFAULT_LONG_LENGTH,
           intervals: bool = True, battery: BatterySettings = BatterySettings()) -> VerifyResult:
    """Check ``graph`` against ``program`` (default: the spec embedded in the graph).

    For repeated calls against the same spec, keep a :class:`Verifier` instead.
    """
    return Verifier.for_graph(graph, program).verify(graph, budget, seed, random_sequences, random_length,
                                                     max_depth, long_sequences, long_length, intervals,
                                                     battery=battery)


def explore(graph: Graph, program: ProgramLike | None = None, budget: int = DEFAULT_BUDGET,
            max_depth: int = DEFAULT_MAX_DEPTH) -> Exploration:
    """The reachable (spec state, graph state) set with every node's value on every explored step."""
    return Verifier.for_graph(graph, program).explore(graph, budget, max_depth)
