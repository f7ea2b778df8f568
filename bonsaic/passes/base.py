"""What a pass is, what it may use while it runs, and what is recorded about it.

A pass is a small frozen dataclass: a ``name`` (its spelling in ``-p``), a docstring (shown by
``bonsaic passes``), its options as dataclass fields (so ``clip{max=0.5}`` can be parsed onto it)
and one method, ``run(graph, ctx) -> Graph``, that returns a *new* graph.

Passes never call the verifier directly: they ask the :class:`PassContext`. That keeps the count of
verifier calls in one place (``--stats`` and the benchmark report it) and lets tests hand a pass a
cheap oracle instead of the real verifier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.verify import defaults

if TYPE_CHECKING:
    from bonsaic.verify import Exploration, Verifier, VerifyResult
    from bonsaic.verify.verifier import Counterexample

AUDIT_SEED = 1_000_003  # audits draw from seeds far from the ones pass searches use
AUDIT_SCALE = 4  # audits sample this many times more sequences than a pass's own checks
FINAL_LONG_LENGTH = 100_000  # the final check's long sequences (the passes' own: 20,000 steps)
FINAL_SEED = 7_000_003  # ... drawn from yet other seeds ...
FINAL_CHECKS = 3  # ... this many times
TRACE_SEQUENCES = 64  # sampled runs :meth:`PassContext.traces` simulates ...
TRACE_LENGTH = 500  # ... and their length: long enough for a decaying loop to settle
ProgressFn = Callable[[str, int, int], None]
"""``progress(description, done, total)``: how long passes report how far they are."""


def _no_progress(description: str, done: int, total: int) -> None:
    """The default: say nothing (tests, pipes, ``--quiet``)."""


@dataclass(frozen=True)
class SearchChecks:
    """How large the checks a pass's own searches make (:meth:`PassContext.verify`) are.

    Whoever runs a pass decides (the pipeline's policy, :meth:`PassContext.searching`); the pass
    itself neither knows nor cares why. ``prove``: try the invariant provers (worth it only while the
    last accepted graph was proved: on a bounded one they fail on every candidate, at a cost).
    ``thorough``: samples as large as an audit's, the full battery and a focused search -- for a
    pass re-run after its result was rolled back, whose first run's samples let a wrong graph through.
    """

    prove: bool = True
    thorough: bool = False


@dataclass
class PassContext:
    """The services a pass may use, each counted: an equivalence check and the reachable-set explorer.

    Both are judged against the spec embedded in the graph, through one cached
    :class:`bonsaic.verify.Verifier` (the spec's transition table is built once, not once per
    candidate). Tests may pass ``verifier`` / ``explorer`` functions instead.

    ``witnesses`` are input sequences on which some earlier candidate went wrong (found by an
    audit's fresh sample, :meth:`learn`): every later check simulates them first, so a search that
    is re-run after a rollback cannot pick a graph that fails the same way again.
    """

    budget: int = defaults.BUDGET
    seed: int = 0
    progress: ProgressFn = _no_progress
    # ``bonsaic verify``'s other options (max_depth, battery, samples, ...) for the checks that must
    # agree with it: the input check and the first final check (``opt`` takes the same flags)
    verify_options: dict[str, Any] = field(default_factory=dict)
    verifier: Callable[[Graph], VerifyResult] | None = None
    explorer: Callable[[Graph], Exploration] | None = None
    tracer: Callable[[Graph], dict[str, np.ndarray]] | None = None
    verifier_calls: int = 0
    notes: list[str] = field(default_factory=list)
    witnesses: list[Counterexample] = field(default_factory=list)
    # how the searches check candidates; the pipeline sets it for each run of a pass (:meth:`searching`)
    searches: SearchChecks = field(default_factory=SearchChecks)
    _cached: tuple[tuple, Verifier] | None = field(default=None, repr=False)

    def note(self, message: str) -> None:
        """Record a remark for ``--stats`` (e.g. why a pass did nothing)."""
        self.notes.append(message)

    @contextmanager
    def searching(self, checks: SearchChecks) -> Iterator[None]:
        """Make the searches' checks as ``checks`` says while the block runs (one run of a pass),
        then restore the previous setting."""
        previous, self.searches = self.searches, checks
        try:
            yield
        finally:
            self.searches = previous

    def verify(self, graph: Graph) -> VerifyResult:
        """Verify ``graph`` against its embedded spec (one counted verifier call), as
        :attr:`searches` says. Thorough checks (a pass re-run after a rollback) use samples as large
        as the audit's: its first run's samples already let through a graph the audit rejected, and
        a fresh failure is found on each retry otherwise (gate_switcher's ``quantize`` ran out of
        retries that way). Otherwise the falsification battery is shorter (``SEARCH_BATTERY_LENGTH``
        steps, as cheap as the samples); the audit of the pass's result runs it in full."""
        self.verifier_calls += 1
        if self.verifier is not None:
            return self.verifier(graph)
        from bonsaic.verify.battery import BatterySettings
        from bonsaic.verify.defaults import SEARCH_BATTERY_LENGTH
        from bonsaic.verify.verifier import DEFAULT_LONG_SEQUENCES, DEFAULT_RANDOM_SEQUENCES

        thorough = self.searches.thorough
        scale = AUDIT_SCALE if thorough else 1
        battery = BatterySettings() if thorough else BatterySettings(length=SEARCH_BATTERY_LENGTH)
        return self._witness_failure(graph) or self._spec_verifier(graph).verify(
            graph, self.budget, self.seed, random_sequences=scale * DEFAULT_RANDOM_SEQUENCES,
            long_sequences=scale * DEFAULT_LONG_SEQUENCES, battery=battery, intervals=self.searches.prove,
            focus=thorough)

    def learn(self, counterexample: Counterexample) -> bool:
        """Remember a sequence a candidate failed on; True when later checks will use it (not with
        a test double ``verifier``, which cannot simulate sequences)."""
        self.witnesses.append(counterexample)
        return self.verifier is None

    def _witness_failure(self, graph: Graph) -> VerifyResult | None:
        """A failed verdict if ``graph`` goes wrong on a remembered witness, else None."""
        if not self.witnesses:
            return None
        from bonsaic.verify.verifier import VerifyResult

        verifier = self._spec_verifier(graph)
        for witness in self.witnesses:
            margin, cex = verifier.check_sequences(graph, witness.inputs[None], witness.expected[None])
            if cex is not None:
                return VerifyResult(False, "failed", 0, margin, 0, 0, 0, cex)
        return None

    def screen(self, graph: Graph) -> bool:
        """A cheap check that can only reject (one counted call): False means ``graph`` is wrong
        (on a witness, a small exploration or a few random sequences); True means "verify it".
        With a test double ``verifier`` it is that verifier's verdict."""
        self.verifier_calls += 1
        if self.verifier is not None:
            return bool(self.verifier(graph).ok)
        if self._witness_failure(graph) is not None:
            return False
        return self._spec_verifier(graph).screen(graph, self.seed)

    def check(self, graph: Graph) -> VerifyResult:
        """``bonsaic verify``'s verdict with this context's budget and seed and the verifier's
        defaults (one counted call): how ``opt`` judges its input, so that ``verify`` and ``opt``
        cannot disagree about a file. Test doubles (``verifier``) are used as they are."""
        self.verifier_calls += 1
        if self.verifier is not None:
            return self.verifier(graph)
        return self._witness_failure(graph) or self._spec_verifier(graph).verify(
            graph, self.budget, self.seed, progress=self.progress, **self.verify_options)

    def audit(self, graph: Graph, salt: int, draw: int = 0) -> VerifyResult:
        """The pipeline's verdict on a pass's result: where the exploration does not close, the
        random samples are drawn from another seed and are four times larger than the ones the
        pass's own searches used. A search that picks the largest threshold the fixed sample still
        accepts is biased towards graphs that only just pass that sample; a fresh sample is not.
        ``salt`` (the step) and ``draw`` (how often that step's pass was re-run) pick the seed, so
        every audit of a re-run draws afresh. Test doubles (``verifier``) are used as they are."""
        from bonsaic.verify.verifier import DEFAULT_LONG_LENGTH

        # verify draws from seed, +1 and +2; a re-run pass afresh
        return self._large_checks(graph, [self.seed + AUDIT_SEED + 3 * salt + 3_000 * draw],
                                  DEFAULT_LONG_LENGTH, cache=True)

    def final_audit(self, graph: Graph) -> VerifyResult:
        """The pipeline's last word on its result where the exploration does not close: the check
        ``bonsaic verify`` makes with the same budget and seed, then ``FINAL_CHECKS`` audits from further seeds whose long sequences are five times longer
        (100,000 steps); the first failure is the verdict. Passes accept what sequences of 20,000
        steps cannot tell apart, and a result that only just passed its searches' samples fails
        most fresh ones: a mini_cpu result failed 9 of 10 such checks (and passed the one the
        pipeline then drew). The samples are not cached (about 1.6 GB per seed)."""
        if self.verifier is None:
            first = self._spec_verifier(graph).verify(graph, self.budget, self.seed,  # `bonsaic verify`'s
                                                      progress=self.progress, **self.verify_options)
            if not first.ok or first.mode == "proved":
                return first
        seeds = [self.seed + FINAL_SEED + 3 * check for check in range(FINAL_CHECKS)]
        # the first check ran the deterministic parts (proof searches, battery): the rest only samples
        return self._large_checks(graph, seeds, FINAL_LONG_LENGTH, cache=False, samples_only=True)

    def _large_checks(self, graph: Graph, seeds: list[int], long_length: int, cache: bool,
                      samples_only: bool = False) -> VerifyResult:
        """One counted call: the witnesses, then a verification per seed with audit-sized samples
        (long sequences of ``long_length`` steps) until one fails or proves; test doubles decide
        alone. ``samples_only`` skips the invariant searches and the battery (already done)."""
        self.verifier_calls += 1
        if self.verifier is not None:
            return self.verifier(graph)
        from bonsaic.verify.battery import BatterySettings
        from bonsaic.verify.verifier import (
            DEFAULT_LONG_SEQUENCES,
            DEFAULT_RANDOM_LENGTH,
            DEFAULT_RANDOM_SEQUENCES,
        )

        battery = BatterySettings(max_sequences=0) if samples_only else BatterySettings()
        result = self._witness_failure(graph)
        for seed in seeds:
            if result is not None and (not result.ok or result.mode == "proved"):
                break
            result = self._spec_verifier(graph).verify(
                graph, self.budget, seed, AUDIT_SCALE * DEFAULT_RANDOM_SEQUENCES, DEFAULT_RANDOM_LENGTH,
                long_sequences=AUDIT_SCALE * DEFAULT_LONG_SEQUENCES, long_length=long_length, cache=cache,
                intervals=not samples_only, battery=battery)
        assert result is not None
        return result

    def equivalent(self, graph: Graph) -> bool:
        """Whether ``graph`` still implements its spec: the oracle every search in a pass uses."""
        return bool(self.verify(graph).ok)

    def keep_if_equivalent(self, before: Graph, after: Graph, what: str, done: str, dce: bool = True) -> Graph:
        """The end of every one-shot rewrite (fold, merge, cse, inline): ``after`` with its dead nodes
        removed (unless ``dce`` is False) if it still implements the spec, noting ``done``; otherwise
        ``before``, noting that ``what`` failed verification (a rewrite that is exact on paper can
        still change a sum's rounding)."""
        if dce:
            from bonsaic.passes.dce import eliminate_dead_nodes  # dce's module imports this one

            after = eliminate_dead_nodes(after)
        if not self.equivalent(after):
            self.note(f"{what} failed verification (float rounding); kept the input")
            return before
        self.note(done)
        return after

    def explore(self, graph: Graph) -> Exploration:
        """The reachable (spec state, graph state) steps of ``graph`` with every node's value."""
        self.verifier_calls += 1
        if self.explorer is not None:
            return self.explorer(graph)
        return self._spec_verifier(graph).explore(graph, self.budget,
                                                  self.verify_options.get("max_depth", defaults.MAX_DEPTH))

    def traces(self, graph: Graph) -> dict[str, np.ndarray]:
        """Every node's values [sequences, steps] on sampled input sequences of the spec (one
        counted call): evidence for passes that *propose* rewrites the verifier then judges."""
        self.verifier_calls += 1
        if self.tracer is not None:
            return self.tracer(graph)
        from bonsaic.ir.simulate import simulate

        inputs, _targets = self._spec_verifier(graph).program.generate(TRACE_SEQUENCES, TRACE_LENGTH, self.seed)
        trace = simulate(graph, inputs, trace=True).trace
        assert trace is not None
        return trace

    def _spec_verifier(self, graph: Graph) -> Verifier:
        """The cached verifier for ``graph``'s embedded spec and interface."""
        from bonsaic.verify import Verifier

        key = (graph.spec_source, tuple(graph.inputs), tuple(out.name for out in graph.outputs))
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, Verifier.for_graph(graph))
        return self._cached[1]


@dataclass(frozen=True)
class Pass:
    """Base class of every pass; subclasses are frozen dataclasses whose fields are their options."""

    name: ClassVar[str] = ""

    def run(self, graph: Graph, ctx: PassContext) -> Graph:
        """Return a rewritten copy of ``graph`` that still implements its spec."""
        raise NotImplementedError(f"pass {type(self).__name__} does not implement run()")

    def spelling(self) -> str:
        """The pipeline text that recreates this pass, e.g. ``clip{max=0.5}`` (defaults left out)."""
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                   if getattr(self, f.name) != f.default]
        return f"{self.name}{{{','.join(changed)}}}" if changed else self.name


@dataclass
class PassStats:
    """One row of ``--stats``: the graph's size before and after a pass, its time and verifier calls."""

    index: int
    spelling: str
    before: dict[str, int]
    after: dict[str, int]
    seconds: float
    verifier_calls: int
    verify_mode: str = ""
    notes: list[str] = field(default_factory=list)


def size_counts(graph: Graph) -> dict[str, int]:
    """The counts passes are judged on: neurons, states, edges, nonzero biases."""
    stats = graph.stats()
    return {key: stats[key] for key in ("neurons", "states", "edges", "nonzero_biases")}
