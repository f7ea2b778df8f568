"""Pipelines: parse ``clip{max=0.5},quantize,dce``, run the passes, and check between every two.

As in xdsl-opt, the pipeline is data (a list of pass objects) plus ONE callback run between passes;
that callback, :class:`Instrumentation`, is where verification, ``--dump-ir``, ``--print-after-all``
and timing live, so passes stay free of all of them. The callback also sees the input graph
(event 0), which is verified first: a graph that does not implement its spec cannot be optimised.
"""

from __future__ import annotations

import re
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TextIO

from bonsaic.diagnostics import BonsaicError
from bonsaic.fsutil import atomic_write_text
from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext, PassStats, size_counts
from bonsaic.passes.registry import PASSES

if typing.TYPE_CHECKING:
    from bonsaic.verify import VerifyResult


class PipelineError(BonsaicError):
    """A malformed ``-p`` pipeline string (reported with the column of the offending text)."""


_ITEM = re.compile(r"\s*(?P<name>[A-Za-z_][\w-]*)\s*(?:\{(?P<options>[^{}]*)\})?\s*(?P<comma>,)?")
_OPTION = re.compile(r"\s*(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<value>[^,=\s]+)\s*$")
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def parse_pipeline(text: str) -> list[Pass]:
    """The passes named by ``text``: comma-separated names, each with optional ``{key=value,...}``."""
    passes: list[Pass] = []
    pos = 0
    while pos < len(text) or not passes:
        match = _ITEM.match(text, pos)
        if match is None:
            raise _error(text, pos, "expected a pass name, optionally followed by {key=value,...}")
        passes.append(_build(text, match))
        pos = match.end()
        if match.group("comma") is None and text.startswith("{", pos):
            raise _error(text, pos, "unclosed '{' (options cannot contain braces)")
        if match.group("comma") is None and pos < len(text):
            raise _error(text, pos, "expected ',' between passes")
        if match.group("comma") is not None and pos == len(text):
            raise _error(text, pos, "expected a pass name after ','")
    return passes


def _build(text: str, match: re.Match[str]) -> Pass:
    name = match.group("name")
    if name not in PASSES:
        raise _error(text, match.start("name"), f"unknown pass {name!r}",
                     hint=f"available passes: {', '.join(PASSES)} (see `bonsaic passes`)")
    cls = PASSES[name]
    options = match.group("options")
    values: dict[str, object] = {}
    if options is not None and options.strip():
        offset = match.start("options")
        for part in options.split(","):
            values.update(_option(text, offset, part, cls))
            offset += len(part) + 1
    return cls(**values)


def _option(text: str, offset: int, part: str, cls: type[Pass]) -> dict[str, object]:
    match = _OPTION.match(part)
    if match is None:
        raise _error(text, offset, f"expected key=value in the options of {cls.name!r}")
    key, raw = match.group("key"), match.group("value")
    types = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    if key not in known:
        raise _error(text, offset + match.start("key"), f"pass {cls.name!r} has no option {key!r}",
                     hint=f"its options: {', '.join(known) or 'none'}")
    try:
        return {key: _convert(raw, types[key])}
    except ValueError:
        raise _error(text, offset + match.start("value"),
                     f"option {key!r} of {cls.name!r} expects {types[key].__name__}, got {raw!r}") from None


def _convert(raw: str, kind: type) -> object:
    if kind is bool:
        if raw.lower() not in _TRUE | _FALSE:
            raise ValueError(raw)
        return raw.lower() in _TRUE
    return kind(raw)


def _error(text: str, offset: int, message: str, hint: str | None = None) -> PipelineError:
    return PipelineError.at(message, text, "<pipeline>", 1, offset + 1, hint)  # type: ignore[return-value]


# -- running ---------------------------------------------------------------------------------------


@dataclass
class PassEvent:
    """What the between-pass callback is told: the graph after pass ``index`` (0: the input)."""

    index: int
    pass_: Pass | None
    graph: Graph
    before: Graph | None
    seconds: float
    verifier_calls: int
    notes: list[str]

    @property
    def label(self) -> str:
        """``input`` or the pass's name: the dump file is ``{index:02d}-{label}.ir``."""
        return "input" if self.pass_ is None else self.pass_.name

    @property
    def spelling(self) -> str:
        """``input`` or the pass with its options, for headers and ``--stats``."""
        return "input" if self.pass_ is None else self.pass_.spelling()


MAX_RETRIES = 3  # re-runs of one pass after rollbacks, each knowing the sequences that failed before


@dataclass
class Retry:
    """Returned by the between-pass callback: roll back to ``graph`` and run the same pass again."""

    graph: Graph


BetweenPasses = Callable[[PassEvent], "Graph | Retry | None"]
"""Called on the input and after every pass; may return the graph to continue with instead of the
pass's result (a rollback), a :class:`Retry`, or None to keep the result."""


def run_passes(graph: Graph, passes: list[Pass], ctx: PassContext, between: BetweenPasses) -> Graph:
    """Run ``passes`` in order, calling ``between`` on the input and after every pass (and after
    every re-run of a pass it asked to retry; ``ctx.attempt`` counts them)."""
    between(PassEvent(0, None, graph, None, 0.0, 0, []))
    for index, pass_ in enumerate(passes, start=1):
        ctx.attempt = 0
        while True:
            calls, ctx.notes = ctx.verifier_calls, []
            start = time.perf_counter()
            result = pass_.run(graph, ctx)
            replacement = between(PassEvent(index, pass_, result, graph, time.perf_counter() - start,
                                            ctx.verifier_calls - calls, ctx.notes))
            if not isinstance(replacement, Retry):
                break
            graph = replacement.graph
            ctx.attempt += 1
        graph = result if replacement is None else replacement
    ctx.attempt = 0
    return graph


class VerificationFailed(Exception):
    """A pass produced a graph that fails verification (or the input graph already fails)."""

    def __init__(self, event: PassEvent, result: VerifyResult) -> None:
        self.event = event
        self.result = result
        super().__init__(self.describe())

    def describe(self) -> str:
        """Which step failed and on what input sequence."""
        what = ("the input graph does not implement its spec" if self.event.pass_ is None else
                f"pass {self.event.index} ({self.event.spelling}) produced a graph that fails "
                "verification -- a bug in the pass")
        cex = self.result.counterexample
        if cex is None:
            return what
        from bonsaic.verify.report import counterexample_table

        graph = self.event.graph
        return f"{what}\n{counterexample_table(cex, graph.inputs, [o.name for o in graph.outputs])}"


@dataclass
class Instrumentation:
    """The between-pass callback: verify, dump, print and time each graph, like xdsl-opt's.

    Each verdict is the context's independent audit (:meth:`PassContext.audit`). ``last_good`` is
    the newest graph that verified. A failure the exhaustive search found (a shortest
    counterexample: the pass broke the graph) raises :class:`VerificationFailed`. A failure only a
    random sample found, on a graph whose exploration does not close, means the pass's result
    passed the searches' own sample but not a fresh one: the pass is rolled back (the pipeline
    continues with its input, and ``--stats`` says so) and, up to ``MAX_RETRIES`` times, run again
    with the failing sequence as a witness every later check simulates first (its audit then draws
    yet another fresh sample). A pass that changed nothing is not
    verified again: its graph equals the last good one.
    """

    ctx: PassContext
    dump_dir: Path | None = None
    print_to: TextIO | None = None
    stats: list[PassStats] = field(default_factory=list)
    last_good: Graph | None = None
    _last_result: VerifyResult | None = None
    _good: list[tuple[int, Graph]] = field(default_factory=list)  # (index, graph) of every good graph

    def __call__(self, event: PassEvent) -> Graph | Retry | None:
        from bonsaic.ir.text import print_ir

        unchanged = self._last_result is not None and event.graph == self.last_good
        if unchanged:
            result = self._last_result
        elif event.pass_ is None:  # the input: exactly `bonsaic verify`'s verdict on the same file
            result = self.ctx.check(event.graph)
        else:
            result = self.ctx.audit(event.graph, event.index)
        assert result is not None
        text = print_ir(event.graph)
        if self.dump_dir is not None:
            suffix = "" if result.ok else ".failed"
            atomic_write_text(self.dump_dir / f"{event.index:02d}-{event.label}{suffix}.ir", text)
        if self.print_to is not None:
            print(f"# ----- IR after {event.index:02d} {event.spelling} -----\n{text}", file=self.print_to)
        before = size_counts(event.before if event.before is not None else event.graph)
        spelling = event.spelling + (f" (retry {self.ctx.attempt})" if self.ctx.attempt else "")
        self.stats.append(PassStats(event.index, spelling, before, size_counts(event.graph),
                                    event.seconds, event.verifier_calls, result.mode, event.notes))
        if not result.ok:
            cex = result.counterexample
            sampled = cex is not None and not cex.shortest
            if not sampled or event.pass_ is None or self.last_good is None:
                raise VerificationFailed(event, result)
            target = self._newest_passing(event.index)
            if target is None:  # not even the pipeline's input passes this sample
                first = self._good[0][1]
                raise VerificationFailed(PassEvent(0, None, first, None, 0.0, 0, []),
                                         self.ctx.audit(first, event.index))
            index, graph = target
            self.stats[-1].verify_mode = "rolled back"
            self.stats[-1].after = size_counts(graph)
            where = ("its input" if index == self._good[-1][0] else
                     f"the result of step {index:02d}: the results of the steps after it fail this sample too")
            self.stats[-1].notes.append(
                f"rolled back: its result fails a fresh random sample at step {len(cex)} (the sample its "
                f"search used did not show it); continuing with {where}")
            self._good = [(i, g) for i, g in self._good if i <= index]
            self.last_good = graph
            if self.ctx.attempt < MAX_RETRIES and self.ctx.learn(cex):
                self.stats[-1].notes.append("re-running it with that sequence as a witness")
                return Retry(graph)
            return graph
        lost_proof = (self._last_result is not None and self._last_result.mode == "proved"
                      and result.mode != "proved" and self.last_good is not None)
        if lost_proof:
            assert self.last_good is not None
            if _weight(size_counts(event.graph)) >= _weight(size_counts(self.last_good)):
                self.stats[-1].verify_mode = "rolled back"
                self.stats[-1].after = size_counts(self.last_good)
                self.stats[-1].notes.append(
                    "rolled back: its result is bounded, not proved, and it removes nothing; a proof is "
                    "not traded for nothing")
                return self.last_good
            self.stats[-1].notes.append("proof lost here: its input was proved, its (smaller) result is "
                                        "bounded, not proved")
        self.accept(event.graph, result)
        self._good.append((event.index, event.graph))
        return None

    def accept(self, graph: Graph, result: VerifyResult) -> None:
        """Take ``graph`` as verified with ``result`` without checking it (the caller already did):
        the input event then finds it unchanged and records that verdict."""
        self.last_good, self._last_result = graph, result
        self.ctx.prove_in_searches = result.mode == "proved"

    def final_check(self, graph: Graph, index: int) -> Graph:
        """Check the pipeline's result once more with much longer sequences (:meth:`PassContext.
        final_audit`) unless it was proved; if it fails, go back to the newest earlier result that
        passes the same check. Recorded as a ``final check`` row of ``--stats``."""
        if self._last_result is None or self._last_result.mode == "proved":
            return graph
        start, calls = time.perf_counter(), self.ctx.verifier_calls
        result = self.ctx.final_audit(graph)
        chosen, notes = graph, []
        if not result.ok:
            cex = result.counterexample
            found = "?" if cex is None else f"{len(cex)} ({'exhaustive search' if cex.shortest else cex.source})"
            notes.append(f"the result fails at step {found}")
            earlier = [(i, g) for i, g in reversed(self._good) if g != graph]
            passing = next(((i, g) for i, g in earlier if self.ctx.final_audit(g).ok), None)
            if passing is None:
                first = self._good[0][1]
                raise VerificationFailed(PassEvent(0, None, first, None, 0.0, 0, []), self.ctx.final_audit(first))
            at, chosen = passing
            notes.append(f"going back to the result of step {at:02d}, the newest that passes it")
            self.last_good = chosen
        self.stats.append(PassStats(index, "final check", size_counts(graph), size_counts(chosen),
                                    time.perf_counter() - start, self.ctx.verifier_calls - calls,
                                    result.mode if result.ok else "rolled back", notes))
        return chosen

    def _newest_passing(self, salt: int) -> tuple[int, Graph] | None:
        """The newest good graph that also passes the audit sample ``salt`` (None if none does)."""
        for index, graph in reversed(self._good):
            if self.ctx.audit(graph, salt).ok:
                return index, graph
        return None


def _weight(counts: dict[str, int]) -> int:
    """A graph's size for deciding whether a pass shrank it: neurons, states, edges and nonzero
    biases together."""
    return sum(counts.values())


@dataclass
class OptResult:
    """The outcome of :func:`optimize`: the last graph that verified (None if not even the input
    did), per-pass statistics, and the failure that stopped the pipeline, if any."""

    graph: Graph | None
    stats: list[PassStats]
    failure: VerificationFailed | None
    verifier_calls: int


def optimize(graph: Graph, passes: list[Pass], ctx: PassContext | None = None, *,
             dump_dir: Path | None = None, print_to: TextIO | None = None,
             checked: VerifyResult | None = None, final_check: bool = True) -> OptResult:
    """Run a verified pipeline; a failing verification stops it and keeps the last good graph.
    ``checked`` is the input's verdict when the caller already has it (it is not checked again);
    ``final_check=False`` skips the long final check (for callers that only want the result's size)."""
    ctx = ctx or PassContext()
    instrument = Instrumentation(ctx, dump_dir, print_to)
    if checked is not None and checked.ok:
        instrument.accept(graph, checked)
    try:
        result = run_passes(graph, passes, ctx, instrument)
        final = instrument.final_check(result, len(passes) + 1) if final_check else result
        failure = None
    except VerificationFailed as err:
        # the input itself is wrong (its first audit, or the final check that found it wrong after
        # all): no graph of this run may be offered as a result
        final, failure = (None if err.event.index == 0 else instrument.last_good), err
    return OptResult(final, instrument.stats, failure, ctx.verifier_calls)

