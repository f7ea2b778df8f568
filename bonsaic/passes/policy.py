"""The pipeline's verification policy: judge every graph, keep it or go back to a verified one, retry.

This is the one place that decides what the pipeline continues with. It is kept apart from the
observers (``--dump-ir``, ``--print-after-all``, ``--stats``: :mod:`bonsaic.passes.observers`), which
are told each :class:`Decision` after it is made and cannot change it, and from the passes, which
only learn how large their own checks should be (:class:`~bonsaic.passes.base.SearchChecks`).

Each verdict is the context's independent audit (:meth:`PassContext.audit`); the input is judged
exactly as ``bonsaic verify`` judges it (:meth:`PassContext.check`). ``last_good`` is the newest
graph that verified. A failure the exhaustive search found (a shortest counterexample: the pass
broke the graph) stops the pipeline. A failure only a random sample found, on a graph whose
exploration does not close, means the pass's result passed the searches' own sample but not a
fresh one: the pass is rolled back (the pipeline continues with its input, or an earlier result if
its input fails the same sample) and, up to ``MAX_RETRIES`` times, run again with the failing
sequence as a witness every later check simulates first (its audit then draws yet another fresh
sample). A result that is bounded where its input was proved is rolled back unless it is smaller. A
pass that changed nothing is not verified again: its graph equals the last good one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext, SearchChecks, size_counts

if TYPE_CHECKING:
    from bonsaic.verify import VerifyResult

MAX_RETRIES = 3  # re-runs of one pass after rollbacks, each knowing the sequences that failed before


class VerificationFailed(Exception):
    """A pass produced a graph that fails verification (or the input graph already fails).

    ``index`` is the step (0: the input), ``pass_`` the pass that ran there (None: the input),
    ``graph`` the graph that failed and ``result`` the verdict."""

    def __init__(self, index: int, pass_: Pass | None, graph: Graph, result: VerifyResult) -> None:
        self.index, self.pass_, self.graph, self.result = index, pass_, graph, result
        super().__init__(self.describe())

    def describe(self) -> str:
        """Which step failed and on what input sequence."""
        what = ("the input graph does not implement its spec" if self.pass_ is None else
                f"pass {self.index} ({self.pass_.spelling()}) produced a graph that fails "
                "verification -- a bug in the pass")
        cex = self.result.counterexample
        if cex is None:
            return what
        from bonsaic.verify.report import counterexample_table

        graph = self.graph
        return f"{what}\n{counterexample_table(cex, graph.inputs, [o.name for o in graph.outputs])}"


@dataclass
class Decision:
    """The policy's verdict on one step: the check's ``result`` on the step's graph, and what the
    pipeline does next. ``rolled_back_to``: continue with this graph instead of the step's (None:
    keep it). ``retry``: run the same pass again, from ``rolled_back_to``. ``failure``: stop the
    pipeline. ``notes`` say why, for ``--stats``."""

    result: VerifyResult
    rolled_back_to: Graph | None = None
    notes: list[str] = field(default_factory=list)
    retry: bool = False
    failure: VerificationFailed | None = None

    @property
    def verify_mode(self) -> str:
        """The ``--stats`` check column: ``rolled back``, or the verdict's mode."""
        return "rolled back" if self.rolled_back_to is not None else self.result.mode


class Policy(Protocol):
    """What :func:`bonsaic.passes.pipeline.run_passes` asks between passes."""

    def searches(self, attempt: int) -> SearchChecks:
        """How the next pass's own checks are made on its run ``attempt`` (0: its first)."""
        ...

    def judge(self, index: int, pass_: Pass | None, graph: Graph, attempt: int) -> Decision:
        """The decision on ``graph``: the input (``pass_`` None, index 0) or the result of run
        ``attempt`` of pass ``index``."""
        ...


@dataclass
class VerifiedRollback:
    """The default :class:`Policy` (see the module's docstring): audit, roll back, retry, and at the
    end check the pipeline's result once more (:meth:`final_check`)."""

    ctx: PassContext
    last_good: Graph | None = None
    _last_result: VerifyResult | None = None
    _good: list[tuple[int, Graph]] = field(default_factory=list)  # (index, graph) of every good graph

    def searches(self, attempt: int) -> SearchChecks:
        """Prove in the searches only while the last accepted graph was proved; check thoroughly on
        a re-run."""
        prove = self._last_result is None or self._last_result.mode == "proved"
        return SearchChecks(prove=prove, thorough=attempt > 0)

    def judge(self, index: int, pass_: Pass | None, graph: Graph, attempt: int) -> Decision:
        """Audit ``graph`` (or reuse the last verdict if it equals the last good graph) and decide."""
        unchanged = self._last_result is not None and graph == self.last_good
        if unchanged:
            result = self._last_result
        elif pass_ is None:  # the input: exactly `bonsaic verify`'s verdict on the same file
            result = self.ctx.check(graph)
        else:
            result = self.ctx.audit(graph, index, attempt)
        assert result is not None
        if not result.ok:
            return self._failed(index, pass_, graph, result, attempt)
        notes: list[str] = []
        lost_proof = (self._last_result is not None and self._last_result.mode == "proved"
                      and result.mode != "proved" and self.last_good is not None)
        if lost_proof:
            assert self.last_good is not None
            if _weight(size_counts(graph)) >= _weight(size_counts(self.last_good)):
                return Decision(result, rolled_back_to=self.last_good, notes=[
                    "rolled back: its result is bounded, not proved, and it removes nothing; a proof is "
                    "not traded for nothing"])
            notes.append("proof lost here: its input was proved, its (smaller) result is bounded, not proved")
        self.accept(graph, result)
        self._good.append((index, graph))
        return Decision(result, notes=notes)

    def _failed(self, index: int, pass_: Pass | None, graph: Graph, result: VerifyResult,
                attempt: int) -> Decision:
        """A failing verdict: stop, or roll back (and maybe retry) if only a fresh sample found it."""
        cex = result.counterexample
        sampled = cex is not None and not cex.shortest
        if not sampled or pass_ is None or self.last_good is None:
            return Decision(result, failure=VerificationFailed(index, pass_, graph, result))
        assert cex is not None
        target = self._newest_passing(index, attempt)
        if target is None:  # not even the pipeline's input passes this sample
            first = self._good[0][1]
            return Decision(result, failure=VerificationFailed(0, None, first, self.ctx.audit(first, index, attempt)))
        good_index, good = target
        where = ("its input" if good_index == self._good[-1][0] else
                 f"the result of step {good_index:02d}: the results of the steps after it fail this sample too")
        notes = [f"rolled back: its result fails a fresh random sample at step {len(cex)} (the sample its "
                 f"search used did not show it); continuing with {where}"]
        self._good = [(i, g) for i, g in self._good if i <= good_index]
        self.last_good = good
        retry = attempt < MAX_RETRIES and self.ctx.learn(cex)
        if retry:
            notes.append("re-running it with that sequence as a witness")
        return Decision(result, rolled_back_to=good, notes=notes, retry=retry)

    def accept(self, graph: Graph, result: VerifyResult) -> None:
        """Take ``graph`` as verified with ``result`` without checking it (the caller already did):
        the input's judgement then finds it unchanged and records that verdict."""
        self.last_good, self._last_result = graph, result

    def final_check(self, graph: Graph) -> Decision | None:
        """Check the pipeline's result once more with much longer sequences (:meth:`PassContext.
        final_audit`) unless it was proved (None: no check made); if it fails, go back to the newest
        earlier result that passes the same check (a failure if not even the input does)."""
        if self._last_result is None or self._last_result.mode == "proved":
            return None
        result = self.ctx.final_audit(graph)
        if result.ok:
            return Decision(result)
        cex = result.counterexample
        found = "?" if cex is None else f"{len(cex)} ({'exhaustive search' if cex.shortest else cex.source})"
        notes = [f"the result fails at step {found}"]
        earlier = [(i, g) for i, g in reversed(self._good) if g != graph]
        passing = next(((i, g) for i, g in earlier if self.ctx.final_audit(g).ok), None)
        if passing is None:
            first = self._good[0][1]
            return Decision(result, notes=notes,
                            failure=VerificationFailed(0, None, first, self.ctx.final_audit(first)))
        at, chosen = passing
        notes.append(f"going back to the result of step {at:02d}, the newest that passes it")
        self.last_good = chosen
        return Decision(result, rolled_back_to=chosen, notes=notes)

    def _newest_passing(self, salt: int, draw: int) -> tuple[int, Graph] | None:
        """The newest good graph that also passes the audit sample (``salt``, ``draw``); None if none does."""
        for index, graph in reversed(self._good):
            if self.ctx.audit(graph, salt, draw).ok:
                return index, graph
        return None


def _weight(counts: dict[str, int]) -> int:
    """A graph's size for deciding whether a pass shrank it: neurons, states, edges and nonzero
    biases together."""
    return sum(counts.values())
